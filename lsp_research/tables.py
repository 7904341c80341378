"""Accessible HTML tables that have passed disclosure control.

Every table a notebook publishes goes through :func:`show_table`: it applies
:func:`lsp_research.disclosure.protect` to the count columns, renders an HTML ``<table>`` with a
``<caption>``, column headers (``<th scope="col">``) and row headers (``<th scope="row">``), and adds a
footnote in words whenever anything was suppressed or rounded.

The markup carries markers for the publishing audit (:mod:`lsp_research.reporting.audit`): the table
says which rule it followed (``data-disclosure-rule``), every count column's header and cells carry
``data-count``, and a column the author declares is *not* a count of people or events (for example the
number of indicators flagged) carries ``data-not-count`` so the audit's heuristic leaves it alone; a
column calculated from counts (``percent``, ``dependent``) carries ``data-derived``.

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"Ward": ["Hendon", "Millfield", "Pallion"], "Admissions": [3, 40, 12],
...                   "Rate per 100,000": [35.21, 410.0, 150.5]})
>>> html = show_table(t, "Alcohol-specific admissions, 2008-09", counts=["Admissions"], display=False)
>>> "<caption>Alcohol-specific admissions, 2008-09</caption>" in html
True
>>> '<th scope="col" class="num" data-count="true">Admissions</th>' in html
True
>>> '<th scope="row">Hendon</th>' in html
True
>>> html.count('title="suppressed to protect confidentiality">*</abbr>')
2
>>> "counts from 1 to 5 are not shown" in html
True
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import html as _html
import math
from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from . import disclosure

__all__ = ["format_value", "show_table"]

_MISSING = '<abbr title="not available">..</abbr>'
#: The tones a cell may carry (see ``show_table(tone=...)``).
TONES = ("better", "worse")
_HIDDEN = f'<abbr title="suppressed to protect confidentiality">{disclosure.SUPPRESSED}</abbr>'


def _is_missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def format_value(value, fmt: str | Callable | None = None, *, count: bool = False) -> str:
    """Format one cell as text (not yet HTML-escaped).

    ``fmt`` is a format string (``"{:.2f}"`` or ``".2f"``) or a callable. Without one, counts get a
    thousands separator, other whole numbers are shown as they are (years stay ``2009``), and other
    numbers get one decimal place.

    >>> format_value(1234, count=True), format_value(2009), format_value(3.14159), format_value(0.5, "{:.0%}")
    ('1,234', '2009', '3.1', '50%')
    >>> format_value(True), format_value(pd.Timestamp("2009-07-01"))
    ('Yes', '2009-07-01')
    """
    if isinstance(value, str):
        return value
    if callable(fmt):
        return str(fmt(value))
    if fmt:
        return (fmt if "{" in fmt else "{:" + fmt + "}").format(value)
    if isinstance(value, bool | np.bool_):
        return "Yes" if value else "No"
    if isinstance(value, pd.Timestamp | _dt.datetime):
        ts = pd.Timestamp(value)
        return ts.strftime("%Y-%m-%d") if ts == ts.normalize() else ts.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, int | np.integer):
        return f"{int(value):,}" if count else str(int(value))
    if isinstance(value, float | np.floating):
        if count and float(value).is_integer():
            return f"{int(value):,}"
        return f"{float(value):,.1f}"
    return str(value)


def _label(col) -> str:
    if isinstance(col, tuple):
        return " ".join(str(c) for c in col if str(c))
    return str(col)


def _is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def show_table(
    df: pd.DataFrame,
    caption: str,
    counts: Iterable[str] = (),
    rule: str = "hes2008",
    display: bool = True,
    index: bool = False,
    formats: Mapping[str, str | Callable] | None = None,
    *,
    by: str | Sequence[str] | None = None,
    row_total: str | None = None,
    total_rows=None,
    percent: Mapping[str, tuple[str, str]] | None = None,
    dependent: Mapping[str, str | Sequence[str]] | None = None,
    withhold: Mapping[str, Sequence[bool]] | None = None,
    not_counts: Iterable[str] = (),
    notes: Iterable[str] = (),
    tone: Mapping[str, Sequence[str | None]] | None = None,
) -> str:
    """Render a table as accessible HTML after disclosure control, and show it in the notebook.

    Parameters
    ----------
    df : pandas.DataFrame
        The table as it should be published, with readable column names (they become the headers).
    caption : str
        What the table shows, with period and units; becomes the ``<caption>``.
    counts : list of str
        Columns holding counts of people or events; they go through
        :func:`lsp_research.disclosure.protect` with ``rule`` (and ``by``, ``row_total``,
        ``total_rows``, ``percent``, ``dependent``, ``withhold``, passed on unchanged). A cell of any
        column that already holds the marker ``"*"`` (a value withheld upstream) is shown as withheld.
    rule : {"hes2008", "nhsd2018"}
        The disclosure rule.
    display : bool
        Send the table to the notebook's output (False: only return the HTML).
    index : bool
        Show the index as row headers. Without it, a first column of text becomes the row headers.
    formats : dict, optional
        ``{column: format}`` with a format string (``"{:.1f}"``, ``".1%"``) or a callable.
    not_counts : list of str
        Columns whose header sounds like a count but which do not count people or events (e.g.
        "Number of indicators"): marked so that the publishing audit does not treat them as counts.
    notes : list of str
        Further footnotes (source, definitions), printed under the table.
    tone : dict, optional
        ``{column: ["better" | "worse" | None per row]}``: colours a cell (class ``lsp-better`` or
        ``lsp-worse``, a colour-blind-safe blue and orange) whose text already says it in words.

    Returns
    -------
    str
        The HTML: a ``<div class="lsp-table">`` holding the ``<table>`` and its footnotes.

    Raises
    ------
    ValueError
        No caption, an unknown column in ``counts``/``formats``/``not_counts``, or a bad count.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"Quarter": ["2009Q1", "2009Q2"], "Referrals": [1200, 7]})
    >>> html = show_table(t, "Referrals", counts=["Referrals"], rule="nhsd2018", display=False)
    >>> ">1,200</td>" in html and "rounded to the nearest 5" in html
    True
    >>> show_table(t, "", display=False)
    Traceback (most recent call last):
    ...
    ValueError: caption: every table needs a caption saying what it shows
    """
    if not isinstance(caption, str) or not caption.strip():
        raise ValueError("caption: every table needs a caption saying what it shows")
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"df: expected a pandas DataFrame, got {type(df).__name__}")
    if df.columns.duplicated().any():
        dup = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
        raise ValueError(f"df: column names must be unique; repeated: {', '.join(dup)}")
    counts = [counts] if isinstance(counts, str) else list(counts)
    not_counts = [not_counts] if isinstance(not_counts, str) else list(not_counts)
    formats = dict(formats or {})
    for name, cols in (("formats", list(formats)), ("not_counts", not_counts)):
        missing = [c for c in cols if c not in df.columns]
        if missing:
            raise ValueError(
                f"{name}: no column {', '.join(map(repr, missing))} in the table; "
                f"columns are {', '.join(map(repr, df.columns))}"
            )
    overlap = set(counts) & set(not_counts)
    if overlap:
        raise ValueError(f"not_counts: {sorted(overlap)} cannot be counts and not counts at once")

    protected = disclosure.protect(
        df, counts, rule=rule, by=by, row_total=row_total, total_rows=total_rows,
        percent=percent, dependent=dependent, withhold=withhold,
    )  # fmt: skip
    info = protected.attrs["disclosure"]
    columns = list(protected.columns)
    if index:
        row_head_cols: list = []
        idx_names = [("" if n is None else str(n)) for n in protected.index.names]
    else:
        first = columns[0] if columns else None
        row_head_cols = (
            [first]
            if first is not None and first not in counts and not _is_numeric(df[first])
            else []
        )
        idx_names = []

    head = ['<th scope="col">' + _html.escape(n) + "</th>" for n in idx_names]
    for col in columns:
        attrs = ""
        numeric = col in counts or _is_numeric(df[col])
        if numeric:
            attrs += ' class="num"'
        if col in counts:
            attrs += ' data-count="true"'
        elif col in not_counts:
            attrs += ' data-not-count="true"'
        elif col in (percent or {}) or col in (dependent or {}):
            attrs += ' data-derived="true"'
        head.append(f'<th scope="col"{attrs}>{_html.escape(_label(col))}</th>')

    tones = {c: list(v) for c, v in (tone or {}).items()}
    for col, v in tones.items():
        if col not in df.columns or len(v) != len(df):
            raise ValueError(f"tone: {col!r} needs one entry per row ({len(df)}), from {TONES}")
    hidden_cells = {tuple(c) for c in info["cells"]}
    body = []
    missing_seen = False
    values = {col: protected[col].tolist() for col in columns}
    for pos, key in enumerate(protected.index.tolist()):
        cells = []
        if index:
            keys = key if isinstance(key, tuple) else (key,)
            for k in keys:
                cells.append(f'<th scope="row">{_html.escape(format_value(k))}</th>')
        for col in columns:
            value = values[col][pos]
            is_count = col in counts
            if (pos, col) in hidden_cells or (
                isinstance(value, str) and value == disclosure.SUPPRESSED
            ):
                text = _HIDDEN
            elif _is_missing(value):
                text = _MISSING
                missing_seen = True
            else:
                text = _html.escape(format_value(value, formats.get(col), count=is_count))
            if col in row_head_cols:
                cells.append(f'<th scope="row">{text}</th>')
                continue
            attrs = ""
            if (
                is_count
                or _is_numeric(df[col])
                or col in (percent or {})
                or col in (dependent or {})
            ):
                attrs += ' class="num"'
            if is_count:
                attrs += ' data-count="true"'
            t = tones.get(col, [None] * (pos + 1))[pos] if col in tones else None
            if t in TONES and text not in (_HIDDEN, _MISSING):
                attrs += f' class="lsp-{t}"' if "class=" not in attrs else ""
                attrs = attrs.replace('class="num"', f'class="num lsp-{t}"')
            cells.append(f"<td{attrs}>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")

    footnotes = []
    if info["note"]:
        footnotes.append(info["note"])
    if missing_seen:
        footnotes.append(".. Not available.")
    footnotes.extend(str(n) for n in notes if str(n).strip())

    table_inner = (
        f"<caption>{_html.escape(caption.strip())}</caption>"
        f"<thead><tr>{''.join(head)}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody>"
    )
    table_id = "tbl-" + hashlib.sha1(table_inner.encode("utf-8")).hexdigest()[:10]
    described = f' aria-describedby="{table_id}-notes"' if footnotes else ""
    parts = [
        f'<div class="lsp-table" id="{table_id}">',
        f'<table data-disclosure-rule="{info["rule"]}"{described}>{table_inner}</table>',
    ]
    if footnotes:
        parts.append(f'<div class="lsp-table-notes" id="{table_id}-notes">')
        parts.extend(f"<p>{_html.escape(n)}</p>" for n in footnotes)
        parts.append("</div>")
    parts.append("</div>")
    html = "\n".join(parts)
    if display:
        from IPython.display import HTML
        from IPython.display import display as _display

        _display(HTML(html))
        return _Shown(html)
    return html


class _Shown(str):
    """HTML already sent to the notebook: a cell ending in ``show_table(...)`` shows it once, not
    again as a quoted string. Behaves as ``str`` otherwise.

    >>> s = _Shown("<table></table>")
    >>> s == "<table></table>", s._ipython_display_() is None
    (True, True)
    """

    __slots__ = ()

    def _ipython_display_(self) -> None:
        return None
