"""A profile's parameters and inputs: the area (a ward, an area committee or the city), the window, and
the processed tables it reads.

An *area* is a ward (its GSS code, ``E05...``), an area committee (its name, e.g. ``Coalfield``) or the
district (its code, e.g. ``E08999901``).

>>> import pandas as pd
>>> wards = pd.DataFrame({"ward_code": ["E05000001", "E05000002", "E05000003"],
...                       "ward_name": ["Alpha", "Beta", "Gamma"],
...                       "area_committee": ["North", "North", "East"]})
>>> resolve_area("north", wards)
Area(kind='area_committee', code='North', name='North area committee', ward_codes=('E05000001', 'E05000002'))
>>> resolve_area("E05000003", wards).name
'Gamma'
>>> resolve_area("E05000004", wards)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
lsp_research.errors.ParameterError: area_code 'E05000004' is not a ward code, area committee or the city code. Close matches: E0500000... Allowed: the 3 ward codes (E05000001-E05000003), area committees East, North, or E08... (the city).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from ... import config, data
from ...errors import ParameterError

#: Tables a profile reads (for the runner's cache: see programme.yml).
INPUTS = ("wards", "population", "deaths", "admissions", "incidents", "referrals")


@dataclass(frozen=True)
class Area:
    """A profile's area: ``kind`` is ``ward``, ``area_committee`` or ``city``."""

    kind: str
    code: str
    name: str
    ward_codes: tuple[str, ...]


def allowed_areas(wards: pd.DataFrame) -> list[str]:
    """Every accepted area code: ward codes, area committee names and the city code."""
    return sorted(wards["ward_code"]) + sorted(wards["area_committee"].unique()) + [config.LAD_CODE]


def resolve_area(code: str, wards: pd.DataFrame) -> Area:
    """Turn an area code or name into an :class:`Area`; unknown codes name close matches."""
    text = str(code).strip()
    if text.upper() == config.LAD_CODE or text.lower() in {"city", config.LAD_NAME.lower()}:
        return Area("city", config.LAD_CODE, config.LAD_NAME, tuple(sorted(wards["ward_code"])))
    by_code = wards.set_index("ward_code")
    if text.upper() in by_code.index:
        c = text.upper()
        return Area("ward", c, str(by_code.loc[c, "ward_name"]), (c,))
    by_name = {str(n).lower(): c for c, n in by_code["ward_name"].items()}
    if text.lower() in by_name:
        c = by_name[text.lower()]
        return Area("ward", c, str(by_code.loc[c, "ward_name"]), (c,))
    committees = {str(a).lower(): str(a) for a in wards["area_committee"].unique()}
    if text.lower() in committees:
        name = committees[text.lower()]
        members = tuple(sorted(wards.loc[wards["area_committee"] == name, "ward_code"]))
        return Area("area_committee", name, f"{name} area committee", members)
    candidates = allowed_areas(wards) + sorted(by_name)
    close = difflib.get_close_matches(
        text, candidates, n=3, cutoff=0.6
    ) or difflib.get_close_matches(text.lower(), candidates, n=3, cutoff=0.5)
    codes = sorted(wards["ward_code"])
    hint = f" Close matches: {', '.join(close)}." if close else ""
    raise ParameterError(
        f"area_code '{code}' is not a ward code, area committee or the city code.{hint} Allowed: the "
        f"{len(codes)} ward codes ({codes[0]}-{codes[-1]}), area committees "
        f"{', '.join(sorted(committees.values()))}, or {config.LAD_CODE} (the city)."
    )


@dataclass(frozen=True)
class Params:
    """A profile's parameters, checked: the area asked for, the last quarter and the years pooled.

    The area and the period are resolved against the data by :func:`~.analysis.analyse` (which names
    close matches for an unknown area and the quarters the data cover for an unknown period).
    """

    area_code: str
    period: str = "latest"
    years: int = 3


def validate_params(area_code: str, period: str = "latest", years: int = 3) -> Params:
    """Check a profile's parameters.

    Parameters
    ----------
    area_code : str
        A ward code, a ward or area committee name, or the city code.
    period : str
        The window's last quarter, ``YYYYQn`` or ``"latest"``.
    years : int
        Financial years pooled, 1-5.

    Raises
    ------
    ParameterError
        For ``years`` outside 1-5.

    Examples
    --------
    >>> validate_params("E05001158", "2009Q4", 3)
    Params(area_code='E05001158', period='2009Q4', years=3)
    >>> validate_params("E05001158", years=7)
    Traceback (most recent call last):
    ...
    lsp_research.errors.ParameterError: years: must be 1-5 (financial years pooled), got 7
    """
    if not 1 <= int(years) <= 5:
        raise ParameterError(f"years: must be 1-5 (financial years pooled), got {years}")
    return Params(area_code=area_code, period=period, years=int(years))


