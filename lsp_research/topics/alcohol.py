"""Alcohol misuse across hospital admissions and police incidents.

The analysis behind ``notebooks/alcohol_misuse.ipynb``, for the joint champions (the Director of Public
Health and the Police Chief Superintendent). The notebook only calls these functions.

**Admissions.** Each admission episode is classified from its ICD-10 diagnoses (``diag_01`` ... ``diag_06``)
with a table of alcohol-attributable fractions (AAFs, ``resources/alcohol_fractions.csv``; its partial
fractions are SIMPLIFIED/ILLUSTRATIVE, see ``alcohol_fractions.md``) into three measures:

``specific``
    an alcohol-specific code (AAF = 1) in any diagnosis position; weight 1.
``narrow``
    the primary diagnosis is alcohol-related, or a secondary diagnosis is an alcohol-related external
    cause (a V, W, X or Y code); weight = the highest AAF among those diagnoses.
``broad``
    any diagnosis position (the NI 39 definition); weight = the highest AAF among all diagnoses.

**Rates.** Directly standardised rates (DSRs, per 100,000, by age and sex, with the European Standard
Population 2013 or 1976 for each sex) by financial year and by quarter (annualised), with SPC; ward (or
area committee) standardised admission ratios (SARs, city = 100) pooled over the chosen years; a
deprivation gradient by IMD quintile with the slope index of inequality and the gap between the most and
least deprived fifths.

**Police.** Alcohol-flagged incidents per 1,000 residents per year by area, Getis-Ord Gi* hot spots on a
grid of square cells in British National Grid, and a day-of-week by hour profile of the night-time economy.

**Joint view.** Areas' SARs against their incident ratios, the correlation with a Fisher-z interval, and the
areas where both are significantly high.

>>> p = validate_params(measure="narrow", years_pooled=2)
>>> p.measure, p.years_pooled, p.standard_population
('narrow', 2, 'esp2013')
>>> episodes = pd.DataFrame({
...     "age": [45, 30, 70], "sex": ["M", "F", "M"],
...     "diag_01": ["K703", "S720", "I10"], "diag_02": ["", "W19", ""]})
>>> classify_episodes(episodes)[["specific", "aaf_narrow", "aaf_broad"]]
   specific  aaf_narrow  aaf_broad
0      True        1.00       1.00
1     False        0.15       0.15
2     False        0.10       0.10
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .. import config, periods
from ..errors import DataValidationError, ParameterError, PeriodError, Problem
from ..formatting import ROUNDING_NOTE, change, formatted_table, number, percent

# --------------------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------------------

#: Allowed values of the notebook's parameters (the notebook's parameters cell repeats them in comments).
MEASURES = ("specific", "narrow", "broad")
STANDARD_POPULATIONS = ("esp2013", "esp1976")
GEOGRAPHIES = ("ward", "area_committee")
YEARS_POOLED_RANGE = (1, 5)

MEASURE_LABELS = {
    "specific": "alcohol-specific admissions",
    "narrow": "alcohol-related admissions (narrow measure)",
    "broad": "alcohol-related admissions (broad measure)",
}
STANDARD_LABELS = {
    "esp2013": "European Standard Population 2013",
    "esp1976": "European Standard Population 1976",
}
GEOGRAPHY_LABELS = {"ward": "ward", "area_committee": "area committee"}


@dataclass(frozen=True)
class AlcoholParams:
    """Validated parameters of the alcohol analysis (see :func:`validate_params`)."""

    period_end: str = "latest"
    years_pooled: int = 3
    measure: str = "broad"
    standard_population: str = "esp2013"
    geography: str = "ward"


def _one_of(name: str, value, allowed: tuple[str, ...]) -> str:
    text = str(value).strip().lower() if isinstance(value, str) else value
    if text not in allowed:
        raise ParameterError(
            f"{name}: {value!r} is not allowed; allowed values: {', '.join(allowed)}"
        )
    return text


def validate_params(
    period_end: str = "latest",
    years_pooled: int = 3,
    measure: str = "broad",
    standard_population: str = "esp2013",
    geography: str = "ward",
) -> AlcoholParams:
    """Check the notebook's parameters and return them normalised.

    Parameters
    ----------
    period_end : str
        The last financial-year quarter of the analysis, ``YYYYQn`` (e.g. ``2009Q4``) or ``"latest"``.
    years_pooled : int
        Years pooled for the area ratios and the gradient, 1-5.
    measure : str
        One of ``specific``, ``narrow``, ``broad``.
    standard_population : str
        One of ``esp2013``, ``esp1976``.
    geography : str
        One of ``ward``, ``area_committee``.

    Raises
    ------
    ParameterError
        Naming the parameter and its allowed values.

    Examples
    --------
    >>> validate_params(period_end="2009-10 Q3").period_end
    '2009Q3'
    >>> validate_params(measure="wide")
    Traceback (most recent call last):
    ...
    lsp_research.errors.ParameterError: measure: 'wide' is not allowed; allowed values: specific, narrow, broad
    >>> validate_params(years_pooled=7)
    Traceback (most recent call last):
    ...
    lsp_research.errors.ParameterError: years_pooled: 7 is not allowed; allowed values: whole numbers 1-5
    """
    if not isinstance(period_end, str):
        raise ParameterError(
            f"period_end: {period_end!r} is not allowed; allowed values: a financial-year quarter "
            "YYYYQn (e.g. 2009Q3) or 'latest'"
        )
    if period_end.strip().lower() == "latest":
        end = "latest"
    else:
        try:
            end = str(periods.Quarter.parse(period_end))
        except PeriodError as exc:
            raise ParameterError(
                f"period_end: {period_end!r} is not allowed; allowed values: a financial-year quarter "
                f"YYYYQn (e.g. 2009Q3) or 'latest' ({exc})"
            ) from None
    lo, hi = YEARS_POOLED_RANGE
    if (
        isinstance(years_pooled, bool)
        or not isinstance(years_pooled, int | np.integer)
        or not lo <= years_pooled <= hi
    ):
        raise ParameterError(
            f"years_pooled: {years_pooled!r} is not allowed; allowed values: whole numbers {lo}-{hi}"
        )
    return AlcoholParams(
        period_end=end,
        years_pooled=int(years_pooled),
        measure=_one_of("measure", measure, MEASURES),
        standard_population=_one_of(
            "standard_population", standard_population, STANDARD_POPULATIONS
        ),
        geography=_one_of("geography", geography, GEOGRAPHIES),
    )


# --------------------------------------------------------------------------------------------------
# Alcohol-attributable fractions and the classification of episodes
# --------------------------------------------------------------------------------------------------

#: The default (SIMPLIFIED/ILLUSTRATIVE partial fractions) table; see ``alcohol_fractions.md``.
FRACTIONS_PATH = config.RESOURCES_DIR / "alcohol_fractions.csv"
FRACTION_COLUMNS = (
    "code_from", "code_to", "condition", "category", "sex", "age_from", "age_to", "aaf", "status",
)  # fmt: skip
DIAG_COLUMNS = tuple(f"diag_{i:02d}" for i in range(1, 7))
#: First letters of ICD-10 external causes of morbidity.
EXTERNAL_CAUSE_LETTERS = ("V", "W", "X", "Y")
_MAX_AGE = 150


def load_fractions(path: str | Path | None = None) -> pd.DataFrame:
    """Read and check a table of alcohol-attributable fractions.

    Parameters
    ----------
    path : str or Path, optional
        A CSV with the columns of ``resources/alcohol_fractions.csv`` (documented in
        ``alcohol_fractions.md``); the default is that file, whose partial fractions are illustrative.

    Returns
    -------
    pandas.DataFrame
        One row per condition, sex and age range.

    Raises
    ------
    DataValidationError
        Listing every problem (missing columns, malformed code ranges, fractions outside 0-1, ...).

    Examples
    --------
    >>> f = load_fractions()
    >>> sorted(f["status"].unique())
    ['definition', 'illustrative']
    >>> bool((f.loc[f["category"] == "specific", "aaf"] == 1).all())
    True
    """
    path = Path(path) if path is not None else FRACTIONS_PATH
    name = path.name
    table = pd.read_csv(path, dtype={"code_from": str, "code_to": str}, keep_default_na=False)
    missing = [c for c in FRACTION_COLUMNS if c not in table.columns]
    if missing:
        raise DataValidationError(
            [Problem(name, None, c, "required column is missing") for c in missing],
            context=name,
        )
    problems: list[Problem] = []
    for col in ("age_from", "age_to", "aaf"):
        table[col] = pd.to_numeric(table[col], errors="coerce")
    table["code_from"] = table["code_from"].str.strip().str.upper().str.replace(".", "")
    table["code_to"] = table["code_to"].str.strip().str.upper().str.replace(".", "")
    code_ok = table["code_from"].str.fullmatch(r"[A-Z]\d{2}\d?") & table["code_to"].str.fullmatch(
        r"[A-Z]\d{2}\d?"
    )
    same_len = table["code_from"].str.len() == table["code_to"].str.len()
    checks = [
        (
            ~code_ok,
            "code_from",
            "codes must be ICD-10 without the dot: a letter and 2 or 3 digits",
        ),
        (code_ok & ~same_len, "code_to", "code_from and code_to must have the same length"),
        (code_ok & same_len & (table["code_from"] > table["code_to"]), "code_to", "range is reversed"),
        (~table["sex"].isin(["M", "F", "P"]), "sex", "must be M, F or P"),
        (~table["category"].isin(["specific", "chronic", "acute"]), "category",
         "must be specific, chronic or acute"),
        (~table["aaf"].between(0, 1), "aaf", "must be a fraction between 0 and 1"),
        ((table["category"] == "specific") & (table["aaf"] != 1), "aaf",
         "alcohol-specific conditions have AAF 1"),
        (~table["age_from"].between(0, _MAX_AGE) | ~table["age_to"].between(0, _MAX_AGE)
         | (table["age_from"] > table["age_to"]), "age_to",
         f"ages must be whole years 0-{_MAX_AGE} with age_from <= age_to"),
    ]  # fmt: skip
    for mask, col, rule in checks:
        for i in np.flatnonzero(mask.fillna(True).to_numpy()):
            problems.append(Problem(name, int(i) + 1, col, rule, table[col].iloc[i]))
    if problems:
        raise DataValidationError(problems, context=name)
    table["age_from"] = table["age_from"].astype(int)
    table["age_to"] = table["age_to"].astype(int)
    return table


def _normalise_codes(values) -> np.ndarray:
    """Distinct codes as a numpy unicode array: upper case, no dot, no spaces (missing -> "")."""
    text = pd.Series(values, dtype="string").str.strip().str.upper().str.replace(".", "").fillna("")
    return np.asarray(text.to_numpy(dtype=object), dtype=str)


def _code_aaf_lookup(codes: np.ndarray, fractions: pd.DataFrame):
    """AAF of each code for each sex and single year of age, the condition giving it, and flags.

    Returns ``(aaf, condition_index, conditions, is_specific)`` with ``aaf`` of shape
    ``(len(codes) + 1, 2, _MAX_AGE + 1)``; the last row is all zeros (for absent diagnoses).
    """
    n = len(codes)
    lengths = np.char.str_len(codes) if n else np.zeros(0, dtype=int)
    # one age-by-sex grid of fractions per condition (code range); rows read once, without pandas
    grids: dict[tuple[str, str, str], np.ndarray] = {}
    specific: set[tuple[str, str, str]] = set()
    cols = ["code_from", "code_to", "condition", "category", "sex", "age_from", "age_to", "aaf"]
    for lo, hi, cond, category, sex, a, b, f in fractions[cols].itertuples(index=False, name=None):
        grid = grids.setdefault((lo, hi, cond), np.zeros((2, _MAX_AGE + 1)))
        for s in (0, 1) if sex == "P" else ((0,) if sex == "M" else (1,)):
            grid[s, a : b + 1] = np.maximum(grid[s, a : b + 1], f)
        if category == "specific":
            specific.add((lo, hi, cond))
    conditions = [key[2] for key in grids]
    aaf = np.zeros((n + 1, 2, _MAX_AGE + 1))
    which = np.full((n + 1, 2, _MAX_AGE + 1), -1, dtype=np.int32)
    is_specific = np.zeros(n + 1, dtype=bool)
    for g, (key, grid) in enumerate(grids.items()):
        lo, hi, _ = key
        width = len(lo)
        prefix = codes.astype(f"<U{width}")  # truncates each code to its first `width` characters
        idx = np.flatnonzero((prefix >= lo) & (prefix <= hi) & (lengths >= width))
        if not len(idx):
            continue
        better = grid[None, :, :] > aaf[idx]
        aaf[idx] = np.where(better, grid[None, :, :], aaf[idx])
        which[idx] = np.where(better, g, which[idx])
        if key in specific:
            is_specific[idx] = True
    return aaf, which, conditions, is_specific


def classify_episodes(
    episodes: pd.DataFrame, fractions: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Classify admission episodes into the alcohol measures, vectorised.

    Parameters
    ----------
    episodes : pandas.DataFrame
        Columns ``age`` (years), ``sex`` (``M``/``F``) and ``diag_01`` plus any of ``diag_02`` ...
        ``diag_06``: ICD-10 codes without the dot (3 or 4 characters); empty or missing when absent.
    fractions : pandas.DataFrame, optional
        A table from :func:`load_fractions`; the default is the packaged (illustrative) table.

    Returns
    -------
    pandas.DataFrame
        Same index as ``episodes``, columns ``specific`` (bool: an AAF = 1 code in any position),
        ``aaf_narrow`` (the highest AAF among the primary diagnosis and secondary external causes),
        ``aaf_broad`` (the highest AAF in any position) and ``condition`` (the condition that gave
        ``aaf_broad``, missing when it is 0).

    Examples
    --------
    A fall (W19, a secondary external cause) counts in the narrow measure; an alcohol-specific code in
    a secondary position counts in the specific and broad measures only:

    >>> ep = pd.DataFrame({"age": [30, 50], "sex": ["M", "F"],
    ...                    "diag_01": ["S720", "J189"], "diag_02": ["W19", "F101"]})
    >>> out = classify_episodes(ep)
    >>> out[["specific", "aaf_narrow", "aaf_broad"]]
       specific  aaf_narrow  aaf_broad
    0     False        0.25       0.25
    1      True        0.00       1.00
    >>> out["condition"].tolist()
    ['Falls', 'Mental and behavioural disorders due to use of alcohol']
    """
    fractions = load_fractions() if fractions is None else fractions
    cols = [c for c in DIAG_COLUMNS if c in episodes.columns]
    if "diag_01" not in cols:
        raise ValueError("episodes: needs at least the primary diagnosis column 'diag_01'")
    for col in ("age", "sex"):
        if col not in episodes.columns:
            raise ValueError(f"episodes: needs a column '{col}'")
    n = len(episodes)
    male = (episodes["sex"] == "M").to_numpy(dtype=bool, na_value=False)
    female = (episodes["sex"] == "F").to_numpy(dtype=bool, na_value=False)
    if not (male | female).all():
        bad = episodes["sex"].to_numpy(dtype=object)[~(male | female)][0]
        raise ValueError(f"episodes: column 'sex' must be M or F (got {bad!r})")
    age = pd.to_numeric(episodes["age"], errors="coerce")
    if age.isna().any():
        raise ValueError("episodes: column 'age' must be a number of years for every episode")
    sex_i = female.astype(np.intp)
    age_i = np.clip(age.to_numpy(dtype=float), 0, _MAX_AGE).astype(np.intp)

    # one factorisation of all diagnosis columns; the fractions are looked up per distinct code
    stacked = pd.concat([episodes[c].astype("string") for c in cols], ignore_index=True)
    code_idx, uniques = pd.factorize(stacked, use_na_sentinel=True)
    codes = _normalise_codes(uniques)
    aaf, which, conditions, is_specific = _code_aaf_lookup(codes, fractions)
    code_idx = np.where(code_idx < 0, len(codes), code_idx).reshape(len(cols), n).T
    is_external = np.append(np.isin(codes.astype("<U1"), EXTERNAL_CAUSE_LETTERS), False)

    by_position = aaf[code_idx, sex_i[:, None], age_i[:, None]]  # (n, k)
    broad = by_position.max(axis=1)
    secondary_external = np.where(is_external[code_idx[:, 1:]], by_position[:, 1:], 0.0)
    narrow = np.maximum(by_position[:, 0], secondary_external.max(axis=1, initial=0.0))
    best = code_idx[np.arange(n), by_position.argmax(axis=1)]
    cond_i = which[best, sex_i, age_i]
    name_codes, names = pd.factorize(pd.Series(conditions, dtype=object))
    cond_codes = np.where(broad > 0, np.append(name_codes, -1)[cond_i], -1)
    condition = pd.Categorical.from_codes(cond_codes, categories=list(names))
    return pd.DataFrame(
        {
            "specific": is_specific[code_idx].any(axis=1),
            "aaf_narrow": narrow,
            "aaf_broad": broad,
            "condition": condition,
        },
        index=episodes.index,
    )


