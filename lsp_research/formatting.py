"""One number formatter for every table, chart label, alt text and sentence the package publishes.

Rules (issue 22):

- thousands separators on every number (``226,999``);
- a point estimate and its interval at the same precision (``252.9 (243.1 to 262.9)``, never
  ``78.88 to 102``); the precision follows the point estimate's size unless it is given (:func:`decimals_for`);
- no negative zero (``-0.04`` to one decimal place is ``0.0``);
- changes are computed from the unrounded values and then rounded (:func:`change`), and a table or
  sentence that shows rounded parts with their total or difference carries :data:`ROUNDING_NOTE`.

>>> number(226999), number(252.94), number(-0.04, 1)
('226,999', '253', '0.0')
>>> estimate(252.94, 243.07, 262.9, 1)
'252.9 (243.1 to 262.9)'
>>> estimate(0.6, 0.5504, 0.6141)
'0.600 (0.550 to 0.614)'
>>> change(2438.8, 2306.4), change(12.04, 12.0, 1)
('+132', '0.0')
"""

from __future__ import annotations

import math

__all__ = [
    "MISSING",
    "ROUNDING_NOTE",
    "change",
    "count",
    "decimals_for",
    "estimate",
    "formatted_table",
    "interval",
    "number",
    "percent",
    "table_formats",
    "with_formats",
]

#: What a missing number reads as.
MISSING = "n/a"
#: The note printed under any rounded figures shown with a total or a difference.
ROUNDING_NOTE = (
    "Figures are rounded; changes and totals are computed from unrounded values, so they may not add "
    "up exactly."
)


def _missing(x) -> bool:
    if x is None:
        return True
    try:
        return math.isnan(float(x))
    except (TypeError, ValueError):
        return True


def decimals_for(x, sig: int = 3, most: int = 3) -> int:
    """Decimal places that show ``x`` to about ``sig`` significant figures (0 to ``most``).

    >>> decimals_for(2438.8), decimals_for(252.9), decimals_for(39.8), decimals_for(7.07), decimals_for(0.58)
    (0, 0, 1, 2, 3)
    >>> decimals_for(0), decimals_for(None)
    (0, 0)
    """
    if _missing(x) or float(x) == 0 or math.isinf(float(x)):
        return 0
    magnitude = math.floor(math.log10(abs(float(x))))
    return int(min(most, max(0, sig - 1 - magnitude)))


def number(x, decimals: int | None = None, *, sign: bool = False, missing: str = MISSING) -> str:
    """One number with thousands separators and no negative zero.

    Parameters
    ----------
    x : float or None
    decimals : int, optional
        Decimal places; default :func:`decimals_for` ``(x)``.
    sign : bool
        Prefix ``+`` to a positive number (for changes).
    missing : str
        Text for a missing value.

    >>> number(1234567.891, 1), number(-0.0001, 2), number(3.14159), number(None)
    ('1,234,567.9', '0.00', '3.14', 'n/a')
    >>> number(5, sign=True), number(-5.25, 1, sign=True), number(0.01, 0, sign=True)
    ('+5.00', '-5.2', '0')
    """
    if _missing(x):
        return missing
    v = float(x)
    if math.isinf(v):
        return "infinite" if v > 0 else "minus infinite"
    d = decimals_for(v) if decimals is None else int(decimals)
    r = round(v, d)
    if r == 0:
        r = 0.0  # no "-0"
    return f"{r:{'+' if sign and r != 0 else ''},.{d}f}"


def interval(lower, upper, decimals: int, *, missing: str = MISSING) -> str:
    """An interval at a given precision: ``243.1 to 262.9``.

    >>> interval(78.88, 102.04, 1)
    '78.9 to 102.0'
    """
    return (
        f"{number(lower, decimals, missing=missing)} to {number(upper, decimals, missing=missing)}"
    )