class _Unread:
    """Stands for a table :func:`load_inputs` has not read yet (read on first use)."""

    def __repr__(self) -> str:
        return "<not read yet>"


#: A table of :class:`Inputs` not read yet.
UNREAD = _Unread()


@dataclass(frozen=True)
class Inputs:
    """The processed tables a profile reads (:data:`INPUTS`); ``inputs["wards"]`` reads one by name.

    ``shared`` is the period's :class:`~.analysis.PeriodIndicators` when :func:`load_inputs` read it
    from the period's artefact (:mod:`.shared`); without it :func:`~.analysis.analyse` computes it.

    A table given as :data:`UNREAD` is read, once, by ``read(name)`` when it is first used: a profile
    whose shared indicators come from the artefact reads only the wards and the population, not every
    ward's records, so its cost does not grow with the records of the place.

    >>> reads = []
    >>> def read(name, columns=None):
    ...     reads.append((name, columns))
    ...     return pd.DataFrame({"period": ["2009Q3", "2009Q4"], "n": [1, 2]})
    >>> lazy = Inputs(*[UNREAD] * 6, read=read)
    >>> list(lazy.periods()), list(lazy.periods()), reads
    (['2009Q3', '2009Q4'], ['2009Q3', '2009Q4'], [('admissions', ['period'])])
    >>> int(lazy["admissions"]["n"].sum()), int(lazy.admissions["n"].sum()), len(reads)
    (3, 3, 2)
    """

    wards: object  # GeoDataFrame
    population: pd.DataFrame
    deaths: pd.DataFrame
    admissions: pd.DataFrame
    incidents: pd.DataFrame
    referrals: pd.DataFrame
    shared: object = None  # PeriodIndicators
    #: ``read(name, columns=None)``: reads a table given as :data:`UNREAD`
    read: Callable[..., pd.DataFrame] | None = field(default=None, repr=False, compare=False)

    def __getattribute__(self, name: str):
        value = object.__getattribute__(self, name)
        if value is UNREAD:
            value = object.__getattribute__(self, "read")(name)
            object.__setattr__(self, name, value)  # read once
        return value

    def __getitem__(self, name: str):
        if name not in INPUTS:
            raise KeyError(f"{name!r} is not a profile input; inputs are {', '.join(INPUTS)}")
        return getattr(self, name)

    def periods(self):
        """The quarters the admissions cover (``YYYYQn`` strings, unique), without reading the whole
        table when it has not been read.
        """
        admissions = object.__getattribute__(self, "admissions")
        if admissions is not UNREAD:
            return admissions["period"].astype(str).unique()
        if "_periods" not in self.__dict__:  # read once
            read = self.read("admissions", ["period"])["period"].astype(str).unique()
            object.__setattr__(self, "_periods", read)
        return self.__dict__["_periods"]


def load_inputs(params: Params | None = None, folder=None) -> Inputs:
    """The processed tables a profile reads and, given ``params``, the period's shared indicators.

    The shared indicators (every area's, for the ward range, the city value and the disclosure
    decision) come from the period's artefact, computed by the first profile run of the period and
    read by the others (:func:`~.shared.shared_indicators`; ``folder`` overrides where it is kept).
    Given ``params``, the record tables (deaths, admissions, incidents, referrals) are read only if
    the artefact has to be computed, or when first used.

    Raises
    ------
    PeriodError, ParameterError
        For a period not in the data, or a window that starts before it.
    """
    # deferred: .shared and .analysis import this module
    from .analysis import window
    from .shared import files_key, shared_indicators

    if params is None:
        return Inputs(**{name: data.load(name) for name in INPUTS})
    now = ("wards", "population")  # small; the record tables wait until they are used
    tables = Inputs(**{n: data.load(n) if n in now else UNREAD for n in INPUTS}, read=data.load)
    quarter, _ = window(tables, params.period, params.years)
    processed = config.get_paths().processed
    key = files_key({name: processed / f"{name}.parquet" for name in INPUTS})
    shared = shared_indicators(tables, quarter, params.years, tables_key=key, folder=folder)
    object.__setattr__(tables, "shared", shared)  # not dataclasses.replace: it would read them all
    return tables
