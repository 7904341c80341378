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


def _normalise_codes(values: pd.Index | pd.Series) -> pd.Series:
    return pd.Series(values, dtype="string").str.strip().str.upper().str.replace(".", "").fillna("")


def _code_aaf_lookup(codes: pd.Series, fractions: pd.DataFrame):
    """AAF of each code for each sex and single year of age, the condition giving it, and flags.

    Returns ``(aaf, condition_index, conditions, is_specific)`` with ``aaf`` of shape
    ``(len(codes) + 1, 2, _MAX_AGE + 1)``; the last row is all zeros (for absent diagnoses).
    """
    n = len(codes)
    lengths = codes.str.len().to_numpy()
    groups = fractions.groupby(["code_from", "code_to", "condition"], sort=False)
    conditions = [key[2] for key in groups.groups]
    aaf = np.zeros((n + 1, 2, _MAX_AGE + 1))
    which = np.full((n + 1, 2, _MAX_AGE + 1), -1, dtype=np.int32)
    is_specific = np.zeros(n + 1, dtype=bool)
    for g, ((lo, hi, _), rows) in enumerate(groups):
        width = len(lo)
        prefix = codes.str.slice(0, width)
        hit = ((prefix >= lo) & (prefix <= hi)).to_numpy(dtype=bool) & (lengths >= width)
        if not hit.any():
            continue
        grid = np.zeros((2, _MAX_AGE + 1))
        for sex, a, b, f in rows[["sex", "age_from", "age_to", "aaf"]].itertuples(index=False):
            sexes = (0, 1) if sex == "P" else ((0,) if sex == "M" else (1,))
            for s in sexes:
                grid[s, a : b + 1] = np.maximum(grid[s, a : b + 1], f)
        idx = np.flatnonzero(hit)
        better = grid[None, :, :] > aaf[idx]
        aaf[idx] = np.where(better, grid[None, :, :], aaf[idx])
        which[idx] = np.where(better, g, which[idx])
        if (rows["category"] == "specific").any():
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
    sex = episodes["sex"].map({"M": 0, "F": 1})
    if sex.isna().any():
        bad = episodes.loc[sex.isna(), "sex"].iloc[0]
        raise ValueError(f"episodes: column 'sex' must be M or F (got {bad!r})")
    age = pd.to_numeric(episodes["age"], errors="coerce")
    if age.isna().any():
        raise ValueError("episodes: column 'age' must be a number of years for every episode")
    sex_i = sex.to_numpy(dtype=np.intp)
    age_i = np.clip(age.to_numpy(dtype=float), 0, _MAX_AGE).astype(np.intp)

    flat = episodes[cols].to_numpy(dtype=object).ravel()
    code_idx, uniques = pd.factorize(flat, use_na_sentinel=True)
    codes = _normalise_codes(uniques)
    aaf, which, conditions, is_specific = _code_aaf_lookup(codes, fractions)
    code_idx = np.where(code_idx < 0, len(codes), code_idx).reshape(n, len(cols))
    is_external = np.append(
        codes.str.slice(0, 1).isin(EXTERNAL_CAUSE_LETTERS).to_numpy(dtype=bool), False
    )

    by_position = aaf[code_idx, sex_i[:, None], age_i[:, None]]  # (n, k)
    broad = by_position.max(axis=1)
    secondary_external = np.where(is_external[code_idx[:, 1:]], by_position[:, 1:], 0.0)
    narrow = np.maximum(by_position[:, 0], secondary_external.max(axis=1, initial=0.0))
    best = code_idx[np.arange(n), by_position.argmax(axis=1)]
    cond_i = which[best, sex_i, age_i]
    names = np.array([*conditions, ""], dtype=object)[np.where(broad > 0, cond_i, -1)]
    condition = pd.Series(names, index=episodes.index, dtype="string").replace("", pd.NA)
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

    adm = admissions.loc[:, ["period", "ward_code", "sex", "age_band"]].copy()
    adm["events"] = np.asarray(weights, dtype=float)
    adm = adm[(adm["events"] > 0) & (adm["period"] >= lo) & (adm["period"] <= hi)]
    adm["period"] = adm["period"].astype(str)
    adm = adm.merge(quarters[["period", "financial_year"]], on="period", how="left")
    adm["episodes"] = 1
    pop = population.loc[:, ["year", "ward_code", "sex", "age_band", "population"]].merge(
        quarters, left_on="year", right_on="pop_year"
    )
    pop["person_years"] = pop["population"] * 0.25
    extra = [b for b in by if b not in ("period", "financial_year", "ward_code")]
    if extra:
        if areas is None:
            raise ValueError(f"areas: needed to group by {extra}")
        lookup = areas[["ward_code", *extra]]
        adm = adm.merge(lookup, on="ward_code", how="left")
        pop = pop.merge(lookup, on="ward_code", how="left")
    for frame in (adm, pop):
        frame["age_band"] = frame["age_band"].astype(str).map(bands)
    keys = [*by, "sex", "age_band"]
    # Population strata define the grid; check that no admission falls outside it.
    stratum = ["ward_code", "sex", "age_band"]
    known = pop[stratum].drop_duplicates()
    orphans = adm.merge(known, on=stratum, how="left", indicator=True)
    orphans = orphans[orphans["_merge"] == "left_only"]
    if len(orphans):
        row = orphans.iloc[0]
        raise DataValidationError(
            [Problem("admissions", None, "ward_code",
                     f"{len(orphans)} admissions fall in strata without population, e.g. ward "
                     f"{row['ward_code']}, sex {row['sex']}, age band {row['age_band']}")],
            context="alcohol admissions",
        )  # fmt: skip
    counts = adm.groupby(keys, observed=True, dropna=False)[["events", "episodes"]].sum()
    py = pop.groupby(keys, observed=True, dropna=False)["person_years"].sum()
    out = py.to_frame().join(counts, how="left").reset_index()
    out[["events", "episodes"]] = out[["events", "episodes"]].fillna(0)
    out["episodes"] = out["episodes"].astype(int)
    out["stdpop"] = out["age_band"].map(std).astype(float)
    return out