def estimate(value, lower=None, upper=None, decimals: int | None = None, *, missing: str = MISSING):
    """A point estimate with its interval in brackets, all at one precision (the point's by default).

    With no interval (either limit missing) only the point is shown.

    >>> estimate(2682.7, 2619.5, 2747.1), estimate(12.0, None, None, 1)
    ('2,683 (2,620 to 2,747)', '12.0')
    """
    d = decimals_for(value) if decimals is None else int(decimals)
    text = number(value, d, missing=missing)
    if _missing(lower) or _missing(upper) or _missing(value):
        return text
    return f"{text} ({interval(lower, upper, d)})"


def change(new, old, decimals: int | None = None, *, percent: bool = False) -> str:
    """The change from ``old`` to ``new``, signed, computed from the unrounded values.

    ``percent=True`` gives the relative change in per cent (whole per cent by default).

    >>> change(1926.3, 2682.7, percent=True), change(2682.7, 1926.3, percent=True)
    ('-28%', '+39%')
    >>> change(None, 3)
    'n/a'
    """
    if _missing(new) or _missing(old):
        return MISSING
    if percent:
        if float(old) == 0:
            return MISSING
        rel = (float(new) - float(old)) / abs(float(old)) * 100
        return number(rel, 0 if decimals is None else decimals, sign=True) + "%"
    diff = float(new) - float(old)
    d = decimals_for(max(abs(float(new)), abs(float(old)))) if decimals is None else decimals
    return number(diff, d, sign=True)


def count(n, *, missing: str = MISSING) -> str:
    """A count: a whole number with thousands separators.

    >>> count(226999), count(12.0)
    ('226,999', '12')
    """
    return number(n, 0, missing=missing)


def percent(x, decimals: int = 0, *, missing: str = MISSING) -> str:
    """A percentage (``x`` already in per cent).

    >>> percent(47.25), percent(8.333, 1)
    ('47%', '8.3%')
    """
    return MISSING if _missing(x) else number(x, decimals) + "%"


def _column_decimals(values, most: int = 3) -> int:
    """The fewest decimals that show every value of a rounded column exactly (at most ``most``)."""
    v = [float(x) for x in values if not _missing(x) and not math.isinf(float(x))]
    if not v:
        return 0
    for d in range(most + 1):
        if all(abs(x - round(x, d)) <= 1e-9 * max(1.0, abs(x)) for x in v):
            return d
    return most


def table_formats(df, counts=(), decimals=None) -> dict:
    """Per-column formatters for :func:`lsp_research.tables.show_table` (its ``formats``).

    Every numeric column that is not a disclosure-controlled count gets :func:`number` at one precision
    for the whole column: ``decimals[col]`` when given, else the precision the column was rounded to
    (a ratio rounded to 1 decimal reads ``252.9``, a whole number ``226,999``, never ``-0.0``).

    >>> import pandas as pd
    >>> df = pd.DataFrame({"Adults": [226999, 1200], "Ratio": [252.9, 90.0], "OR": [0.581, 0.6]})
    >>> f = table_formats(df)
    >>> f["Adults"](226999), f["Ratio"](90.0), f["OR"](0.6)
    ('226,999', '90.0', '0.600')
    """
    import pandas as pd

    decimals = dict(decimals or {})
    skip = set(counts)
    out = {}
    for col in df.columns:
        s = df[col]
        if col in skip or pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
            continue
        d = decimals.get(col)
        if d is None:
            d = 0 if pd.api.types.is_integer_dtype(s) else _column_decimals(s.tolist())
        out[col] = lambda v, d=d: number(v, d)
    return out


def with_formats(spec: dict) -> dict:
    """A ``show_table`` keyword dict (with ``df``) given :func:`table_formats` for its columns.

    Formats already in ``spec`` are kept.

    >>> import pandas as pd
    >>> kw = with_formats({"df": pd.DataFrame({"n": [5], "rate": [-0.04]}), "counts": ["n"]})
    >>> sorted(kw["formats"]), kw["formats"]["rate"](-0.04)
    (['rate'], '-0.04')
    """
    spec = dict(spec)
    spec["formats"] = {
        **table_formats(spec["df"], spec.get("counts", ())),
        **dict(spec.get("formats") or {}),
    }
    return spec


def formatted_table(fn):
    """Decorate a function returning a ``show_table`` keyword dict so that it carries the formats."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return with_formats(fn(*args, **kwargs))

    return wrapper
