"""Classification of admission episodes into the alcohol measures with attributable fractions."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ....errors import DataValidationError, Problem
from ..inputs import DIAG_COLUMNS, EXTERNAL_CAUSE_LETTERS, MAX_AGE, MEASURES, load_fractions, one_of


def _normalise_codes(values) -> np.ndarray:
    """Distinct codes as a numpy unicode array: upper case, no dot, no spaces (missing -> "")."""
    text = pd.Series(values, dtype="string").str.strip().str.upper().str.replace(".", "").fillna("")
    return np.asarray(text.to_numpy(dtype=object), dtype=str)


def _code_aaf_lookup(codes: np.ndarray, fractions: pd.DataFrame):
    """AAF of each code for each sex and single year of age, the condition giving it, and flags.

    Returns ``(aaf, condition_index, conditions, is_specific)`` with ``aaf`` of shape
    ``(len(codes) + 1, 2, MAX_AGE + 1)``; the last row is all zeros (for absent diagnoses).
    """
    n = len(codes)
    lengths = np.char.str_len(codes) if n else np.zeros(0, dtype=int)
    # one age-by-sex grid of fractions per condition (code range); rows read once, without pandas
    grids: dict[tuple[str, str, str], np.ndarray] = {}
    specific: set[tuple[str, str, str]] = set()
    cols = ["code_from", "code_to", "condition", "category", "sex", "age_from", "age_to", "aaf"]
    for lo, hi, cond, category, sex, a, b, f in fractions[cols].itertuples(index=False, name=None):
        grid = grids.setdefault((lo, hi, cond), np.zeros((2, MAX_AGE + 1)))
        for s in (0, 1) if sex == "P" else ((0,) if sex == "M" else (1,)):
            grid[s, a : b + 1] = np.maximum(grid[s, a : b + 1], f)
        if category == "specific":
            specific.add((lo, hi, cond))
    conditions = [key[2] for key in grids]
    aaf = np.zeros((n + 1, 2, MAX_AGE + 1))
    which = np.full((n + 1, 2, MAX_AGE + 1), -1, dtype=np.int32)
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


def _episode_error(column: str, rule: str, value=None) -> DataValidationError:
    """The error for admission episodes that cannot be classified."""
    return DataValidationError(
        [Problem("episodes", None, column, rule, value)], context="alcohol admissions"
    )


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
        raise _episode_error("diag_01", "the primary diagnosis column is needed")
    for col in ("age", "sex"):
        if col not in episodes.columns:
            raise _episode_error(col, "the column is needed")
    n = len(episodes)
    male = (episodes["sex"] == "M").to_numpy(dtype=bool, na_value=False)
    female = (episodes["sex"] == "F").to_numpy(dtype=bool, na_value=False)
    if not (male | female).all():
        bad = episodes["sex"].to_numpy(dtype=object)[~(male | female)][0]
        raise _episode_error("sex", "must be M or F", bad)
    age = pd.to_numeric(episodes["age"], errors="coerce")
    if age.isna().any():
        raise _episode_error("age", "must be a number of years for every episode")
    sex_i = female.astype(np.intp)
    age_i = np.clip(age.to_numpy(dtype=float), 0, MAX_AGE).astype(np.intp)

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
    measure = one_of("measure", measure, MEASURES)
    if measure == "specific":
        return classified["specific"].astype(float)
    return classified[f"aaf_{measure}"].astype(float)
