"""The wellness analysis's parameters and inputs.

:func:`validate_params` checks the notebook's parameters (their form: known population group, a period
that parses, positive distances); :func:`load_inputs` reads the processed tables into :class:`Inputs`
and checks their columns; :func:`resolve_window` then checks the parameters against the data (the
centre exists and is open, the four-quarter window lies inside the referral data) and returns the
:class:`Window` the analysis covers.

>>> resolve_population_group("Women")
'women'
>>> population_group_filter("16-34")
(None, ('16-24', '25-34'))
>>> validate_params(period="2009-10 Q3", population_group="Men").population_group
'men'
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from ... import data
from ...errors import DataValidationError, ParameterError, Problem
from ...periods import Quarter, quarter_parameter, resolve

#: Age bands used in the referral records (adults, 16+).
REFERRAL_AGE_BANDS = ("16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+")

#: The population groups a report may be restricted to: (sex or None, referral age bands).
POPULATION_GROUPS: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "all": (None, REFERRAL_AGE_BANDS),
    "men": ("M", REFERRAL_AGE_BANDS),
    "women": ("F", REFERRAL_AGE_BANDS),
    "16-34": (None, ("16-24", "25-34")),
    "35-64": (None, ("35-44", "45-54", "55-64")),
    "65+": (None, ("65-74", "75+")),
}

#: Five-year population bands (ESP 2013) -> (referral age band, share of the band that is in it).
POPULATION_TO_REFERRAL_BAND: dict[str, tuple[str, float]] = {
    "15-19": ("16-24", 0.8),
    "20-24": ("16-24", 1.0),
    "25-29": ("25-34", 1.0),
    "30-34": ("25-34", 1.0),
    "35-39": ("35-44", 1.0),
    "40-44": ("35-44", 1.0),
    "45-49": ("45-54", 1.0),
    "50-54": ("45-54", 1.0),
    "55-59": ("55-64", 1.0),
    "60-64": ("55-64", 1.0),
    "65-69": ("65-74", 1.0),
    "70-74": ("65-74", 1.0),
    "75-79": ("75+", 1.0),
    "80-84": ("75+", 1.0),
    "85-89": ("75+", 1.0),
    "90+": ("75+", 1.0),
}

#: Each population group in words (for captions).
GROUP_LABELS = {"all": "all adults (16+)", "men": "men (16+)", "women": "women (16+)",
                "16-34": "adults aged 16-34", "35-64": "adults aged 35-64", "65+": "adults aged 65+"}  # fmt: skip

#: Number of quarters an analysis covers (a rolling year ending at the chosen quarter).
WINDOW_QUARTERS = 4

#: Default 2SFCA catchment (straight-line metres) and coverage-model service radius.
DEFAULT_CATCHMENT_M = 5000.0
DEFAULT_SERVICE_RADIUS_M = 2000.0


@dataclass(frozen=True)
class Window:
    """The window, centre and population group one wellness analysis covers."""

    #: The last quarter of the window.
    period: Quarter
    #: The quarters covered, oldest first.
    quarters: tuple[Quarter, ...]
    #: The centre analysed, or None for all centres.
    centre_id: str | None
    #: The centre's name, or ``"All centres"``.
    centre_name: str
    #: One of :data:`POPULATION_GROUPS`.
    population_group: str

    @property
    def window_label(self) -> str:
        """The window in words, e.g. ``'2009-10 Q1 to 2009-10 Q4'``."""
        return f"{self.quarters[0].label} to {self.quarters[-1].label}"

    @property
    def start(self):
        """The first day of the window."""
        return self.quarters[0].start

    @property
    def end(self):
        """The last day of the window."""
        return self.quarters[-1].end

    @property
    def population_year(self) -> int:
        """The mid-year estimate used as the denominator: the year the window's midpoint falls in."""
        mid = self.start + (self.end - self.start) / 2
        return mid.year

    @property
    def group_label(self) -> str:
        """The population group in words (for captions)."""
        return GROUP_LABELS[self.population_group]


def resolve_population_group(group: str) -> str:
    """Normalise a population group name, or raise :class:`ParameterError` listing the allowed ones.

    >>> resolve_population_group(" MEN ")
    'men'
    >>> resolve_population_group("children")
    Traceback (most recent call last):
    ...
    lsp_research.errors.ParameterError: population_group 'children' is not known; use one of: all, men, women, 16-34, 35-64, 65+
    """
    key = str(group).strip().lower()
    if key not in POPULATION_GROUPS:
        raise ParameterError(
            f"population_group {group!r} is not known; use one of: {', '.join(POPULATION_GROUPS)}"
        )
    return key


def population_group_filter(group: str) -> tuple[str | None, tuple[str, ...]]:
    """The sex (or None for both) and the referral age bands of a population group."""
    return POPULATION_GROUPS[resolve_population_group(group)]