def episode_weights(classified: pd.DataFrame, measure: str) -> pd.Series:
    """The weight of each episode in ``measure`` (``specific``: 1 or 0; ``narrow``/``broad``: the AAF).

    >>> c = pd.DataFrame({"specific": [True, False], "aaf_narrow": [1.0, 0.0], "aaf_broad": [1.0, 0.3]})
    >>> episode_weights(c, "broad").tolist(), episode_weights(c, "specific").tolist()
    ([1.0, 0.3], [1.0, 0.0])
    """
    measure = _one_of("measure", measure, MEASURES)
    if measure == "specific":
        return classified["specific"].astype(float)
    return classified[f"aaf_{measure}"].astype(float)


# --------------------------------------------------------------------------------------------------
# Periods, populations and strata
# --------------------------------------------------------------------------------------------------


def analysis_window(
    period_end: str, years_pooled: int, available
) -> tuple[periods.Quarter, periods.Quarter]:
    """The first and last quarter of the pooled window that ends at ``period_end``.

    Parameters
    ----------
    period_end : str
        ``YYYYQn`` or ``"latest"`` (the newest quarter in ``available``).
    years_pooled : int
        Length of the window in years (4 quarters each).
    available : iterable of str
        The quarters present in the data.

    Raises
    ------
    PeriodError
        When the period is not in the data, or the data do not reach back far enough.

    Examples
    --------
    >>> analysis_window("latest", 3, ["2004Q1", "2009Q4"])
    (Quarter('2007Q1'), Quarter('2009Q4'))
    >>> analysis_window("2005Q2", 3, ["2004Q1", "2005Q2", "2009Q4"])
    Traceback (most recent call last):
    ...
    lsp_research.errors.PeriodError: 3 years ending 2005Q2 start at 2002Q3, before the data (which start at 2004Q1); choose fewer years or a later period_end
    """
    available = sorted({periods.Quarter.parse(a) for a in available})
    end = periods.resolve(period_end, available)
    start = end - (4 * int(years_pooled) - 1)
    if start < available[0]:
        raise PeriodError(
            f"{years_pooled} years ending {end} start at {start}, before the data (which start at "
            f"{available[0]}); choose fewer years or a later period_end"
        )
    return start, end


def _quarters_frame(start: periods.Quarter, end: periods.Quarter, pop_years) -> pd.DataFrame:
    """One row per quarter with its financial year and the mid-year population year used for it.

    The mid-year estimate for a financial year is the one dated 30 June of its first calendar year; a
    year without an estimate takes the nearest year that has one.
    """
    qs = list(periods.quarter_range(start, end))
    years = np.array(sorted(int(y) for y in set(pop_years)))
    fy = np.array([q.year for q in qs])
    nearest = years[np.abs(years[None, :] - fy[:, None]).argmin(axis=1)]
    return pd.DataFrame({"period": [str(q) for q in qs], "financial_year": fy, "pop_year": nearest})


def band_map(standard_population: str) -> dict[str, str]:
    """How the data's ESP 2013 age bands map to the chosen standard's bands.

    >>> m = band_map("esp1976")
    >>> m["85-89"], m["90+"], m["40-44"]
    ('85+', '85+', '40-44')
    """
    standard_population = _one_of("standard_population", standard_population, STANDARD_POPULATIONS)
    mapping = {b: b for b in config.ESP2013_BANDS}
    if standard_population == "esp1976":
        mapping.update({"85-89": "85+", "90+": "85+"})
    return mapping


def standard_weights(standard_population: str) -> pd.Series:
    """Standard population weights per 100,000, indexed by age band.

    >>> int(standard_weights("esp1976")["85+"]), int(standard_weights("esp2013").sum())
    (1000, 100000)
    """
    standard_population = _one_of("standard_population", standard_population, STANDARD_POPULATIONS)
    if standard_population == "esp1976":
        return pd.Series(config.ESP1976, index=list(config.ESP1976_BANDS), name="stdpop")
    return pd.Series(config.ESP2013, index=list(config.ESP2013_BANDS), name="stdpop")


def area_lookup(wards: pd.DataFrame) -> pd.DataFrame:
    """Ward attributes used for grouping: ``ward_code``, ``ward_name``, ``area_committee``, ``imd_quintile``."""
    cols = ["ward_code", "ward_name", "area_committee", "imd_quintile"]
    return pd.DataFrame(wards[[c for c in cols if c in wards.columns]]).reset_index(drop=True)


