"""The alcohol analysis's parameters and inputs: :func:`validate_params`, the attributable fractions
(:func:`load_fractions`) and the processed tables (:class:`Inputs`, :func:`load_inputs`).

>>> p = validate_params(measure="narrow", years_pooled=2)
>>> p.measure, p.years_pooled, p.standard_population
('narrow', 2, 'esp2013')
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ... import config, data, periods
from ...errors import DataValidationError, ParameterError, Problem

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


def comparator_names() -> tuple[str, ...]:
    """The place's comparator areas (:func:`lsp_research.config.place`), nearest first: every other
    area before England.

    >>> "England" in comparator_names() and comparator_names()[-1] == "England"
    True
    """
    names = [name for name, _ in config.place().comparators]
    return tuple(sorted(names, key=lambda n: n == "England"))


def area_words(names) -> str:
    """Area names as a phrase, compass regions with "the": ``the North West and England``.

    >>> area_words(["East Midlands", "London", "England"])
    'the East Midlands, London and England'
    """
    words = [
        f"the {n}" if n.split(" ")[0] in ("North", "South", "East", "West") else n for n in names
    ]
    return " and ".join([", ".join(words[:-1]), words[-1]]) if len(words) > 1 else "".join(words)


@dataclass(frozen=True)
class AlcoholParams:
    """Validated parameters of the alcohol analysis (see :func:`validate_params`)."""

    period_end: str = "latest"
    years_pooled: int = 3
    measure: str = "broad"
    standard_population: str = "esp2013"
    geography: str = "ward"


def one_of(name: str, value, allowed: tuple[str, ...]) -> str:
    """``value`` normalised (stripped, lower case) when it is one of ``allowed``.

    >>> one_of("measure", " Broad", MEASURES)
    'broad'
    """
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
    end = periods.quarter_parameter("period_end", period_end)
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
        measure=one_of("measure", measure, MEASURES),
        standard_population=one_of(
            "standard_population", standard_population, STANDARD_POPULATIONS
        ),
        geography=one_of("geography", geography, GEOGRAPHIES),
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
MAX_AGE = 150


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
        (~table["age_from"].between(0, MAX_AGE) | ~table["age_to"].between(0, MAX_AGE)
         | (table["age_from"] > table["age_to"]), "age_to",
         f"ages must be whole years 0-{MAX_AGE} with age_from <= age_to"),
    ]  # fmt: skip
    for mask, col, rule in checks:
        for i in np.flatnonzero(mask.fillna(True).to_numpy()):
            problems.append(Problem(name, int(i) + 1, col, rule, table[col].iloc[i]))
    if problems:
        raise DataValidationError(problems, context=name)
    table["age_from"] = table["age_from"].astype(int)
    table["age_to"] = table["age_to"].astype(int)
    return table


# --------------------------------------------------------------------------------------------------
# The inputs
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
    #: An AAF table (:func:`load_fractions`); None for the packaged illustrative one.
    fractions: pd.DataFrame | None = None


def load_inputs(params: AlcoholParams) -> Inputs:
    """Load the processed tables with :func:`lsp_research.data.load`.

    Parameters
    ----------
    params : AlcoholParams
        The checked parameters (:func:`validate_params`); every parameter set reads the same tables.

    Returns
    -------
    Inputs
    """
    return Inputs(
        admissions=data.load("admissions"),
        population=data.load("population"),
        wards=data.load("wards"),
        incidents=data.load("incidents"),
        comparators=data.load("indicator_comparators"),
        returns=data.load("indicator_returns"),
    )