def resolve_centre(centre: str, centres: pd.DataFrame) -> tuple[str | None, str]:
    """Find a centre by id or name (case-insensitive); ``"all"`` means every centre.

    Parameters
    ----------
    centre : str
        ``"all"``, a centre id such as ``"WC3"``, or a centre name.
    centres : DataFrame
        With ``centre_id`` and ``centre_name``.

    Returns
    -------
    (centre_id or None, centre name or "All centres")

    Raises
    ------
    ParameterError
        When the centre is not known; the message lists every centre.

    Examples
    --------
    >>> c = pd.DataFrame({"centre_id": ["WC1", "WC2"], "centre_name": ["Aquatic", "Seaburn"]})
    >>> resolve_centre("seaburn", c), resolve_centre("WC1", c), resolve_centre("all", c)
    (('WC2', 'Seaburn'), ('WC1', 'Aquatic'), (None, 'All centres'))
    >>> resolve_centre("Nowhere", c)
    Traceback (most recent call last):
    ...
    lsp_research.errors.ParameterError: centre 'Nowhere' is not known; use "all" or one of: WC1 (Aquatic), WC2 (Seaburn)
    """
    key = str(centre).strip().lower()
    if key == "all":
        return None, "All centres"
    for cid, name in zip(centres["centre_id"], centres["centre_name"], strict=True):
        if key in (str(cid).lower(), str(name).strip().lower()):
            return str(cid), str(name)
    listing = ", ".join(
        f"{cid} ({name})"
        for cid, name in sorted(zip(centres["centre_id"], centres["centre_name"], strict=True))
    )
    raise ParameterError(f'centre {centre!r} is not known; use "all" or one of: {listing}')


def resolve_window(
    period: str,
    centre: str,
    population_group: str,
    *,
    centres: pd.DataFrame,
    available_periods: Iterable[str],
) -> Window:
    """Check the notebook's parameters against the data and resolve them into a :class:`Window`.

    Parameters
    ----------
    period : str
        ``"latest"`` or a quarter ``YYYYQn``: the last quarter of the four-quarter window.
    centre : str
        ``"all"`` or a centre id or name.
    population_group : str
        One of :data:`POPULATION_GROUPS`.
    centres : DataFrame
        The centres (``centre_id``, ``centre_name``).
    available_periods : iterable of str
        The quarters present in the referral data.

    Raises
    ------
    ParameterError
        Unknown centre or population group, or a window that starts before the data does.
    PeriodError
        A malformed period or one outside the data.

    Examples
    --------
    >>> c = pd.DataFrame({"centre_id": ["WC1"], "centre_name": ["Aquatic"]})
    >>> avail = ["2008Q1", "2008Q2", "2008Q3", "2008Q4", "2009Q1"]
    >>> p = resolve_window("latest", "all", "women", centres=c, available_periods=avail)
    >>> p.window_label, p.population_year, p.centre_name
    ('2008-09 Q2 to 2009-10 Q1', 2008, 'All centres')
    >>> resolve_window("2008Q2", "all", "all", centres=c, available_periods=avail)
    Traceback (most recent call last):
    ...
    lsp_research.errors.ParameterError: period 2008Q2 needs the 4 quarters 2007Q3 to 2008Q2, but the data starts at 2008Q1; choose 2008Q4 or later
    """
    available = sorted({Quarter.parse(a) for a in available_periods})
    last = resolve(period, available)
    first = last - (WINDOW_QUARTERS - 1)
    if first < available[0]:
        raise ParameterError(
            f"period {last} needs the {WINDOW_QUARTERS} quarters {first} to {last}, but the data starts "
            f"at {available[0]}; choose {available[0] + (WINDOW_QUARTERS - 1)} or later"
        )
    centre_id, centre_name = resolve_centre(centre, centres)
    group = resolve_population_group(population_group)
    quarters = tuple(first + i for i in range(WINDOW_QUARTERS))
    window = Window(last, quarters, centre_id, centre_name, group)
    if centre_id is not None and centre_id not in set(open_centres(centres, window)["centre_id"]):
        opened = centres.loc[centres["centre_id"].astype(str) == centre_id, "opened"].iloc[0]
        raise ParameterError(
            f"centre {centre_name} ({centre_id}) opened on {pd.Timestamp(opened).date()}, after the window "
            f"{window.window_label}; choose a later period or another centre"
        )
    return window


def open_centres(centres, window: Window):
    """The centres open at some time in the window (``opened`` on or before its last day).

    Without an ``opened`` column every centre counts as open.
    """
    if "opened" not in centres.columns:
        return centres
    opened = pd.to_datetime(centres["opened"])
    keep = (opened <= pd.Timestamp(window.end)).to_numpy() | opened.isna().to_numpy()
    return centres.loc[keep].reset_index(drop=True)


@dataclass(frozen=True)
class Params:
    """The notebook's parameters, checked (see :func:`validate_params`).

    Attributes
    ----------
    period : str
        ``"latest"`` or a quarter ``YYYYQn``: the last quarter of the four-quarter window.
    centre : str
        ``"all"`` or a centre id or name (checked against the data by :func:`resolve_window`).
    population_group : str
        One of :data:`POPULATION_GROUPS`.
    catchment_m : float
        2SFCA catchment, straight-line metres.
    service_radius_m : float
        Coverage-model service radius, straight-line metres.
    capacity : tuple of float or None
        Centre capacities in the order of the centres table (equal when None).
    coverage : bool
        Solve the seventh-centre coverage model (the slowest step, about a second).
    """

    period: str = "latest"
    centre: str = "all"
    population_group: str = "all"
    catchment_m: float = DEFAULT_CATCHMENT_M
    service_radius_m: float = DEFAULT_SERVICE_RADIUS_M
    capacity: tuple[float, ...] | None = None
    coverage: bool = True