def stratify(
    admissions: pd.DataFrame,
    weights: pd.Series,
    population: pd.DataFrame,
    start: periods.Quarter,
    end: periods.Quarter,
    by: list[str],
    standard_population: str = "esp2013",
    areas: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Weighted admissions and person-years per group, sex and age band, with every stratum present.

    Parameters
    ----------
    admissions : pandas.DataFrame
        Episodes with ``period``, ``financial_year``, ``ward_code``, ``sex``, ``age_band``.
    weights : pandas.Series
        Each episode's weight in the measure (:func:`episode_weights`), aligned with ``admissions``.
    population : pandas.DataFrame
        ``year``, ``ward_code``, ``sex``, ``age_band``, ``population`` (mid-year estimates).
    start, end : Quarter
        The window, inclusive.
    by : list of str
        Grouping: any of ``period``, ``financial_year``, ``ward_code`` and the columns of ``areas``
        (``area_committee``, ``imd_quintile``, ...); ``[]`` for the whole city.
    standard_population : str
        Decides the age bands (``esp1976`` merges 85-89 and 90+ into 85+).
    areas : pandas.DataFrame, optional
        Ward attributes (:func:`area_lookup`) for grouping by something other than ward.

    Returns
    -------
    pandas.DataFrame
        ``by`` + ``sex``, ``age_band``, ``events`` (sum of weights), ``episodes`` (episodes with a
        positive weight), ``person_years`` (each quarter counts a quarter of the mid-year population),
        ``stdpop`` (the standard's weight for the age band).

    Raises
    ------
    DataValidationError
        When admissions fall in a stratum (ward, sex, age band) that has no population.
    """
    bands = band_map(standard_population)
    std = standard_weights(standard_population)
    quarters = _quarters_frame(start, end, population["year"].unique())
    lo, hi = str(start), str(end)
    area_by = [b for b in by if b not in ("period", "financial_year")]
    extra = [b for b in area_by if b != "ward_code"]
    if extra and areas is None:
        raise ValueError(f"areas: needed to group by {extra}")
    stratum = ["ward_code", "sex", "age_band"]

    # episodes -> fine strata (quarter, ward, sex, band) first, so that the rest works on small frames
    w = np.asarray(weights, dtype=float)
    period = admissions["period"].astype(str)
    keep = ((w > 0) & (period >= lo) & (period <= hi)).to_numpy(dtype=bool)
    fine = ["period", *stratum]
    adm = admissions.loc[keep, fine].assign(events=w[keep], episodes=1)
    adm = adm.groupby(fine, observed=True)[["events", "episodes"]].sum().reset_index()
    adm["period"] = adm["period"].astype(str)
    adm["financial_year"] = adm["period"].map(quarters.set_index("period")["financial_year"])

    # population strata define the grid; no admission may fall outside it
    pop = population.loc[:, ["year", *stratum, "population"]]
    known = pop[stratum].drop_duplicates()
    orphans = adm.merge(known, on=stratum, how="left", indicator=True)
    orphans = orphans[orphans["_merge"] == "left_only"]
    if len(orphans):
        row = orphans.iloc[0]
        raise DataValidationError(
            [Problem("admissions", None, "ward_code",
                     f"{int(orphans['episodes'].sum())} admissions fall in strata without population, "
                     f"e.g. ward {row['ward_code']}, sex {row['sex']}, age band {row['age_band']}")],
            context="alcohol admissions",
        )  # fmt: skip

    for col in extra:
        lookup = areas.set_index("ward_code")[col]
        adm[col] = adm["ward_code"].map(lookup)
        pop[col] = pop["ward_code"].map(lookup)
    for frame in (adm, pop):
        frame["age_band"] = frame["age_band"].astype(str).map(bands)
    keys = [*by, "sex", "age_band"]
    counts = adm.groupby(keys, observed=True, dropna=False)[["events", "episodes"]].sum()
    # person-time: each quarter counts a quarter of its financial year's mid-year population
    pop = pop.groupby(["year", *area_by, "sex", "age_band"], observed=True, dropna=False)
    pop = pop["population"].sum().reset_index()
    pop = pop.merge(quarters, left_on="year", right_on="pop_year")
    pop["person_years"] = pop["population"] * 0.25
    py = pop.groupby(keys, observed=True, dropna=False)["person_years"].sum()
    out = py.to_frame().join(counts, how="left").reset_index()
    out[["events", "episodes"]] = out[["events", "episodes"]].fillna(0)
    out["episodes"] = out["episodes"].astype(int)
    out["stdpop"] = out["age_band"].map(std).astype(float)
    return out


# --------------------------------------------------------------------------------------------------
# Admissions: city trend, areas, deprivation
# --------------------------------------------------------------------------------------------------

#: Labels of the significance categories (as in funnel plots: 95% and 99.8% two-sided limits).
SIGNIFICANCE_LEVELS = (
    "High (0.001)",
    "High (0.025)",
    "Not significant",
    "Low (0.025)",
    "Low (0.001)",
)


def _drop_empty_strata(strata: pd.DataFrame, what: str) -> pd.DataFrame:
    """Drop strata with no population; admissions in them would be an error in the data."""
    empty = strata["person_years"] <= 0
    if (strata.loc[empty, "events"] > 0).any():
        raise DataValidationError(
            [
                Problem(
                    what, None, "population", "admissions recorded in a stratum with no population"
                )
            ],
            context=what,
        )
    return strata[~empty]


def dsr_table(
    strata: pd.DataFrame, by: list[str], confidence: float | tuple[float, ...] = 0.95
) -> pd.DataFrame:
    """Directly standardised rates per 100,000 (per year of person-time) for each group of ``by``.

    Parameters
    ----------
    strata : pandas.DataFrame
        From :func:`stratify`: ``events``, ``episodes``, ``person_years``, ``stdpop`` by ``by``, sex and
        age band (the standard's weights apply to each sex, so the rate is age-sex standardised).
    by : list of str
        Group columns (``[]`` for one rate).
    confidence : float or tuple of float

    Returns
    -------
    pandas.DataFrame
        ``by``, ``episodes``, ``total_count`` (weighted events), ``total_pop`` (person-years), ``value``
        and limits (missing when the weighted count is under 10), ``shown`` (may be published).

    Examples
    --------
    >>> s = pd.DataFrame({"sex": ["M", "F"] * 2, "age_band": ["0-4", "0-4", "5-9", "5-9"],
    ...                   "events": [5.0, 5.0, 10.0, 0.0], "episodes": [5, 5, 10, 0],
    ...                   "person_years": [1000.0] * 4, "stdpop": [5000.0, 5000.0, 5500.0, 5500.0]})
    >>> r = dsr_table(s, [])
    >>> round(float(r["value"].iloc[0]), 1), int(r["episodes"].iloc[0]), bool(r["shown"].iloc[0])
    (500.0, 20, True)
    """
    from .. import disclosure, stats

    strata = _drop_empty_strata(strata, "admissions")
    out = stats.dsr(strata, "events", "person_years", stdpop="stdpop", by=by or None,
                    confidence=confidence)  # fmt: skip
    if by:
        episodes = strata.groupby(by, sort=False, observed=True)["episodes"].sum()
        out = out.merge(episodes.reset_index(), on=by, how="left")
    else:
        out["episodes"] = int(strata["episodes"].sum())
    out["shown"] = disclosure.dsr_allowed(out["total_count"].to_numpy())
    return out


def complete_years(start: periods.Quarter, end: periods.Quarter) -> list[int]:
    """Financial years (start years) wholly inside ``start``..``end``.

    >>> complete_years(periods.Quarter(2004, 1), periods.Quarter(2009, 3))
    [2004, 2005, 2006, 2007, 2008]
    """
    first = start.year if start.q == 1 else start.year + 1
    last = end.year if end.q == 4 else end.year - 1
    return list(range(first, last + 1))


def city_trend(
    admissions: pd.DataFrame,
    weights: pd.Series,
    population: pd.DataFrame,
    start: periods.Quarter,
    end: periods.Quarter,
    standard_population: str,
    freq: str = "financial_year",
) -> pd.DataFrame:
    """City DSR per 100,000 by complete financial year, or by quarter (annualised), with 95% limits.

    A quarter's person-time is a quarter of the mid-year population, so quarterly rates are annual rates.

    Returns
    -------
    pandas.DataFrame
        ``period`` (``YYYYQn``) or ``financial_year`` (start year), ``label`` (``2009-10`` or
        ``2009-10 Q3``), then the columns of :func:`dsr_table`.
    """
    if freq not in ("financial_year", "period"):
        raise ValueError(f"freq: {freq!r} is not allowed; use 'financial_year' or 'period'")
    if freq == "financial_year":
        years = complete_years(start, end)
        if not years:
            raise PeriodError(f"no complete financial year between {start} and {end}")
        start, end = periods.Quarter(years[0], 1), periods.Quarter(years[-1], 4)
    strata = stratify(admissions, weights, population, start, end, [freq], standard_population)
    out = dsr_table(strata, [freq]).sort_values(freq, ignore_index=True)
    if freq == "financial_year":
        out["label"] = [periods.fy_label(int(y)) for y in out[freq]]
    else:
        out["label"] = [periods.Quarter.parse(p).label for p in out[freq]]
    return out


def trend_spc(trend: pd.DataFrame, improvement: str = "decrease"):
    """SPC (Making Data Count XmR) of a trend's published values; lower admissions are better.

    Returns
    -------
    lsp_research.stats.SPCResult
        With the trend's labels as ``x``.
    """
    from .. import stats

    shown = trend[trend["shown"] & trend["value"].notna()]
    return stats.spc(
        pd.Series(shown["value"].to_numpy(), index=shown["label"]), improvement=improvement
    )


def comparator_table(
    city_ni39: pd.DataFrame, comparators: pd.DataFrame, indicator_code: str = "NI39"
) -> pd.DataFrame:
    """City NI 39 rate by financial year beside the North East and England, with the comparison.

    Parameters
    ----------
    city_ni39 : pandas.DataFrame
        :func:`city_trend` by financial year for the broad measure on ESP 1976 (the NI 39 definition).
    comparators : pandas.DataFrame
        The ``indicator_comparators`` table (``indicator_code``, ``period`` or ``financial_year``,
        ``comparator``, ``value``). A comparator given by quarter takes its last quarter in each year.

    Returns
    -------
    pandas.DataFrame
        ``financial_year``, ``label``, ``value``, ``lowercl``, ``uppercl``, ``shown``, and per comparator
        (``North East``, ``England``) its value and ``vs <comparator>`` (better / similar / worse; lower
        is better).
    """
    from .. import stats

    comp = comparators[
        comparators["indicator_code"].astype(str).str.replace(" ", "").str.upper() == indicator_code
    ].copy()
    if "financial_year" not in comp.columns:
        comp["financial_year"] = pd.NA
    if "period" not in comp.columns:
        comp["period"] = pd.NA
    annual = comp["financial_year"].notna()
    comp["fy"] = pd.NA
    comp.loc[annual, "fy"] = [periods.parse_fy(str(v)) for v in comp.loc[annual, "financial_year"]]
    by_q = ~annual & comp["period"].notna()
    comp["order"] = 10
    if by_q.any():
        qs = [periods.Quarter.parse(str(p)) for p in comp.loc[by_q, "period"]]
        comp.loc[by_q, "fy"] = [q.year for q in qs]
        comp.loc[by_q, "order"] = [q.q for q in qs]
    comp = comp.dropna(subset=["fy"]).sort_values(["fy", "order"])
    comp = comp.groupby(["fy", "comparator"], sort=True)["value"].last().unstack("comparator")
    out = city_ni39[["financial_year", "label", "value", "lowercl", "uppercl", "shown"]].copy()
    for name in comp.columns:
        vals = out["financial_year"].map(comp[name].to_dict()).astype(float)
        out[name] = vals
        out[f"vs {name}"] = stats.compare(
            out["value"].to_numpy(dtype=float), out["lowercl"].to_numpy(dtype=float),
            out["uppercl"].to_numpy(dtype=float), vals.to_numpy(), "decrease",
        )  # fmt: skip
    return out


def ni39_as_returned(
    returns: pd.DataFrame, comparators: pd.DataFrame | None, end: periods.Quarter, registry=None
) -> pd.DataFrame | None:
    """NI 39 as the PCT returned it, judged exactly as the performance report judges it.

    The return for a quarter covers the 12 months to its end, so the fourth quarter's return is the
    financial year. One row per financial year up to ``end`` (its fourth quarter; for the year of
    ``end`` when that is not a fourth quarter, the 12 months to ``end``), each from
    :func:`lsp_research.performance.assess` at that quarter: the same value, interval and comparator
    verdicts (better / similar / worse) as the performance report of that quarter. None when NI 39 is
    not in the registry or was never returned.
    """
    from ..config import LAD_CODE
    from ..performance import assess, load_registry
    from ..performance.registry import Registry

    reg = registry if registry is not None else load_registry()
    if "NI39" not in reg.codes:
        return None
    reg = Registry({"NI39": reg["NI39"]}, reg.settings, reg.source, reg.raw)
    code = returns["indicator_code"].astype(str).str.replace(" ", "").str.upper()
    mine = returns[(code == "NI39") & (returns["area_code"].astype(str) == LAD_CODE)]
    if mine.empty:
        return None
    have = sorted({periods.Quarter.parse(str(q)) for q in mine["period"]})
    rows = []
    for year in range(have[0].year, end.year + 1):
        q = min(periods.Quarter(year, 4), end)
        if q < have[0]:
            continue
        a = assess(returns, reg, q, comparators=comparators)
        rec = a.record("NI39")
        label = periods.fy_label(year) if q.q == 4 else f"12 months to {q.label}"
        row = {
            "financial_year": year, "label": label, "period": str(q), "value": rec.value,
            "lowercl": rec.lowercl, "uppercl": rec.uppercl,
            "shown": bool(rec.judged and rec.value is not None),
        }  # fmt: skip
        c = a.comparisons
        comp = c[(c["indicator_code"] == "NI39") & (c["area_code"] == LAD_CODE)].set_index(
            "comparator"
        )
        for name in comp.index:
            row[name] = comp.loc[name, "comparator_value"]
            row[f"vs {name}"] = comp.loc[name, "result"] if rec.judged else "not compared"
        rows.append(row)
    return pd.DataFrame(rows) if rows else None


def significance_category(ratios: pd.DataFrame, reference: float = 100.0) -> pd.Series:
    """Label each ratio against ``reference`` with its 95% and 99.8% limits (funnel-plot labels).

    >>> r = pd.DataFrame({"lower95_0cl": [120, 105, 80, 60], "upper95_0cl": [150, 130, 110, 90],
    ...                   "lower99_8cl": [110, 95, 70, 50], "upper99_8cl": [160, 140, 120, 99]})
    >>> significance_category(r).tolist()
    ['High (0.001)', 'High (0.025)', 'Not significant', 'Low (0.001)']
    """
    cats = np.select(
        [
            ratios["lower99_8cl"] > reference,
            ratios["lower95_0cl"] > reference,
            ratios["upper99_8cl"] < reference,
            ratios["upper95_0cl"] < reference,
        ],
        ["High (0.001)", "High (0.025)", "Low (0.001)", "Low (0.025)"],
        default="Not significant",
    )
    return pd.Series(pd.Categorical(cats, categories=SIGNIFICANCE_LEVELS), index=ratios.index)


def area_ratios(strata: pd.DataFrame, area: str) -> pd.DataFrame:
    """Indirectly standardised admission ratios (city = 100) per area, 95% and 99.8% limits.

    The reference rates are the city's own rates by sex and age band over the same window, so the
    expected counts of all areas add up to the city's observed count.

    Parameters
    ----------
    strata : pandas.DataFrame
        :func:`stratify` output grouped by ``area`` (plus sex and age band).
    area : str
        The area column (``ward_code`` or ``area_committee``).

    Returns
    -------
    pandas.DataFrame
        ``area``, ``episodes``, ``observed`` (weighted), ``expected``, ``value`` (SAR), limit columns
        ``lower95_0cl`` ... ``upper99_8cl``, ``significance``.

    Examples
    --------
    Two wards with the same population; ward B has twice ward A's admissions in each stratum:

    >>> s = pd.DataFrame({"ward_code": ["A", "A", "B", "B"], "sex": ["M", "F", "M", "F"],
    ...                   "age_band": ["20-24"] * 4, "events": [30.0, 20.0, 60.0, 40.0],
    ...                   "episodes": [30, 20, 60, 40], "person_years": [1000.0] * 4})
    >>> r = area_ratios(s, "ward_code")
    >>> r[["ward_code", "observed", "expected", "value"]].round(1)
      ward_code  observed  expected  value
    0         A      50.0      75.0   66.7
    1         B     100.0      75.0  133.3
    >>> r["significance"].astype(str).tolist()
    ['Low (0.025)', 'High (0.025)']
    """
    from .. import stats

    data = strata.copy()
    ref = data.groupby(["sex", "age_band"], observed=True)[["events", "person_years"]].transform(
        "sum"
    )
    data["x_ref"] = ref["events"]
    data["n_ref"] = ref["person_years"]
    data = data[data["n_ref"] > 0]
    out = stats.isratio(data, "events", "person_years", "x_ref", "n_ref", by=area, refvalue=100,
                        confidence=(0.95, 0.998))  # fmt: skip
    episodes = data.groupby(area, observed=True)["episodes"].sum()
    out["episodes"] = out[area].map(episodes).astype(int)
    out["significance"] = significance_category(out)
    return out.sort_values(area, ignore_index=True)


def deprivation_gradient(
    strata: pd.DataFrame, confidence: float = 0.95
) -> tuple[pd.DataFrame, dict]:
    """Rates by IMD quintile, the slope index of inequality, and the most-least deprived gap.

    Parameters
    ----------
    strata : pandas.DataFrame
        :func:`stratify` output grouped by ``imd_quintile`` (1 = most deprived fifth of wards).
    confidence : float

    Returns
    -------
    table : pandas.DataFrame
        Per quintile: :func:`dsr_table` columns, ``pop_share`` and ``rank`` (the mid-point of the
        quintile's population on a 0-1 scale from least deprived (0) to most deprived (1)).
    summary : dict
        ``sii`` (slope of a population-weighted least-squares line of the rate on ``rank``: the modelled
        difference per 100,000 between the most and least deprived ends; positive when rates rise with
        deprivation), ``sii_lower``/``sii_upper``, ``rii`` (SII over the mean rate), ``gap`` (most minus
        least deprived quintile) with ``gap_lower``/``gap_upper``, ``ratio`` (most / least),
        ``gap_significant`` and ``most_deprived_higher`` (the gap's interval excludes 0).

    Notes
    -----
    The slope is linear in the quintile rates, so its standard error follows exactly from theirs
    (each taken as half the width of its interval over z): a normal approximation to the asymmetric
    Dobson limits.

    Examples
    --------
    >>> rows = []
    >>> for q, rate in zip(range(1, 6), [0.05, 0.04, 0.03, 0.02, 0.01]):
    ...     for sex in "MF":
    ...         rows.append({"imd_quintile": q, "sex": sex, "age_band": "20-24", "stdpop": 6000.0,
    ...                      "person_years": 10000.0, "events": rate * 10000, "episodes": int(rate * 10000)})
    >>> table, s = deprivation_gradient(pd.DataFrame(rows))
    >>> round(s["sii"]), round(s["gap"]), s["most_deprived_higher"]
    (5000, 4000, True)
    """
    from ..stats import z_value

    table = dsr_table(strata, ["imd_quintile"], confidence).sort_values(
        "imd_quintile", ascending=False, ignore_index=True
    )
    z = z_value(confidence)
    w = table["total_pop"].to_numpy(dtype=float)
    w = w / w.sum()
    cum = np.cumsum(w)
    x = cum - w / 2
    y = table["value"].to_numpy(dtype=float)
    se = (table["uppercl"].to_numpy(dtype=float) - table["lowercl"].to_numpy(dtype=float)) / (2 * z)
    table["pop_share"] = w
    table["rank"] = x
    xbar = np.sum(w * x)
    c = w * (x - xbar) / np.sum(w * (x - xbar) ** 2)
    sii = float(np.sum(c * y))
    sii_se = float(np.sqrt(np.sum(c**2 * se**2)))
    mean_rate = float(np.sum(w * y))
    most = table.loc[table["imd_quintile"] == table["imd_quintile"].min()].iloc[0]
    least = table.loc[table["imd_quintile"] == table["imd_quintile"].max()].iloc[0]
    i_most, i_least = most.name, least.name
    gap = float(y[i_most] - y[i_least])
    gap_se = float(np.hypot(se[i_most], se[i_least]))
    summary = {
        "sii": sii,
        "sii_lower": sii - z * sii_se,
        "sii_upper": sii + z * sii_se,
        "rii": sii / mean_rate if mean_rate else float("nan"),
        "mean_rate": mean_rate,
        "gap": gap,
        "gap_lower": gap - z * gap_se,
        "gap_upper": gap + z * gap_se,
        "ratio": float(y[i_most] / y[i_least]) if y[i_least] else float("nan"),
        "most_deprived_rate": float(y[i_most]),
        "least_deprived_rate": float(y[i_least]),
        "gap_significant": bool(gap - z * gap_se > 0 or gap + z * gap_se < 0),
        "most_deprived_higher": bool(gap - z * gap_se > 0),
        "confidence": confidence,
    }
    return table, summary


# --------------------------------------------------------------------------------------------------
# Police incidents: rates by area, hot spots, the night-time economy
# --------------------------------------------------------------------------------------------------

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: Weekend late-night hours: Friday and Saturday 21:00-23:59 and the small hours after them (00:00-03:59
#: on Saturday and Sunday).
WEEKEND_NIGHT = {"Friday": range(21, 24), "Saturday": (*range(0, 4), *range(21, 24)),
                 "Sunday": range(0, 4)}  # fmt: skip


def alcohol_incidents(
    incidents: pd.DataFrame, start: periods.Quarter, end: periods.Quarter
) -> pd.DataFrame:
    """The alcohol-flagged incidents in the window."""
    period = incidents["period"].astype(str)
    keep = (incidents["alcohol_flag"] == 1) & (period >= str(start)) & (period <= str(end))
    return incidents.loc[keep]


def incident_rates(
    incidents: pd.DataFrame,
    population: pd.DataFrame,
    start: periods.Quarter,
    end: periods.Quarter,
    area: str = "ward_code",
    areas: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Alcohol-related incidents per 1,000 residents per year, and the ratio to the city (= 100).

    Parameters
    ----------
    incidents : pandas.DataFrame
        The ``incidents`` table (``period``, ``alcohol_flag``, ``ward_code``).
    population : pandas.DataFrame
        Mid-year estimates; every age counts in the denominator.
    start, end : Quarter
    area : str
        ``ward_code`` or a column of ``areas`` (e.g. ``area_committee``).
    areas : pandas.DataFrame, optional
        Ward attributes (:func:`area_lookup`) when ``area`` is not ``ward_code``.

    Returns
    -------
    pandas.DataFrame
        ``area``, ``incidents``, ``person_years``, ``rate`` with ``rate_lowercl``/``rate_uppercl``
        (95%), ``ratio`` (area rate over city rate x 100) with ``lower95_0cl`` ... ``upper99_8cl``,
        ``significance`` (against 100), ``vs city`` (higher / similar / lower).
        Incidents outside every ward are left out.
    """
    from .. import stats

    inc = alcohol_incidents(incidents, start, end).dropna(subset=["ward_code"])
    quarters = _quarters_frame(start, end, population["year"].unique())
    pop = population.merge(quarters, left_on="year", right_on="pop_year")
    pop = (
        pop.groupby("ward_code", observed=True)["population"].sum().mul(0.25).rename("person_years")
    )
    counts = inc.groupby("ward_code", observed=True).size().rename("incidents")
    table = pop.to_frame().join(counts, how="left").fillna({"incidents": 0}).reset_index()
    if area != "ward_code":
        if areas is None:
            raise ValueError(f"areas: needed to group by {area!r}")
        table = table.merge(areas[["ward_code", area]], on="ward_code", how="left")
        table = (
            table.groupby(area, observed=True)[["incidents", "person_years"]].sum().reset_index()
        )
    table["incidents"] = table["incidents"].astype(int)
    rates = stats.crude_rate(table, "incidents", "person_years", multiplier=1000)
    table["rate"] = rates["value"]
    table["rate_lowercl"] = rates["lowercl"]
    table["rate_uppercl"] = rates["uppercl"]
    table["x_ref"] = float(table["incidents"].sum())
    table["n_ref"] = float(table["person_years"].sum())
    ratio = stats.isratio(table, "incidents", "person_years", "x_ref", "n_ref", by=area,
                          refvalue=100, confidence=(0.95, 0.998))  # fmt: skip
    table = table.drop(columns=["x_ref", "n_ref"]).merge(
        ratio[[area, "value", "lower95_0cl", "upper95_0cl", "lower99_8cl", "upper99_8cl"]], on=area
    )
    table = table.rename(columns={"value": "ratio"})
    table["significance"] = significance_category(table)
    city_rate = table["incidents"].sum() / table["person_years"].sum() * 1000
    table["vs city"] = stats.compare(
        table["rate"].to_numpy(), table["rate_lowercl"].to_numpy(), table["rate_uppercl"].to_numpy(),
        city_rate, None,
    )  # fmt: skip
    return table.sort_values(area, ignore_index=True)


def incident_grid(incidents: pd.DataFrame, wards, cell_size: float = 250.0):
    """Count incidents in square grid cells (British National Grid) covering the city.

    Parameters
    ----------
    incidents : pandas.DataFrame
        Incidents with ``easting`` and ``northing`` (metres, EPSG:27700).
    wards : geopandas.GeoDataFrame
        Ward polygons in EPSG:27700 with ``ward_code``; a cell belongs to the ward holding its centre,
        and cells whose centre is outside every ward are left out.
    cell_size : float
        Cell side in metres (default 250).

    Returns
    -------
    geopandas.GeoDataFrame
        ``cell_id``, ``row``, ``col``, ``ward_code``, ``incidents``, square geometry, EPSG:27700.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> wards = gpd.GeoDataFrame({"ward_code": ["A"]}, geometry=[box(0, 0, 1000, 500)], crs="EPSG:27700")
    >>> pts = pd.DataFrame({"easting": [10.0, 20.0, 900.0], "northing": [10.0, 30.0, 400.0]})
    >>> g = incident_grid(pts, wards)
    >>> len(g), int(g["incidents"].sum()), int(g["incidents"].max())
    (8, 3, 2)
    """
    import geopandas as gpd
    import shapely

    if cell_size <= 0:
        raise ValueError(f"cell_size: must be more than 0 metres, not {cell_size!r}")
    wards = wards.to_crs(config.CRS_BNG)
    minx, miny, maxx, maxy = wards.total_bounds
    x0 = np.floor(minx / cell_size) * cell_size
    y0 = np.floor(miny / cell_size) * cell_size
    ncol = int(np.ceil((maxx - x0) / cell_size))
    nrow = int(np.ceil((maxy - y0) / cell_size))
    rows, cols = np.divmod(np.arange(nrow * ncol), ncol)
    cx = x0 + (cols + 0.5) * cell_size
    cy = y0 + (rows + 0.5) * cell_size
    centres = gpd.GeoDataFrame(
        {"row": rows, "col": cols}, geometry=gpd.points_from_xy(cx, cy), crs=config.CRS_BNG
    )
    joined = gpd.sjoin(centres, wards[["ward_code", "geometry"]], how="inner", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")].sort_index()
    e = incidents["easting"].to_numpy(dtype=float)
    n = incidents["northing"].to_numpy(dtype=float)
    ci = np.floor((e - x0) / cell_size).astype(np.int64)
    ri = np.floor((n - y0) / cell_size).astype(np.int64)
    ok = (ci >= 0) & (ci < ncol) & (ri >= 0) & (ri < nrow)
    counts = np.bincount(ri[ok] * ncol + ci[ok], minlength=nrow * ncol)
    idx = joined.index.to_numpy()
    r, c = rows[idx], cols[idx]
    geoms = shapely.box(x0 + c * cell_size, y0 + r * cell_size, x0 + (c + 1) * cell_size,
                        y0 + (r + 1) * cell_size)  # fmt: skip
    return gpd.GeoDataFrame(
        {
            "cell_id": idx,
            "row": r,
            "col": c,
            "ward_code": joined["ward_code"].to_numpy(),
            "incidents": counts[idx],
        },
        geometry=geoms,
        crs=config.CRS_BNG,
    ).reset_index(drop=True)


HOT_SPOT_LEVELS = (
    "Hot spot (99%)", "Hot spot (95%)", "Not significant", "Cold spot (95%)", "Cold spot (99%)",
)  # fmt: skip


def hot_spots(grid, permutations: int = 999, seed: int = config.DEFAULT_SEED):
    """Getis-Ord Gi* on grid-cell counts with queen-contiguity weights and permutation inference.

    Parameters
    ----------
    grid : geopandas.GeoDataFrame
        From :func:`incident_grid` (``row``, ``col``, ``incidents``).
    permutations : int
        Conditional permutations for the pseudo p-values (default 999).
    seed : int
        Seed of the permutations, so that runs are reproducible.

    Returns
    -------
    geopandas.GeoDataFrame
        ``grid`` with ``gi_z`` (standardised Gi*), ``p_sim`` (one-sided pseudo p-value, as esda gives
        it) and ``hot_spot`` (a category of :data:`HOT_SPOT_LEVELS`: 99% when ``p_sim`` <= 0.01, 95% when
        <= 0.05, hot for positive ``gi_z`` and cold for negative). Not corrected for testing many cells:
        read isolated significant cells with care.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> wards = gpd.GeoDataFrame({"ward_code": ["A"]}, geometry=[box(0, 0, 2500, 2500)],
    ...                          crs="EPSG:27700")
    >>> rng = np.random.default_rng(0)
    >>> pts = pd.DataFrame({"easting": np.r_[rng.uniform(0, 2500, 300), rng.normal(1250, 150, 200)],
    ...                     "northing": np.r_[rng.uniform(0, 2500, 300), rng.normal(1250, 150, 200)]})
    >>> h = hot_spots(incident_grid(pts, wards), permutations=199, seed=1)
    >>> top = h.loc[h["gi_z"].idxmax()]
    >>> (int(top["row"]), int(top["col"])) in {(4, 4), (4, 5), (5, 4), (5, 5)}, top["hot_spot"]
    (True, 'Hot spot (99%)')
    """
    import warnings

    from esda.getisord import G_Local
    from libpysal.weights import W

    # queen contiguity on the lattice, from row/column positions (no geometry operations needed); each
    # cell is its own neighbour (weight 1), which is what Gi* (star=True) adds to binary weights
    pos = {
        (int(r), int(c)): i for i, (r, c) in enumerate(zip(grid["row"], grid["col"], strict=True))
    }
    neighbours = {}
    for (r, c), i in pos.items():
        neighbours[i] = [
            pos[(r + dr, c + dc)]
            for dr in (-1, 0, 1)
            for dc in (-1, 0, 1)
            if (r + dr, c + dc) in pos
        ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = W(neighbours, silence_warnings=True)
        g = G_Local(grid["incidents"].to_numpy(dtype=float), w, transform="B", star=True,
                    permutations=permutations, seed=seed, n_jobs=1, keep_simulations=False)  # fmt: skip
    out = grid.copy()
    out["gi_z"] = np.asarray(g.Zs, dtype=float)
    out["p_sim"] = np.asarray(g.p_sim, dtype=float)
    hot = out["gi_z"] > 0
    cats = np.select(
        [hot & (out["p_sim"] <= 0.01), hot & (out["p_sim"] <= 0.05),
         ~hot & (out["p_sim"] <= 0.01), ~hot & (out["p_sim"] <= 0.05)],
        ["Hot spot (99%)", "Hot spot (95%)", "Cold spot (99%)", "Cold spot (95%)"],
        default="Not significant",
    )  # fmt: skip
    out["hot_spot"] = pd.Categorical(cats, categories=HOT_SPOT_LEVELS)
    return out


def day_hour_profile(incidents: pd.DataFrame) -> pd.DataFrame:
    """Counts of incidents by day of the week (rows, Monday first) and hour of the day (columns 0-23).

    >>> inc = pd.DataFrame({"date": pd.to_datetime(["2009-06-05", "2009-06-05", "2009-06-08"]),
    ...                     "hour": [23, 23, 9]})
    >>> p = day_hour_profile(inc)
    >>> int(p.loc["Friday", 23]), int(p.loc["Monday", 9]), p.shape
    (2, 1, (7, 24))
    """
    day = pd.to_datetime(incidents["date"]).dt.day_of_week.to_numpy()
    hour = incidents["hour"].to_numpy(dtype=int)
    counts = np.bincount(day * 24 + hour, minlength=7 * 24).reshape(7, 24)
    return pd.DataFrame(counts, index=pd.Index(DAY_NAMES, name="day"),
                        columns=pd.Index(range(24), name="hour"))  # fmt: skip


def night_time_summary(profile: pd.DataFrame) -> dict:
    """How concentrated incidents are in weekend late-night hours (:data:`WEEKEND_NIGHT`).

    Returns
    -------
    dict
        ``share`` (of incidents in those hours), ``hours_share`` (of the week's hours, 14/168),
        ``concentration`` (share over hours_share), ``peak_day`` and ``peak_hour`` (the busiest cell),
        ``peak_in_weekend_night`` (bool), ``total``.

    Examples
    --------
    >>> p = pd.DataFrame(1, index=list(DAY_NAMES), columns=range(24))
    >>> p.loc["Saturday", 0] = 30
    >>> s = night_time_summary(p)
    >>> s["peak_day"], s["peak_hour"], s["peak_in_weekend_night"], round(s["hours_share"], 4)
    ('Saturday', 0, True, 0.0833)
    """
    total = float(profile.to_numpy().sum())
    in_night = sum(float(profile.loc[d, list(h)].sum()) for d, h in WEEKEND_NIGHT.items())
    n_hours = sum(len(h) for h in WEEKEND_NIGHT.values())
    stacked = profile.stack()
    peak_day, peak_hour = stacked.idxmax()
    share = in_night / total if total else float("nan")
    hours_share = n_hours / (7 * 24)
    return {
        "share": share,
        "hours_share": hours_share,
        "concentration": share / hours_share,
        "peak_day": str(peak_day),
        "peak_hour": int(peak_hour),
        "peak_in_weekend_night": int(peak_hour) in WEEKEND_NIGHT.get(str(peak_day), ()),
        "total": int(total),
    }


# --------------------------------------------------------------------------------------------------
# The joint view for the champions
# --------------------------------------------------------------------------------------------------


def correlation(x, y, method: str = "pearson", confidence: float = 0.95) -> dict:
    """Correlation of two area measures with a Fisher-z confidence interval.

    Parameters
    ----------
    x, y : array_like
        Paired values (pairs with a missing value are dropped); at least 4 pairs.
    method : {"pearson", "spearman"}
        Pearson's r (standard error of z ``1 / sqrt(n - 3)``), or Spearman's rho with the Bonett-Wright
        standard error ``sqrt((1 + rho^2 / 2) / (n - 3))``.
    confidence : float

    Returns
    -------
    dict
        ``r``, ``lowercl``, ``uppercl``, ``n``, ``method``, ``confidence``.

    Examples
    --------
    >>> c = correlation([1, 2, 3, 4, 5, 6], [2.1, 3.9, 6.2, 8.1, 9.8, 12.2])
    >>> round(c["r"], 3), round(c["lowercl"], 3), c["n"]
    (0.999, 0.991, 6)
    """
    from scipy import stats as st

    from ..stats import z_value

    if method not in ("pearson", "spearman"):
        raise ValueError(f"method: {method!r} is not allowed; use 'pearson' or 'spearman'")
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    ok = ~(np.isnan(x) | np.isnan(y))
    x, y = x[ok], y[ok]
    n = len(x)
    if n < 4:
        raise ValueError(f"x, y: a correlation interval needs at least 4 pairs, got {n}")
    r = float(st.pearsonr(x, y)[0] if method == "pearson" else st.spearmanr(x, y)[0])
    se = 1 / np.sqrt(n - 3) if method == "pearson" else np.sqrt((1 + r**2 / 2) / (n - 3))
    zr = np.arctanh(np.clip(r, -0.9999999, 0.9999999))
    z = z_value(confidence)
    return {
        "r": r,
        "lowercl": float(np.tanh(zr - z * se)),
        "uppercl": float(np.tanh(zr + z * se)),
        "n": int(n),
        "method": method,
        "confidence": confidence,
    }


def joint_view(
    admission_ratios: pd.DataFrame, incident_table: pd.DataFrame, area: str
) -> pd.DataFrame:
    """Areas' admission ratios beside their incident ratios, flagging where both are significantly high.

    Returns
    -------
    pandas.DataFrame
        ``area``, ``sar`` with ``sar_lower``/``sar_upper`` (95%) and ``sar_significance``,
        ``incident_ratio`` with ``inc_lower``/``inc_upper`` and ``incident_significance``, and
        ``both_high`` (both 95% intervals wholly above 100).
    """
    a = admission_ratios[[area, "value", "lower95_0cl", "upper95_0cl", "significance"]].rename(
        columns={"value": "sar", "lower95_0cl": "sar_lower", "upper95_0cl": "sar_upper",
                 "significance": "sar_significance"}
    )  # fmt: skip
    b = incident_table[[area, "ratio", "lower95_0cl", "upper95_0cl", "significance"]].rename(
        columns={"ratio": "incident_ratio", "lower95_0cl": "inc_lower", "upper95_0cl": "inc_upper",
                 "significance": "incident_significance"}
    )  # fmt: skip
    out = a.merge(b, on=area, how="outer")
    out["both_high"] = (out["sar_lower"] > 100) & (out["inc_lower"] > 100)
    return out.sort_values(area, ignore_index=True)


# --------------------------------------------------------------------------------------------------
# The whole analysis
# --------------------------------------------------------------------------------------------------


@dataclass
class Inputs:
    """The processed tables the analysis uses."""

    admissions: pd.DataFrame
    population: pd.DataFrame
    wards: pd.DataFrame  # a GeoDataFrame in EPSG:27700
    incidents: pd.DataFrame
    comparators: pd.DataFrame | None = None
    #: The partners' indicator returns (``indicator_returns``): NI 39 as the PCT returned it.
    returns: pd.DataFrame | None = None


def load_inputs() -> Inputs:
    """Load the processed tables with :func:`lsp_research.data.load`."""
    from .. import data

    return Inputs(
        admissions=data.load("admissions"),
        population=data.load("population"),
        wards=data.load("wards"),
        incidents=data.load("incidents"),
        comparators=data.load("indicator_comparators"),
        returns=data.load("indicator_returns"),
    )


@dataclass
class AlcoholResults:
    """Everything the notebook shows, computed once (see :func:`run`)."""

    params: AlcoholParams
    start: periods.Quarter
    end: periods.Quarter
    area: str
    areas: pd.DataFrame  # GeoDataFrame: area, area_name, geometry, ratios and incident results
    conditions: pd.DataFrame
    trend_year: pd.DataFrame
    trend_quarter: pd.DataFrame
    spc_quarter: object
    ni39: pd.DataFrame | None
    ratios: pd.DataFrame
    gradient: pd.DataFrame
    gradient_summary: dict
    incidents: pd.DataFrame
    grid: pd.DataFrame  # GeoDataFrame of cells with Gi*
    hot_spot_wards: pd.DataFrame
    profile: pd.DataFrame
    night: dict
    joint: pd.DataFrame
    correlation: dict
    wards: pd.DataFrame = None
    notes: list = None
    #: This report's own NI 39 recalculation from the admissions (broad, ESP 1976, by financial year),
    #: shown only in the reconciliation table when ``ni39`` is the PCT's return.
    ni39_recalculated: pd.DataFrame | None = None
    #: Where ``ni39`` comes from: ``"return"`` (the PCT's, as the performance report) or ``"recalculated"``.
    ni39_source: str = "recalculated"
    cell_size: float = 250.0
    permutations: int = 999

    @property
    def window_label(self) -> str:
        """The pooled window in words, e.g. ``'2007-08 Q1 to 2009-10 Q4'``."""
        return f"{self.start.label} to {self.end.label}"

    @property
    def measure_label(self) -> str:
        return MEASURE_LABELS[self.params.measure]

    @property
    def standard_label(self) -> str:
        return STANDARD_LABELS[self.params.standard_population]

    @property
    def area_label(self) -> str:
        return GEOGRAPHY_LABELS[self.params.geography]


def condition_table(
    admissions: pd.DataFrame, classified: pd.DataFrame, weights: pd.Series,
    start: periods.Quarter, end: periods.Quarter,
) -> pd.DataFrame:  # fmt: skip
    """Episodes and weighted admissions in the window by the condition with the highest fraction."""
    period = admissions["period"].astype(str)
    keep = (weights > 0) & (period >= str(start)) & (period <= str(end))
    frame = pd.DataFrame(
        {
            "condition": classified.loc[keep, "condition"].astype("string").fillna("(other)"),
            "weight": weights[keep],
        }
    )
    out = frame.groupby("condition").agg(episodes=("weight", "size"), admissions=("weight", "sum"))
    out = out.sort_values("admissions", ascending=False).reset_index()
    out["share"] = out["admissions"] / out["admissions"].sum()
    return out


def hot_spot_wards(grid: pd.DataFrame, wards: pd.DataFrame) -> pd.DataFrame:
    """Wards ranked by the number of hot-spot cells (95% or 99%) whose centre lies in them."""
    hot = grid["hot_spot"].isin(["Hot spot (99%)", "Hot spot (95%)"])
    table = grid.assign(hot=hot, hot99=grid["hot_spot"] == "Hot spot (99%)").groupby("ward_code").agg(
        cells=("hot", "size"), hot_cells=("hot", "sum"), hot_cells_99=("hot99", "sum"),
        incidents=("incidents", "sum"),
    )  # fmt: skip
    table = table.join(wards.set_index("ward_code")[["ward_name"]]).reset_index()
    return table.sort_values(["hot_cells", "hot_cells_99"], ascending=False, ignore_index=True)


def run(
    period_end: str = "latest",
    years_pooled: int = 3,
    measure: str = "broad",
    standard_population: str = "esp2013",
    geography: str = "ward",
    *,
    inputs: Inputs | None = None,
    fractions: pd.DataFrame | None = None,
    permutations: int = 999,
    seed: int = config.DEFAULT_SEED,
    cell_size: float = 250.0,
) -> AlcoholResults:
    """Run the whole alcohol analysis for one set of parameters.

    Parameters
    ----------
    period_end, years_pooled, measure, standard_population, geography
        The notebook's parameters (checked by :func:`validate_params`).
    inputs : Inputs, optional
        The tables; by default loaded with :func:`load_inputs`.
    fractions : pandas.DataFrame, optional
        An AAF table (:func:`load_fractions`); default the packaged illustrative one.
    permutations, seed, cell_size
        Hot-spot settings (:func:`hot_spots`, :func:`incident_grid`).

    Returns
    -------
    AlcoholResults
    """
    import geopandas as gpd

    p = validate_params(period_end, years_pooled, measure, standard_population, geography)
    inputs = inputs if inputs is not None else load_inputs()
    adm, pop, wards = inputs.admissions, inputs.population, inputs.wards
    notes: list[str] = []

    classified = classify_episodes(adm, fractions)
    weights = episode_weights(classified, p.measure)
    available = adm["period"].astype(str).unique()
    start, end = analysis_window(p.period_end, p.years_pooled, available)
    first = min(periods.Quarter.parse(a) for a in available)
    pop_years = sorted(int(y) for y in pop["year"].unique())
    if end.year > pop_years[-1] or first.year < pop_years[0]:
        notes.append(
            f"Mid-year population estimates cover {pop_years[0]}-{pop_years[-1]}; years outside use "
            "the nearest estimate."
        )

    trend_year = city_trend(adm, weights, pop, first, end, p.standard_population, "financial_year")
    trend_quarter = city_trend(adm, weights, pop, first, end, p.standard_population, "period")
    spc_quarter = trend_spc(trend_quarter)
    ni39 = ni39_recalc = None
    ni39_source = "recalculated"
    if inputs.comparators is not None and len(inputs.comparators):
        broad = episode_weights(classified, "broad")
        ni39_city = city_trend(adm, broad, pop, first, end, "esp1976", "financial_year")
        ni39 = ni39_recalc = comparator_table(ni39_city, inputs.comparators)
        returned = (
            ni39_as_returned(inputs.returns, inputs.comparators, end)
            if inputs.returns is not None and len(inputs.returns)
            else None
        )
        if returned is not None and len(returned):
            ni39, ni39_source = returned, "return"

    lookup = area_lookup(wards)
    area = "ward_code" if p.geography == "ward" else "area_committee"
    strata = stratify(adm, weights, pop, start, end, [area], p.standard_population, lookup)
    ratios = area_ratios(strata, area)
    grad_strata = stratify(
        adm, weights, pop, start, end, ["imd_quintile"], p.standard_population, lookup
    )
    gradient, gradient_summary = deprivation_gradient(grad_strata)

    inc_table = incident_rates(inputs.incidents, pop, start, end, area, lookup)
    alc_inc = alcohol_incidents(inputs.incidents, start, end)
    grid = hot_spots(incident_grid(alc_inc, wards, cell_size), permutations, seed)
    profile = day_hour_profile(alc_inc)
    joint = joint_view(ratios, inc_table, area)
    corr = correlation(joint["sar"], joint["incident_ratio"])

    if area == "ward_code":
        shapes = wards[["ward_code", "ward_name", "geometry"]].rename(
            columns={"ward_name": "area_name"}
        )
    else:
        shapes = wards[["area_committee", "geometry"]].dissolve("area_committee").reset_index()
        shapes["area_name"] = shapes["area_committee"]
    names = shapes[[area, "area_name"]]
    ratios = names.merge(ratios, on=area, how="right")
    inc_table = names.merge(inc_table, on=area, how="right")
    joint = names.merge(joint, on=area, how="right")
    areas = gpd.GeoDataFrame(
        shapes.merge(ratios[[area, "value", "significance"]], on=area, how="left").merge(
            inc_table[[area, "rate", "ratio"]].rename(columns={"ratio": "incident_ratio"}),
            on=area, how="left",
        ).merge(joint[[area, "both_high"]], on=area, how="left"),
        geometry="geometry", crs=config.CRS_BNG,
    )  # fmt: skip
    return AlcoholResults(
        params=p,
        start=start,
        end=end,
        area=area,
        areas=areas,
        conditions=condition_table(adm, classified, weights, start, end),
        trend_year=trend_year,
        trend_quarter=trend_quarter,
        spc_quarter=spc_quarter,
        ni39=ni39,
        ni39_recalculated=ni39_recalc,
        ni39_source=ni39_source,
        ratios=ratios,
        gradient=gradient,
        gradient_summary=gradient_summary,
        incidents=inc_table,
        grid=grid,
        hot_spot_wards=hot_spot_wards(grid, wards),
        profile=profile,
        night=night_time_summary(profile),
        joint=joint,
        correlation=corr,
        wards=wards,
        notes=notes,
        cell_size=cell_size,
        permutations=permutations,
    )


# --------------------------------------------------------------------------------------------------
# Charts: each returns (fig, alt text); show them with lsp_research.plots.show
# --------------------------------------------------------------------------------------------------

#: Colours of the significance categories: ColorBrewer RdBu (colour-blind safe), with hatching so the
#: categories also survive grey-scale printing. High admissions or incidents are the concern.
CATEGORY_STYLE = {
    "High (0.001)": ("#B2182B", "///"),
    "High (0.025)": ("#EF8A62", ".."),
    "Not significant": ("#F7F7F7", ""),
    "Low (0.025)": ("#67A9CF", "\\\\"),
    "Low (0.001)": ("#2166AC", "xx"),
}
CATEGORY_WORDS = {
    "High (0.001)": "significantly higher than the city (99.8%)",
    "High (0.025)": "significantly higher than the city (95%)",
    "Not significant": "not significantly different from the city",
    "Low (0.025)": "significantly lower than the city (95%)",
    "Low (0.001)": "significantly lower than the city (99.8%)",
}
HOT_SPOT_STYLE = {
    "Hot spot (99%)": ("#B2182B", "///"),
    "Hot spot (95%)": ("#EF8A62", ".."),
    "Cold spot (95%)": ("#D1E5F0", ""),
    "Cold spot (99%)": ("#92C5DE", ""),
}


def chart_trend(res: AlcoholResults):
    """City DSR by financial year with 95% intervals."""
    from ..plots import PALETTE, figure

    t = res.trend_year[res.trend_year["shown"]]
    fig, ax = figure(
        f"Sunderland: {res.measure_label} by financial year",
        xlabel="Financial year",
        ylabel="Admissions per 100,000 (age-sex standardised)",
    )
    x = np.arange(len(t))
    ax.errorbar(x, t["value"], yerr=[t["value"] - t["lowercl"], t["uppercl"] - t["value"]],
                color=PALETTE["blue"], marker="o", capsize=4, label="Sunderland (95% interval)")  # fmt: skip
    ax.set_xticks(x, t["label"])
    ax.set_ylim(bottom=0)
    ax.legend(loc="lower right", frameon=False)
    first, last = t.iloc[0], t.iloc[-1]
    change = (last["value"] / first["value"] - 1) * 100
    alt = (
        f"Line chart of the city's directly standardised rate of {res.measure_label} "
        f"({res.standard_label}) per 100,000 by financial year, {first['label']} to {last['label']}: "
        f"{number(first['value'], 0)} in {first['label']} and {number(last['value'], 0)} in {last['label']} "
        f"({number(change, 0, sign=True)}%), each with its 95% confidence interval."
    )
    return fig, alt


def chart_ni39(res: AlcoholResults):
    """NI 39 (broad, ESP 1976) for the city beside the North East and England."""
    from ..plots import PALETTE, figure

    t = res.ni39
    fig, ax = figure(
        "NI 39 alcohol-harm related admissions: Sunderland, North East and England",
        xlabel="Financial year",
        ylabel="Admissions per 100,000 (ESP 1976)",
    )
    x = np.arange(len(t))
    ax.errorbar(x, t["value"], yerr=[t["value"] - t["lowercl"], t["uppercl"] - t["value"]],
                color=PALETTE["blue"], marker="o", capsize=4, label="Sunderland (95% interval)")  # fmt: skip
    styles = {
        "North East": (PALETTE["vermillion"], "s", "--"),
        "England": (PALETTE["black"], "^", ":"),
    }
    parts = []
    for name, (colour, marker, ls) in styles.items():
        if name in t.columns and t[name].notna().any():
            ax.plot(x, t[name], color=colour, marker=marker, linestyle=ls, label=name)
            last = t[t[name].notna()].iloc[-1]
            parts.append(f"{name} {number(last[name], 0)} in {last['label']}")
    ax.set_xticks(x, t["label"])
    ax.set_ylim(bottom=0)
    ax.legend(loc="lower right", frameon=False)
    last = t.iloc[-1]
    alt = (
        f"Line chart of NI 39 by financial year. Sunderland's rate was {number(last['value'], 0)} per "
        f"100,000 in {last['label']}"
        + (
            f"; comparators: {', '.join(parts)}."
            if parts
            else "; no comparator figures were given."
        )
    )
    return fig, alt


def chart_spc(res: AlcoholResults):
    """SPC chart (XmR) of the quarterly DSR (annualised)."""
    from ..plots.stats_charts import spc_chart

    return spc_chart(
        res.spc_quarter,
        title=f"Sunderland: {res.measure_label} by quarter (SPC)",
        ylabel="Admissions per 100,000 per year (age-sex standardised)",
    )


def chart_funnel(res: AlcoholResults):
    """Funnel plot of the areas' SARs against their expected admissions."""
    from ..plots.stats_charts import funnel_plot

    r = res.ratios
    return funnel_plot(
        r, "observed", "expected",
        f"{MEASURE_LABELS[res.params.measure].capitalize()}: standardised ratios by {res.area_label}, "
        f"{res.window_label}",
        kind="ratio", label="area_name", multiplier=100, polarity="decrease",
        xlabel="Expected admissions (AAF-weighted count)",
        ylabel="Standardised admission ratio (city = 100)",
    )  # fmt: skip


def _polygon_paths(geoms) -> list:
    """One matplotlib path per (multi)polygon, holes included (drawn directly: no per-layer redraws)."""
    from matplotlib.path import Path as MplPath

    paths = []
    for geom in geoms:
        rings = []
        for poly in getattr(geom, "geoms", [geom]):
            rings.append(MplPath(np.asarray(poly.exterior.coords)[:, :2], closed=True))
            rings.extend(MplPath(np.asarray(r.coords)[:, :2], closed=True) for r in poly.interiors)
        paths.append(MplPath.make_compound_path(*rings))
    return paths


def _draw_polygons(
    ax, geoms, facecolor, edgecolor, hatch: str = "", linewidth: float = 0.6
) -> None:
    from matplotlib.collections import PathCollection

    coll = PathCollection(_polygon_paths(geoms), facecolors=facecolor, edgecolors=edgecolor,
                          linewidths=linewidth, hatch=hatch or None)  # fmt: skip
    ax.add_collection(coll)


def _frame_map(ax, gdf) -> None:
    minx, miny, maxx, maxy = gdf.total_bounds
    pad = 0.02 * max(maxx - minx, maxy - miny)
    ax.set_xlim(minx - pad, maxx + pad)
    ax.set_ylim(miny - pad, maxy + pad)
    ax.set_aspect("equal")
    ax.set_axis_off()


def _category_map(ax, gdf, column: str, styles: dict, edge: str = "#555555") -> list:
    from matplotlib.patches import Patch

    handles = []
    for cat, (colour, hatch) in styles.items():
        sub = gdf[gdf[column] == cat]
        n = len(sub)
        if n:
            _draw_polygons(ax, sub.geometry, colour, edge, hatch)
        handles.append(Patch(facecolor=colour, edgecolor=edge, hatch=hatch, label=f"{cat} ({n})"))
    return handles


def chart_area_map(res: AlcoholResults):
    """Choropleth of the areas' SAR significance categories (British National Grid)."""
    from ..plots import figure

    fig, ax = figure(
        f"{MEASURE_LABELS[res.params.measure].capitalize()}: {res.area_label}s against the city, "
        f"{res.window_label}",
        figsize=(7.5, 7.5),
    )
    handles = _category_map(ax, res.areas, "significance", CATEGORY_STYLE)
    for _, row in res.areas.iterrows():
        pt = row.geometry.representative_point()
        ax.annotate(str(row["area_name"]), (pt.x, pt.y), ha="center", va="center", fontsize=6.5,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8})  # fmt: skip
    ax.legend(handles=handles, title="Standardised admission ratio", loc="upper left", fontsize=8,
              title_fontsize=8, frameon=False, bbox_to_anchor=(1.0, 1.0))  # fmt: skip
    _frame_map(ax, res.areas)
    counts = res.areas["significance"].value_counts()
    high = res.areas.loc[res.areas["significance"].astype(str).str.startswith("High"), "area_name"]
    alt = (
        f"Map of Sunderland's {len(res.areas)} {res.area_label}s shaded by whether their standardised "
        f"admission ratio for {res.measure_label}, {res.window_label}, is significantly higher or lower "
        f"than the city: "
        + "; ".join(f"{counts.get(c, 0)} {CATEGORY_WORDS[c]}" for c in SIGNIFICANCE_LEVELS)
        + (f". Significantly higher: {', '.join(high)}." if len(high) else ".")
    )
    return fig, alt


def chart_hot_spots(res: AlcoholResults):
    """Map of Getis-Ord Gi* hot and cold spots of alcohol-related incidents over the ward boundaries."""
    from ..plots import figure

    fig, ax = figure(
        f"Alcohol-related incidents: hot spots (Getis-Ord Gi*), {res.window_label}",
        figsize=(7.5, 7.5),
    )
    _draw_polygons(ax, res.wards.geometry, "none", "#777777", linewidth=0.5)
    handles = _category_map(ax, res.grid, "hot_spot", HOT_SPOT_STYLE, edge="none")
    ax.legend(handles=handles, title=f"{res.cell_size:g} m cells", loc="upper left", fontsize=8,
              title_fontsize=8, frameon=False, bbox_to_anchor=(1.0, 1.0))  # fmt: skip
    _frame_map(ax, res.wards)
    top = res.hot_spot_wards[res.hot_spot_wards["hot_cells"] > 0].head(3)
    n_hot = int(res.grid["hot_spot"].astype(str).str.startswith("Hot").sum())
    alt = (
        f"Map of {len(res.grid)} grid cells of {int(res.grid.geometry.iloc[0].length / 4)} m over the "
        f"ward boundaries, showing {n_hot} cells that are significant hot spots of alcohol-related "
        f"incidents, {res.window_label}"
        + (f", mostly in {', '.join(top['ward_name'])}." if len(top) else ".")
    )
    return fig, alt


def chart_day_hour(res: AlcoholResults):
    """Heat map of alcohol-related incidents by day of the week and hour."""
    from ..plots import figure

    fig, ax = figure(
        f"Alcohol-related incidents by day and hour, {res.window_label}",
        xlabel="Hour of the day (24-hour clock)", ylabel="Day of the week", figsize=(9, 4),
    )  # fmt: skip
    ax.grid(False)
    im = ax.imshow(res.profile.to_numpy(), aspect="auto", cmap="cividis")
    ax.set_xticks(range(0, 24, 2), [f"{h:02d}" for h in range(0, 24, 2)])
    ax.set_yticks(range(7), res.profile.index)
    cbar = fig.colorbar(im, ax=ax)
    cbar.set_label("Incidents (count)")
    n = res.night
    alt = (
        f"Heat map of {n['total']:,} alcohol-related incidents by day of the week and hour. The busiest "
        f"hour is {n['peak_day']} {n['peak_hour']:02d}:00; Friday and Saturday nights (21:00-04:00) "
        f"hold {percent(100 * n['share'])} of incidents in {percent(100 * n['hours_share'])} of the week's hours."
    )
    return fig, alt


def chart_gradient(res: AlcoholResults):
    """Rates by IMD quintile with 95% intervals, and the fitted SII line."""
    from ..plots import PALETTE, figure

    t = res.gradient.sort_values("rank")
    s = res.gradient_summary
    fig, ax = figure(
        f"{MEASURE_LABELS[res.params.measure].capitalize()} by deprivation, {res.window_label}",
        xlabel="Deprivation (population rank, least to most deprived)",
        ylabel="Admissions per 100,000 per year (age-sex standardised)",
    )
    ax.errorbar(t["rank"], t["value"], yerr=[t["value"] - t["lowercl"], t["uppercl"] - t["value"]],
                fmt="o", color=PALETTE["blue"], capsize=4, label="IMD quintile (95% interval)")  # fmt: skip
    xs = np.array([0.0, 1.0])
    ys = s["mean_rate"] + s["sii"] * (xs - float(np.sum(t["pop_share"] * t["rank"])))
    ax.plot(xs, ys, color=PALETTE["vermillion"], linestyle="--", label="Slope index of inequality")
    for _, row in t.iterrows():
        q = int(row["imd_quintile"])
        tag = {1: " (most deprived)", 5: " (least deprived)"}.get(q, "")
        ax.annotate(f"Quintile {q}{tag}", (row["rank"], row["uppercl"]), ha="center", va="bottom",
                    fontsize=7)  # fmt: skip
    ax.set_xlim(0, 1)
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left", frameon=False)
    alt = (
        f"Chart of {res.measure_label} by IMD quintile of wards, {res.window_label}: "
        f"{number(s['least_deprived_rate'], 0)} per 100,000 in the least deprived fifth and "
        f"{number(s['most_deprived_rate'], 0)} in the most deprived (a gap of {number(s['gap'], 0)}, "
        f"{number(s['ratio'], 1)} times). The slope index of inequality is {number(s['sii'], 0)} "
        f"(95% interval {number(s['sii_lower'], 0)} to {number(s['sii_upper'], 0)})."
    )
    return fig, alt


def chart_joint(res: AlcoholResults):
    """Areas' admission ratios against their incident ratios, both-high areas marked."""
    from ..plots import PALETTE, figure

    j = res.joint
    hidden = _joint_withheld(res, j)
    n_withheld = 0
    if hidden is not None:  # no point for a ward whose count is withheld
        keep = ~(hidden[0] | hidden[1])
        n_withheld = int((~keep).sum())
        j = j[keep]
    c = res.correlation
    fig, ax = figure(
        f"Admissions and police incidents by {res.area_label}, {res.window_label}",
        xlabel="Alcohol-related incidents, ratio to the city (city = 100)",
        ylabel="Standardised admission ratio (city = 100)",
    )
    both = j["both_high"].fillna(False).astype(bool)
    ax.scatter(j.loc[~both, "incident_ratio"], j.loc[~both, "sar"], color=PALETTE["blue"], marker="o",
               label="Other areas")  # fmt: skip
    ax.scatter(j.loc[both, "incident_ratio"], j.loc[both, "sar"], color=PALETTE["vermillion"],
               marker="D", s=50, label="Both significantly high")  # fmt: skip
    for _, row in j[both].iterrows():
        ax.annotate(str(row["area_name"]), (row["incident_ratio"], row["sar"]), fontsize=7,
                    xytext=(4, 4), textcoords="offset points")  # fmt: skip
    ax.axhline(100, color=PALETTE["grey"], linestyle=":")
    ax.axvline(100, color=PALETTE["grey"], linestyle=":")
    ax.legend(loc="lower right", frameon=False)
    names = ", ".join(j.loc[both, "area_name"].astype(str))
    alt = (
        f"Scatter chart of {len(j)} {res.area_label}s"
        + (f" ({n_withheld} withheld: small counts)" if n_withheld else "")
        + ": incident ratio against standardised admission "
        f"ratio. Correlation r = {number(c['r'], 2)} (95% interval {number(c['lowercl'], 2)} to {number(c['uppercl'], 2)}). "
        + (
            f"Both significantly high: {names}."
            if names
            else "No area is significantly high on both."
        )
    )
    return fig, alt


# --------------------------------------------------------------------------------------------------
# Publishable tables (keyword arguments for lsp_research.tables.show_table) and words
# --------------------------------------------------------------------------------------------------

_RATE = "{:,.1f}"
_RATIO = "{:.1f}"
_LIMITS = ("Lower 95% limit", "Upper 95% limit")


def _rounded(values) -> pd.Series:
    return pd.Series(np.round(np.asarray(values, dtype=float)), dtype="Int64")


@formatted_table
def table_trend(res: AlcoholResults, freq: str = "financial_year") -> dict:
    """The city DSR by financial year (or quarter) as a publishable table."""
    t = res.trend_year if freq == "financial_year" else res.trend_quarter
    when = "Financial year" if freq == "financial_year" else "Quarter"
    shown = t["shown"].to_numpy()
    df = pd.DataFrame({
        when: t["label"].to_numpy(),
        "Episodes": t["episodes"].astype(int).to_numpy(),
        "Admissions (AAF-weighted)": _rounded(t["total_count"]),
        "Rate per 100,000": np.where(shown, t["value"], np.nan),
        _LIMITS[0]: np.where(shown, t["lowercl"], np.nan),
        _LIMITS[1]: np.where(shown, t["uppercl"], np.nan),
    })  # fmt: skip
    per = "per year" if freq == "financial_year" else "per quarter, annualised"
    return {
        "df": df,
        "caption": f"Sunderland: {res.measure_label}, directly standardised rate {per} "
        f"({res.standard_label}, by age and sex)",
        "counts": ["Episodes", "Admissions (AAF-weighted)"],
        "formats": {"Rate per 100,000": _RATE, _LIMITS[0]: _RATE, _LIMITS[1]: _RATE},
        "notes": ["Rates from fewer than 10 (weighted) admissions are not shown."],
    }


def ni39_reconciliation(res: AlcoholResults) -> pd.DataFrame | None:
    """Every figure this report and the performance report give for NI 39's latest year, and why they
    differ: one row per figure, the differences computed from unrounded values.

    Rows: the PCT's return (the performance report's figure), this report's recalculation on the NI 39
    definition, and this report's headline rate. None when there is no NI 39 figure to reconcile.
    """
    if res.ni39 is None or res.ni39_recalculated is None:
        return None
    off = res.ni39[res.ni39["shown"]]
    rec = res.ni39_recalculated[res.ni39_recalculated["shown"]]
    head = res.trend_year[res.trend_year["shown"]]
    if off.empty or rec.empty or head.empty:
        return None
    o = off.iloc[-1]
    year = int(o["financial_year"])
    r = rec[rec["financial_year"] == year]
    h = head[head["financial_year"] == year] if "financial_year" in head.columns else head.iloc[0:0]
    r = r.iloc[-1] if len(r) else rec.iloc[-1]
    h = h.iloc[-1] if len(h) else head.iloc[-1]
    returned = res.ni39_source == "return"
    base_period = (
        f"12 months to {periods.Quarter.parse(o['period']).label}" if returned else str(o["label"])
    )
    method = (
        "attributable fractions of this report's table (illustrative), standardised by age and sex"
    )
    rows = []
    if returned:
        rows.append(
            ("NI 39 as returned by the PCT (the performance report's figure)", base_period,
             STANDARD_LABELS["esp1976"], "the PCT's attributable fractions, standardised by age",
             o, "")
        )  # fmt: skip
    why = []
    if returned:
        why.append(f"recalculated from the admissions: {method}, against the PCT's own calculation")
        if not str(o["label"]) == str(r["label"]):
            why.append(f"financial year {r['label']} against the {base_period}")
    rows.append(
        ("This report: NI 39 definition (broad measure)", f"financial year {r['label']}",
         STANDARD_LABELS["esp1976"], method, r, "; ".join(why))
    )  # fmt: skip
    why_h = list(why)
    if res.params.standard_population != "esp1976":
        why_h.append(
            f"{res.standard_label} instead of the {STANDARD_LABELS['esp1976']} (ESP 2013 gives more "
            "weight to older ages)"
        )
    if res.params.measure != "broad":
        why_h.append(f"{res.measure_label} instead of the broad measure")
    if len(rows) == 1 and not why_h:
        return None
    rows.append(
        (f"This report's headline: {res.measure_label}", f"financial year {h['label']}",
         res.standard_label, method, h, "; ".join(why_h))
    )  # fmt: skip
    first = rows[0][4]
    return pd.DataFrame(
        {
            "Figure": [x[0] for x in rows],
            "Period": [x[1] for x in rows],
            "Standard population": [x[2] for x in rows],
            "Method": [x[3] for x in rows],
            "Per 100,000": [float(x[4]["value"]) for x in rows],
            _LIMITS[0]: [float(x[4]["lowercl"]) for x in rows],
            _LIMITS[1]: [float(x[4]["uppercl"]) for x in rows],
            "Difference from the first row": [
                "" if i == 0 else change(x[4]["value"], first["value"], 1)
                for i, x in enumerate(rows)
            ],
            "Why it differs": [x[5] or "" for x in rows],
        }
    )


@formatted_table
def table_ni39_reconciliation(res: AlcoholResults) -> dict:
    """:func:`ni39_reconciliation` as a publishable table (operational tier)."""
    df = ni39_reconciliation(res)
    if df is None:
        df = pd.DataFrame({"Figure": ["No NI 39 figure to reconcile"]})
    return {
        "df": df,
        "caption": "NI 39 reconciliation: every figure given for the latest year, and why they differ",
        "formats": {"Per 100,000": _RATE, _LIMITS[0]: _RATE, _LIMITS[1]: _RATE},
        "notes": [ROUNDING_NOTE],
    }


@formatted_table
def table_ni39(res: AlcoholResults) -> dict:
    """NI 39 for the city beside the North East and England."""
    t = res.ni39
    df = pd.DataFrame({
        "Financial year": t["label"].to_numpy(),
        "Sunderland per 100,000": np.where(t["shown"], t["value"], np.nan),
        _LIMITS[0]: np.where(t["shown"], t["lowercl"], np.nan),
        _LIMITS[1]: np.where(t["shown"], t["uppercl"], np.nan),
    })  # fmt: skip
    formats = {"Sunderland per 100,000": _RATE, _LIMITS[0]: _RATE, _LIMITS[1]: _RATE}
    for name in ("North East", "England"):
        if name in t.columns:
            df[f"{name} per 100,000"] = t[name].to_numpy()
            df[f"Sunderland vs {name}"] = t[f"vs {name}"].to_numpy()
            formats[f"{name} per 100,000"] = _RATE
    return {
        "df": df,
        "caption": "NI 39 alcohol-harm related admissions (broad measure, European Standard Population "
        "1976): Sunderland against the North East and England"
        + (
            ", as returned by the PCT (the figures and verdicts of the performance report)"
            if res.ni39_source == "return"
            else ", recalculated by this report from the admissions"
        ),
        "formats": formats,
        "notes": [
            "Better / similar / worse: whether Sunderland's 95% interval lies wholly below, across or "
            "above the comparator (lower is better). Comparator figures are those given in the "
            "indicator comparators table.",
        ],
    }


def _ratio_frame(res: AlcoholResults, r: pd.DataFrame, count_label: str) -> pd.DataFrame:
    name = res.area_label.capitalize()
    return pd.DataFrame({
        name: r["area_name"].astype(str).to_numpy(),
        count_label: _rounded(r["observed"]),
        "Expected": r["expected"].to_numpy(),
        "Ratio (city = 100)": r["value"].to_numpy(),
        _LIMITS[0]: r["lower95_0cl"].to_numpy(),
        _LIMITS[1]: r["upper95_0cl"].to_numpy(),
        "Compared with the city": r["significance"].astype(str).to_numpy(),
    })  # fmt: skip


def _ward_withhold(res: AlcoholResults, frame: pd.DataFrame, count: str) -> np.ndarray | None:
    """For ward tables: which rows the ward profiles withhold for the same counts (one decision over
    wards, area committees and the city, so no page reveals what another withholds)."""
    if res.params.geography != "ward" or res.wards is None:
        return None
    from .profiles import ward_decision

    wards = pd.DataFrame(res.wards.drop(columns="geometry", errors="ignore"))
    codes = frame["ward_code"].astype(str)
    hidden = ward_decision(dict(zip(codes, frame[count], strict=True)), wards)
    return codes.isin(hidden).to_numpy()


def _joint_withheld(res: AlcoholResults, j: pd.DataFrame):
    """(admission ratio withheld, incident ratio withheld) per row of the joint view, or None."""
    adm_mask = _ward_withhold(res, res.ratios, "episodes")
    inc_mask = _ward_withhold(res, res.incidents, "incidents")
    if adm_mask is None or inc_mask is None:
        return None
    codes = j["ward_code"].astype(str)
    hid_adm = codes.isin(res.ratios["ward_code"].astype(str)[adm_mask]).to_numpy()
    hid_inc = codes.isin(res.incidents["ward_code"].astype(str)[inc_mask]).to_numpy()
    return hid_adm, hid_inc


@formatted_table
def table_ratios(res: AlcoholResults) -> dict:
    """Areas' standardised admission ratios with 95% limits and the significance category."""
    df = _ratio_frame(res, res.ratios, "Admissions (AAF-weighted)")
    df.insert(1, "Episodes", res.ratios["episodes"].astype(int).to_numpy())
    dep = ["Ratio (city = 100)", *_LIMITS]
    mask = _ward_withhold(res, res.ratios, "episodes")
    return {
        "df": df,
        "caption": f"{res.measure_label.capitalize()} by {res.area_label}, {res.window_label}: "
        "indirectly standardised admission ratios (city rates by age and sex = 100)",
        "counts": ["Episodes", "Admissions (AAF-weighted)"],
        "dependent": {c: ["Admissions (AAF-weighted)", "Episodes"] for c in dep},
        "withhold": {} if mask is None else {"Episodes": mask, "Admissions (AAF-weighted)": mask},
        "not_counts": ["Expected"],
        "formats": {"Expected": "{:,.1f}", **{c: _RATIO for c in dep}},
        "notes": [
            "High/Low (0.025): outside the 95% limits; (0.001): outside the 99.8% limits "
            "(exact Poisson limits under 10 admissions, Byar's from 10).",
        ],
    }


@formatted_table
def table_gradient(res: AlcoholResults) -> dict:
    """Rates by IMD quintile of wards."""
    t = res.gradient.sort_values("imd_quintile")
    labels = {1: "1 (most deprived)", 5: "5 (least deprived)"}
    df = pd.DataFrame({
        "IMD 2007 quintile of wards": [labels.get(int(q), str(int(q))) for q in t["imd_quintile"]],
        "Episodes": t["episodes"].astype(int).to_numpy(),
        "Admissions (AAF-weighted)": _rounded(t["total_count"]),
        "Population share": t["pop_share"].to_numpy(),
        "Rate per 100,000": np.where(t["shown"], t["value"], np.nan),
        _LIMITS[0]: np.where(t["shown"], t["lowercl"], np.nan),
        _LIMITS[1]: np.where(t["shown"], t["uppercl"], np.nan),
    })  # fmt: skip
    return {
        "df": df,
        "caption": f"{res.measure_label.capitalize()} by deprivation, {res.window_label}: directly "
        f"standardised rates per 100,000 per year ({res.standard_label})",
        "counts": ["Episodes", "Admissions (AAF-weighted)"],
        "formats": {
            "Population share": ".1%",
            "Rate per 100,000": _RATE,
            _LIMITS[0]: _RATE,
            _LIMITS[1]: _RATE,
        },  # fmt: skip
    }


@formatted_table
def table_incidents(res: AlcoholResults) -> dict:
    """Alcohol-related incidents by area: rate per 1,000 residents per year and ratio to the city."""
    t = res.incidents
    df = pd.DataFrame({
        res.area_label.capitalize(): t["area_name"].astype(str).to_numpy(),
        "Incidents": t["incidents"].astype(int).to_numpy(),
        "Rate per 1,000 per year": t["rate"].to_numpy(),
        _LIMITS[0]: t["rate_lowercl"].to_numpy(),
        _LIMITS[1]: t["rate_uppercl"].to_numpy(),
        "Ratio (city = 100)": t["ratio"].to_numpy(),
        "Compared with the city": t["significance"].astype(str).to_numpy(),
    })  # fmt: skip
    dep = ["Rate per 1,000 per year", *_LIMITS, "Ratio (city = 100)"]
    mask = _ward_withhold(res, t, "incidents")
    return {
        "df": df,
        "caption": f"Alcohol-related police incidents by {res.area_label}, {res.window_label}: rate per "
        "1,000 residents per year (all ages) and ratio to the city",
        "counts": ["Incidents"],
        "dependent": {c: "Incidents" for c in dep},
        "withhold": {} if mask is None else {"Incidents": mask},
        "formats": {
            "Rate per 1,000 per year": "{:.2f}",
            _LIMITS[0]: "{:.2f}",
            _LIMITS[1]: "{:.2f}",
            "Ratio (city = 100)": _RATIO,
        },  # fmt: skip
    }


@formatted_table
def table_hot_spot_wards(res: AlcoholResults) -> dict:
    """Wards holding hot-spot cells."""
    t = res.hot_spot_wards[res.hot_spot_wards["hot_cells"] > 0]
    df = pd.DataFrame({
        "Ward": t["ward_name"].astype(str).to_numpy(),
        "Grid cells": t["cells"].astype(int).to_numpy(),
        "Hot-spot cells (95% or 99%)": t["hot_cells"].astype(int).to_numpy(),
        "Hot-spot cells (99%)": t["hot_cells_99"].astype(int).to_numpy(),
        "Incidents in the ward's cells": t["incidents"].astype(int).to_numpy(),
    })  # fmt: skip
    return {
        "df": df,
        "caption": f"Wards holding hot spots of alcohol-related incidents (Getis-Ord Gi*, "
        f"{res.cell_size:g} m cells), {res.window_label}",
        "counts": ["Incidents in the ward's cells"],
        "not_counts": ["Grid cells", "Hot-spot cells (95% or 99%)", "Hot-spot cells (99%)"],
    }


@formatted_table
def table_joint(res: AlcoholResults, both_only: bool = False) -> dict:
    """Areas' admission and incident ratios side by side."""
    from ..disclosure import SUPPRESSED

    j = res.joint[res.joint["both_high"]] if both_only else res.joint
    sar = np.array(j["sar"].tolist(), dtype=object)
    sar_sig = np.array(j["sar_significance"].astype(str).tolist(), dtype=object)
    inc = np.array(j["incident_ratio"].tolist(), dtype=object)
    inc_sig = np.array(j["incident_significance"].astype(str).tolist(), dtype=object)
    notes = []
    hidden = _joint_withheld(res, j)
    if hidden is not None:
        hid_adm, hid_inc = hidden
        sar[hid_adm], sar_sig[hid_adm] = SUPPRESSED, "withheld"
        inc[hid_inc], inc_sig[hid_inc] = SUPPRESSED, "withheld"
        if hid_adm.any() or hid_inc.any():
            notes.append(
                f"{SUPPRESSED} Withheld to protect confidentiality: the count behind the ratio is from "
                "1 to 5, or would let one be worked out (2008 hospital statistics rule)."
            )
    df = pd.DataFrame({
        res.area_label.capitalize(): j["area_name"].astype(str).to_numpy(),
        "Admission ratio": sar,
        "Admissions compared with the city": sar_sig,
        "Incident ratio": inc,
        "Incidents compared with the city": inc_sig,
        "Both significantly high": np.where(j["both_high"], "Yes", "No"),
    })  # fmt: skip
    which = "where both are significantly high" if both_only else "all areas"
    return {
        "df": df,
        "caption": f"Admissions and police incidents by {res.area_label} ({which}), {res.window_label}: "
        "ratios to the city (= 100)",
        "formats": {
            "Admission ratio": _RATIO,
            "Incident ratio": _RATIO,
        },  # "*" is shown as withheld
        "notes": notes,
    }


@formatted_table
def table_conditions(res: AlcoholResults) -> dict:
    """Admissions in the window by the condition with the highest attributable fraction."""
    t = res.conditions
    df = pd.DataFrame({
        "Condition": t["condition"].astype(str).to_numpy(),
        "Episodes": t["episodes"].astype(int).to_numpy(),
        "Admissions (AAF-weighted)": _rounded(t["admissions"]),
        "Share of weighted admissions": t["share"].to_numpy(),
    })  # fmt: skip
    return {
        "df": df,
        "caption": f"{res.measure_label.capitalize()} by condition, {res.window_label}",
        "counts": ["Episodes", "Admissions (AAF-weighted)"],
        "dependent": {"Share of weighted admissions": "Admissions (AAF-weighted)"},
        "formats": {"Share of weighted admissions": ".1%"},
        "notes": [
            "Each episode is listed under the diagnosis with the highest attributable fraction."
        ],
    }


def _ni39_aside(res: AlcoholResults) -> str:
    """The stated difference beside the headline rate when NI 39 is given on another basis."""
    rec = ni39_reconciliation(res)
    if rec is None:
        return ""
    first = rec.iloc[0]
    return (
        f" On another basis ({first['Figure']}) the rate is {number(first['Per 100,000'], 0)} for the "
        f"{first['Period']} ({first['Standard population']}); the operational report's NI 39 "
        "reconciliation table gives each figure and why they differ."
    )


def findings(res: AlcoholResults) -> list[str]:
    """The headline findings, in words, every number computed from ``res``."""
    from ..reporting.sanitise import md_escape

    out = []
    ty = res.trend_year[res.trend_year["shown"]]
    if len(ty):
        first, last = ty.iloc[0], ty.iloc[-1]
        out.append(
            f"In {last['label']} the city's rate of {res.measure_label} was {number(last['value'], 0)} per "
            f"100,000 (95% interval {number(last['lowercl'], 0)} to {number(last['uppercl'], 0)}; "
            f"{res.standard_label}), against {number(first['value'], 0)} in {first['label']} "
            f"({change(last['value'], first['value'], percent=True)}). Quarterly SPC: "
            f"{res.spc_quarter.variation_text.lower()}." + _ni39_aside(res)
        )
    if res.ni39 is not None:
        comp = res.ni39.dropna(
            subset=[c for c in ("England", "North East") if c in res.ni39.columns]
        )
        if len(comp):
            row = comp.iloc[-1]
            whose = (
                "NI 39 as returned by the PCT (the performance report's figure; broad measure, ESP "
                "1976)"
                if res.ni39_source == "return"
                else "On the NI 39 definition (broad measure, ESP 1976, recalculated by this report)"
            )
            out.append(
                f"{whose}: Sunderland's {row['label']} rate of "
                f"{number(row['value'], 0)} per 100,000 is "
                + " and ".join(
                    f"{row[f'vs {c}']} than {c} ({number(row[c], 0)})"
                    .replace("similar than", "similar to")
                    for c in ("North East", "England") if c in comp.columns
                )
                + " (lower is better)."
            )  # fmt: skip
    high = res.ratios[res.ratios["significance"].astype(str).str.startswith("High")]
    out.append(
        f"Over {res.window_label}, {len(high)} of {len(res.ratios)} {res.area_label}s had significantly "
        f"more admissions than the city's age-sex rates predict"
        + (f": {', '.join(high.sort_values('value', ascending=False)['area_name'].astype(str))}."
           if len(high) else ".")
    )  # fmt: skip
    s = res.gradient_summary
    out.append(
        f"Admissions rise with deprivation: {number(s['most_deprived_rate'], 0)} per 100,000 in the most "
        f"deprived fifth of wards against {number(s['least_deprived_rate'], 0)} in the least deprived "
        f"({number(s['ratio'], 1)} times; gap {number(s['gap'], 0)}, 95% interval {number(s['gap_lower'], 0)} to "
        f"{number(s['gap_upper'], 0)}). Slope index of inequality {number(s['sii'], 0)} per 100,000 (95% interval "
        f"{number(s['sii_lower'], 0)} to {number(s['sii_upper'], 0)})."
        if s["sii"] > 0
        else f"No rise with deprivation is seen: slope index of inequality {number(s['sii'], 0)} per 100,000 "
        f"(95% interval {number(s['sii_lower'], 0)} to {number(s['sii_upper'], 0)})."
    )
    inc = res.incidents
    city_rate = inc["incidents"].sum() / inc["person_years"].sum() * 1000
    top = res.hot_spot_wards[res.hot_spot_wards["hot_cells"] > 0].head(3)
    n = res.night
    out.append(
        f"Police recorded {int(inc['incidents'].sum()):,} alcohol-related incidents, "
        f"{number(city_rate, 1)} per 1,000 residents a year. "
        + (
            f"Hot spots concentrate in {', '.join(map(md_escape, top['ward_name'].astype(str)))}. "
            if len(top)
            else ""
        )
        + f"Friday and Saturday nights (21:00-04:00) hold {percent(100 * n['share'])} of incidents in "
        f"{percent(100 * n['hours_share'])} of the week's hours; the busiest hour is {n['peak_day']} "
        f"{n['peak_hour']:02d}:00."
    )
    c = res.correlation
    both = res.joint[res.joint["both_high"]]
    out.append(
        f"Across {res.area_label}s, admission and incident ratios correlate with r = {number(c['r'], 2)} (95% "
        f"interval {number(c['lowercl'], 2)} to {number(c['uppercl'], 2)}, n = {c['n']}). "
        + (f"Both are significantly high in {', '.join(both['area_name'].astype(str))}."
           if len(both) else "No area is significantly high on both.")
    )  # fmt: skip
    return out


def methods_notes(res: AlcoholResults) -> str:
    """Methods notes (Markdown) for the operational tier."""
    fr = load_fractions()
    n_ill = int((fr["status"] == "illustrative").sum())
    return "\n".join([
        "### Methods",
        f"- **Parameters:** period end {res.end} ({res.end.label}); {res.params.years_pooled} year(s) "
        f"pooled ({res.window_label}); measure `{res.params.measure}`; standard population "
        f"`{res.params.standard_population}`; geography `{res.params.geography}`.",
        "- **Classification:** ICD-10 codes in `diag_01`-`diag_06`. Alcohol-specific: an AAF = 1 code in "
        "any position. Narrow: the primary diagnosis, or a secondary external cause (V, W, X, Y codes); "
        "broad: any position. Each episode is weighted by the highest AAF among the diagnoses counted.",
        f"- **Attributable fractions:** `resources/alcohol_fractions.csv`. The {n_ill} partial fractions "
        "are SIMPLIFIED/ILLUSTRATIVE, not the published NWPHO fractions; replace the table before "
        "publishing real figures.",
        f"- **Rates:** directly standardised by age and sex ({res.standard_label} for each sex), per "
        "100,000 person-years; a quarter's person-time is a quarter of the mid-year population, so "
        "quarterly rates are annualised. Dobson limits (95%) from Byar's limits of the weighted count. "
        "No rate is shown from fewer than 10 weighted admissions.",
        "- **SPC:** XmR chart of the quarterly rates (Making Data Count rules; lower is better).",
        f"- **Areas:** indirectly standardised ratios (city = 100), the city's rates by sex and age band "
        f"as reference, pooled over {res.window_label}; exact Poisson limits under 10, Byar's from 10; "
        "categories from the 95% and 99.8% limits. The funnel plot uses the same limits.",
        "- **Deprivation:** wards grouped by IMD 2007 quintile; slope index of inequality from a "
        "population-weighted regression of the quintile rates on the mid-point of each quintile's "
        "population rank (0 least, 1 most deprived), its interval from the quintile rates' standard "
        "errors (normal approximation).",
        f"- **Police:** incidents flagged as alcohol-related, per 1,000 residents of all ages per year; "
        f"hot spots by Getis-Ord Gi* on {res.cell_size:g} m square cells (queen contiguity, the cell "
        f"itself included, {res.permutations} conditional permutations with a fixed seed); not "
        "corrected for multiple testing.",
        "- **Joint view:** Pearson correlation of the areas' admission and incident ratios with a "
        "Fisher-z interval; 'both significantly high' when both 95% intervals lie above 100.",
        *(f"- **Note:** {n}" for n in (res.notes or [])),
    ])  # fmt: skip
