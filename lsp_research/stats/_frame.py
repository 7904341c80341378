"""Shared helpers for the DataFrame functions: argument checks and grouping."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import InputError
from ._types import By


def as_by(by: By) -> list[str]:
    """``by`` as a list of column names (empty for no grouping)."""
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    out = list(by)
    if not all(isinstance(b, str) for b in out):
        raise InputError(f"by: give a column name or a list of column names, not {by!r}")
    return out


def checked_by(data, columns: Sequence[tuple[str, str]], by: By) -> list[str]:
    """``by`` as a list (:func:`as_by`), once ``data`` is known to hold ``columns`` and the ``by``
    columns (:func:`check_frame`).

    >>> checked_by(pd.DataFrame({"x": [1], "g": ["a"]}), [("x", "x")], "g")
    ['g']
    """
    by = as_by(by)
    check_frame(data, columns, by)
    return by


def check_frame(data, columns: Sequence[str], by: Sequence[str] = ()) -> None:
    """Raise ``ValueError`` naming the argument when ``data`` lacks a column."""
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"data: expected a pandas DataFrame, got {type(data).__name__}")
    for arg, col in columns:
        if not isinstance(col, str):
            raise InputError(f"{arg}: give a column name of data, not {col!r}")
        if col not in data.columns:
            raise InputError(
                f"{arg}: column {col!r} is not in data (columns: {', '.join(map(str, data.columns))})"
            )
    for col in by:
        if col not in data.columns:
            raise InputError(f"by: column {col!r} is not in data")


def numeric(data: pd.DataFrame, col: str, arg: str) -> np.ndarray:
    """Column ``col`` as float64, raising ``ValueError`` naming ``arg`` if it is not numeric."""
    try:
        return pd.to_numeric(data[col], errors="raise").to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):
        raise InputError(f"{arg}: column {col!r} must hold numbers") from None


def group_codes(data: pd.DataFrame, by: Sequence[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Integer group code per row and a frame of the distinct keys (in order of first appearance)."""
    if not by:
        return np.zeros(len(data), dtype=np.intp), pd.DataFrame(index=range(1))
    if len(by) == 1:
        codes, uniques = pd.factorize(data[by[0]], sort=False, use_na_sentinel=False)
        keys = pd.DataFrame({by[0]: uniques})
    else:
        codes, uniques = pd.MultiIndex.from_frame(data[list(by)]).factorize(sort=False)
        keys = uniques.to_frame(index=False)
        keys.columns = list(by)
    return np.asarray(codes, dtype=np.intp), keys.reset_index(drop=True)


def group_sum(
    values: np.ndarray, codes: np.ndarray, ngroups: int, skipna: bool = True
) -> np.ndarray:
    """Sum ``values`` per group code (``skipna=False`` lets one missing value make the sum missing)."""
    if skipna:
        return np.bincount(codes, weights=np.nan_to_num(values, nan=0.0), minlength=ngroups)
    out = np.bincount(codes, weights=np.nan_to_num(values, nan=0.0), minlength=ngroups)
    has_nan = np.bincount(codes, weights=np.isnan(values).astype(float), minlength=ngroups) > 0
    out[has_nan] = np.nan
    return out


def fmt_multiplier(multiplier: float) -> str:
    """``100000`` -> ``'100000'``; ``0.5`` -> ``'0.5'``."""
    return f"{multiplier:g}" if float(multiplier) != int(multiplier) else str(int(multiplier))


def check_multiplier(multiplier, arg: str = "multiplier", use: str = "") -> float:
    """``multiplier`` as a finite float above 0, else an error naming ``arg`` (with the hint ``use``,
    e.g. ``"1 or 100"``, when given).

    >>> check_multiplier("100"), check_multiplier(1, "refvalue", "1 or 100")
    (100.0, 1.0)
    >>> check_multiplier(0, "refvalue", "1 or 100")
    Traceback (most recent call last):
    lsp_research.errors.InputError: refvalue: must be more than 0 (1 or 100), not 0
    """
    try:
        m = float(multiplier)
    except (TypeError, ValueError):
        hint = f"; use {use}" if use else ""
        raise InputError(f"{arg}: {multiplier!r} is not a number{hint}") from None
    if not np.isfinite(m) or m <= 0:
        rule = f"more than 0 ({use})" if use else "a positive number such as 100000"
        raise InputError(f"{arg}: must be {rule}, not {multiplier!r}")
    return m