def validate_params(
    period: str = "latest",
    centre: str = "all",
    population_group: str = "all",
    *,
    catchment_m: float = DEFAULT_CATCHMENT_M,
    service_radius_m: float = DEFAULT_SERVICE_RADIUS_M,
    capacity: Sequence[float] | None = None,
    coverage: bool = True,
) -> Params:
    """Check the form of the notebook's parameters (the data is checked by :func:`resolve_window`);
    a bad one raises :class:`~lsp_research.errors.ParameterError` naming it and what is allowed.

    Examples
    --------
    >>> validate_params("2009Q4", "WC1", "65+")
    Params(period='2009Q4', centre='WC1', population_group='65+', catchment_m=5000.0, service_radius_m=2000.0, capacity=None, coverage=True)
    >>> validate_params(period="2009Q7")
    Traceback (most recent call last):
    ...
    lsp_research.errors.ParameterError: period: '2009Q7' is not allowed; allowed values: a financial-year quarter YYYYQn (e.g. 2009Q3) or 'latest'
    >>> validate_params(catchment_m=0)
    Traceback (most recent call last):
    ...
    lsp_research.errors.ParameterError: catchment_m: 0 is not allowed; allowed values: a positive number of metres
    """
    period = quarter_parameter("period", period)
    for name, value in (("catchment_m", catchment_m), ("service_radius_m", service_radius_m)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            raise ParameterError(
                f"{name}: {value!r} is not allowed; allowed values: a positive number of metres"
            )
    if capacity is not None:
        capacity = tuple(float(c) for c in capacity)
        if any(not c >= 0 for c in capacity):
            raise ParameterError(
                f"capacity: {capacity!r} is not allowed; allowed values: one non-negative number "
                "per centre"
            )
    return Params(
        period=period,
        centre=str(centre),
        population_group=resolve_population_group(population_group),
        catchment_m=float(catchment_m),
        service_radius_m=float(service_radius_m),
        capacity=capacity,
        coverage=bool(coverage),
    )


#: The columns the analysis reads from each processed table (``lsp_research.data.load`` names).
INPUT_COLUMNS: dict[str, tuple[str, ...]] = {
    "referrals": ("period", "ward_code", "centre_id", "sex", "age_band", "took_up",
                  "completed_12wk", "bmi_change"),
    "wards": ("ward_code", "ward_name", "imd_quintile", "imd2007_score", "geometry"),
    "centres": ("centre_id", "centre_name", "geometry"),
    "population": ("year", "ward_code", "sex", "age_band", "population"),
    "deaths": ("year", "ward_code", "sex", "age_band_le", "deaths", "population"),
}  # fmt: skip
#: Processed tables the analysis reads.
INPUT_TABLES = tuple(INPUT_COLUMNS)


@dataclass(frozen=True)
class Inputs:
    """The processed tables one wellness analysis reads (see :data:`INPUT_COLUMNS`).

    ``wards`` and ``centres`` are GeoDataFrames with a CRS; the others are DataFrames.
    """

    referrals: pd.DataFrame
    wards: pd.DataFrame
    centres: pd.DataFrame
    population: pd.DataFrame
    deaths: pd.DataFrame

    def check(self) -> Inputs:
        """Raise :class:`DataValidationError` listing every table that lacks a column; return self.

        >>> empty = pd.DataFrame()
        >>> Inputs(empty, empty, empty, empty, empty).check()
        Traceback (most recent call last):
        ...
        lsp_research.errors.DataValidationError: 5 problems in the wellness inputs:
          processed table referrals: missing columns period, ward_code, centre_id, sex, age_band, took_up, completed_12wk, bmi_change
          processed table wards: missing columns ward_code, ward_name, imd_quintile, imd2007_score, geometry
          processed table centres: missing columns centre_id, centre_name, geometry
          processed table population: missing columns year, ward_code, sex, age_band, population
          processed table deaths: missing columns year, ward_code, sex, age_band_le, deaths, population
        """
        problems = []
        for name, columns in INPUT_COLUMNS.items():
            table = getattr(self, name)
            missing = [c for c in columns if c not in table.columns]
            if missing:
                problems.append(
                    Problem(f"processed table {name}", None, None,
                            f"missing columns {', '.join(missing)}")
                )  # fmt: skip
        if problems:
            raise DataValidationError(problems, context="the wellness inputs")
        return self


def load_inputs(params: Params) -> Inputs:
    """The processed tables the analysis needs, via :func:`lsp_research.data.load`, checked.

    ``params`` is not needed to choose the tables (every run reads the same five); it is taken so
    that every topic loads its inputs the same way.
    """
    return Inputs(**{name: data.load(name) for name in INPUT_TABLES}).check()
