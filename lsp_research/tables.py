"""Accessible HTML tables that have passed disclosure control.

Every table a notebook publishes goes through :func:`show_table`: it applies
:func:`lsp_research.disclosure.protect` to the count columns, renders an HTML ``<table>`` with a
``<caption>``, column headers (``<th scope="col">``) and row headers (``<th scope="row">``), and adds a
footnote in words whenever anything was suppressed or rounded.

Beside every table goes a CSV of exactly what it shows (withheld cells stay ``*``, rounded counts stay
rounded, missing values are empty), linked under the table ("Download the data (CSV, 3 rows)"). The CSV
travels inside the table's HTML as an inert, hidden, empty ``<span class="lsp-file">`` whose
``data-content`` attribute holds it in base64 (so no markup can break out of it); whoever writes the page turns each carrier into
the download link with :func:`extract_files` and writes the file beside the page (the exporter does,
for every tier); the allow-list sanitiser strips the data from any carrier left in a page (which so
has no download link, and no broken one). Tables are numbered per page by
the page exporter, in the caption's text ("Table 3: ...", :func:`lsp_research.reporting.export.number_figures_and_tables`).

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
>>> html, files = extract_files(html)
>>> sorted(files)  # doctest: +ELLIPSIS
['table-alcohol-specific-admissions-2008-09-....csv', 'table-alcohol-specific-admissions-2008-09-....csv-metadata.json']
>>> name = sorted(files)[0]
>>> print(files[name].decode())  # doctest: +NORMALIZE_WHITESPACE
Ward,Admissions,"Rate per 100,000"
Hendon,*,35.2
Millfield,40,410.0
Pallion,*,150.5
>>> f'<a href="{name}">' in html and "data-content" not in html
True
"""

from __future__ import annotations

import base64
import csv
import datetime as _dt
import hashlib
import html as _html
import io
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import disclosure

__all__ = ["FILE_MIME", "data_file", "extract_files", "format_value", "show_table"]

_MISSING = '<abbr title="not available">..</abbr>'
#: The tones a cell may carry (see ``show_table(tone=...)``).
TONES = ("better", "worse")
_HIDDEN = f'<abbr title="suppressed to protect confidentiality">{disclosure.SUPPRESSED}</abbr>'


#: The ``type`` of the inert carrier of a file (a table's CSV) inside a table's HTML.
FILE_MIME = "application/vnd.lsp-research.file"
# Any attribute order and quoting: the page may be re-serialised (nbconvert parses its outputs).
_CARRIER = re.compile(r"""<span\b[^>]*\bclass=["']lsp-file["'][^>]*>\s*</span>""")
_ATTR = re.compile(r"""\bdata-(name|rows|content)=["']([^"']*)["']""")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def _carrier(name: str, data: bytes, rows: int) -> str:
    return (
        f'<span hidden class="lsp-file" data-type="{FILE_MIME}" data-name="{name}" '
        f'data-rows="{rows}" data-content="{base64.b64encode(data).decode("ascii")}"></span>'
    )


def _download_link(name: str, rows: int) -> str:
    if not name.endswith(".csv"):
        return ""  # the CSV's description (columns' roles for the audit): no link of its own
    return (
        f'<p class="lsp-table-download"><a href="{name}">Download the data '
        f"(CSV, {rows} row{'' if rows == 1 else 's'})</a></p>"
    )


def data_file(df: pd.DataFrame, caption: str, formats: Mapping | None = None) -> tuple[str, str]:
    """A CSV of figures already published (a chart's plotted values), to go beside the page.

    Returns the file's name and its carrier, to put in the page's HTML (see :func:`extract_files`).
    The frame must hold no count of people or events: figures derived from small counts go through
    :func:`show_table` and its disclosure control instead.

    >>> name, carrier = data_file(pd.DataFrame({"Quarter": ["2009Q1"], "Value": [2.5]}), "NI 20 series")
    >>> name
    'data-ni-20-series-7f051539.csv'
    >>> extract_files(carrier)[1][name]
    b'Quarter,Value\\n2009Q1,2.5\\n'
    """
    formats = dict(formats or {})
    rows = [[_label(c) for c in df.columns]]
    for rec in df.itertuples(index=False):
        rows.append(
            [
                "" if _is_missing(v) else format_value(v, formats.get(c)).replace(",", "")
                if _is_numeric(df[c]) else format_value(v, formats.get(c))
                for c, v in zip(df.columns, rec, strict=True)
            ]
        )  # fmt: skip
    data = _csv_bytes(rows)
    name = _csv_name(caption, data, "data")
    return name, _carrier(name, data, len(rows) - 1)


def extract_files(html: str) -> tuple[str, dict[str, bytes]]:
    """Take the file carriers (tables' CSVs) out of ``html``: each becomes a download link to the
    file, to be written beside the page; returns the new HTML and ``{file name: bytes}``.

    A page whose writer does not call this keeps the carriers, and the sanitiser empties them: such
    a page has no download link and so no broken one.

    >>> extract_files('<p>x</p>' + _carrier("t.csv", b"a,b\\n", 0))
    ('<p>x</p><p class="lsp-table-download"><a href="t.csv">Download the data (CSV, 0 rows)</a></p>', {'t.csv': b'a,b\\n'})
    """
    files: dict[str, bytes] = {}

    def take(m: re.Match) -> str:
        attrs = dict(_ATTR.findall(m.group(0)))
        name = attrs.get("name", "")
        if not _NAME.fullmatch(name) or not attrs.get("rows", "").isdigit():
            return ""  # not a carrier this module wrote: drop it rather than link to nothing
        files[name] = base64.b64decode(attrs.get("content", ""))
        return _download_link(name, int(attrs["rows"]))

    return _CARRIER.sub(take, html), files


def _csv_name(caption: str, data: bytes, kind: str = "table") -> str:
    stem = re.sub(r"[^a-z0-9]+", "-", caption.lower()).strip("-")[:48].rstrip("-") or "table"
    return f"{kind}-{stem}-{hashlib.sha1(data).hexdigest()[:8]}.csv"


def _csv_metadata(name: str, caption: str, rule: str, roles: Mapping[str, str]) -> bytes:
    """The CSV's description (CSVW-style ``<name>-metadata.json``): its title, disclosure rule and
    which columns are counts, derived from counts, or declared not counts, as the table's markup says,
    so that the publishing audit judges the CSV as it judges the table.

    >>> print(_csv_metadata("t.csv", "Admissions", "hes2008", {"Admissions": "count"}).decode())
    {"url": "t.csv", "title": "Admissions", "disclosure_rule": "hes2008", "columns": {"Admissions": "count"}}
    """
    meta = {
        "url": name,
        "title": inert_text(caption.strip()),
        "disclosure_rule": rule,
        "columns": {inert_text(k): v for k, v in roles.items()},
    }
    return json.dumps(meta, ensure_ascii=False).encode("utf-8")


_SPREADSHEET_FORMULA = re.compile(r"^[=+@\t\r]|^-(?![\d.])")


def inert_text(value: str) -> str:
    """A data file's text as no program runs it: markup and script links written as entities (a page that
    shows the file as HTML shows the text, as the report did) and a cell a spreadsheet would take for a
    formula prefixed with ``'``.

    >>> inert_text('Hendon <img src=x onerror="alert(1)">')
    'Hendon &lt;img src=x onerror="alert(1)"&gt;'
    >>> inert_text("=SUM(A1)"), inert_text("-3.5"), inert_text("javascript:alert(1)")
    ("'=SUM(A1)", '-3.5', 'javascript&colon;alert(1)')
    """
    text = str(value).replace("<", "&lt;").replace(">", "&gt;")
    text = re.sub(r"(?i)(javascript|vbscript)\s*:", r"\1&colon;", text)
    return "'" + text if _SPREADSHEET_FORMULA.match(text) else text


def _csv_bytes(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([[inert_text(c) for c in row] for row in rows])
    return buf.getvalue().encode("utf-8")


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
    links: Mapping[str, Sequence[str | None]] | None = None,
    row_ids: Sequence[str | None] | None = None,
    anchor: str | None = None,
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
    links : dict, optional
        ``{column: [relative href or "#anchor" | None per row]}``: the cell's text becomes a link (to a
        chart on the page, a data file beside it). The CSV holds the text.
    row_ids : list of str, optional
        An ``id`` per row (None for none), so that other parts of the page can link to a row.
    anchor : str, optional
        The table's ``id`` (default: one made from its content), for a page's text to link to it.

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
    counts, not_counts, formats = _check_arguments(df, caption, counts, not_counts, formats)
    tones, hrefs = _check_cell_options(df, tone, links, row_ids)
    protected = disclosure.protect(
        df, counts, rule=rule, by=by, row_total=row_total, total_rows=total_rows,
        percent=percent, dependent=dependent, withhold=withhold,
    )  # fmt: skip
    info = protected.attrs["disclosure"]
    derived = [*(percent or {}), *(dependent or {})]
    cols = _Columns(df, counts, not_counts, derived, formats, tones, hrefs)
    row_head_cols, idx_names = _row_headers(protected, df, counts, index)
    head = _header_cells(list(protected.columns), idx_names, cols)
    body, csv_rows, missing_seen = _body_rows(protected, info, cols, row_head_cols, index, row_ids)
    csv_rows.insert(0, idx_names + [_label(c) for c in protected.columns])
    footnotes = []
    if info["note"]:
        footnotes.append(info["note"])
    if missing_seen:
        footnotes.append(".. Not available.")
    footnotes.extend(str(n) for n in notes if str(n).strip())
    roles = {
        **{_label(c): "derived" for c in derived},
        **{_label(c): "not-count" for c in not_counts},
        **{_label(c): "count" for c in counts},
    }
    html = _assemble(caption, info["rule"], head, body, footnotes, csv_rows, roles, anchor)
    if display:
        from IPython.display import HTML  # deferred: IPython only when a notebook shows the table
        from IPython.display import display as _display

        _display(HTML(html))
        return _Shown(html)
    return html


def _check_arguments(df, caption, counts, not_counts, formats) -> tuple[list, list, dict]:
    """The caption, frame and column arguments of :func:`show_table` checked; counts, not-counts, formats."""
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
    return counts, not_counts, formats


def _check_cell_options(df, tone, links, row_ids) -> tuple[dict, dict]:
    """The per-row ``tone``, ``links`` and ``row_ids`` of :func:`show_table` checked; tones and hrefs."""
    tones = {c: list(v) for c, v in (tone or {}).items()}
    for col, v in tones.items():
        if col not in df.columns or len(v) != len(df):
            raise ValueError(f"tone: {col!r} needs one entry per row ({len(df)}), from {TONES}")
    hrefs = {c: list(v) for c, v in (links or {}).items()}
    for col, v in hrefs.items():
        if col not in df.columns or len(v) != len(df):
            raise ValueError(f"links: {col!r} needs one href (or None) per row ({len(df)})")
        bad = [h for h in v if h and ":" in h.split("#", 1)[0]]
        if bad:
            raise ValueError(f"links: {col!r} may only link within the report, not to {bad[0]!r}")
    if row_ids is not None and len(row_ids) != len(df):
        raise ValueError(f"row_ids: needs one id (or None) per row ({len(df)})")
    return tones, hrefs


@dataclass(frozen=True)
class _Columns:
    """What :func:`show_table` knows about the columns: roles, formats, tones and links."""

    df: pd.DataFrame
    counts: list
    not_counts: list
    derived: list
    formats: dict
    tones: dict
    hrefs: dict

    def numeric(self, col) -> bool:
        """True for a count or a numeric column (right-aligned)."""
        return col in self.counts or _is_numeric(self.df[col])


def _row_headers(protected: pd.DataFrame, df: pd.DataFrame, counts: list, index: bool):
    """The columns shown as row headers and the index's header names."""
    if index:
        return [], [("" if n is None else str(n)) for n in protected.index.names]
    columns = list(protected.columns)
    first = columns[0] if columns else None
    if first is not None and first not in counts and not _is_numeric(df[first]):
        return [first], []
    return [], []


def _header_cells(columns: list, idx_names: list[str], cols: _Columns) -> list[str]:
    """The ``<th scope="col">`` cells, with the audit's count, not-count and derived markers."""
    head = ['<th scope="col">' + _html.escape(n) + "</th>" for n in idx_names]
    for col in columns:
        attrs = ' class="num"' if cols.numeric(col) else ""
        if col in cols.counts:
            attrs += ' data-count="true"'
        elif col in cols.not_counts:
            attrs += ' data-not-count="true"'
        elif col in cols.derived:
            attrs += ' data-derived="true"'
        head.append(f'<th scope="col"{attrs}>{_html.escape(_label(col))}</th>')
    return head


def _cell_text(value, col, hidden: bool, cols: _Columns) -> tuple[str, str, bool]:
    """One cell's HTML, its CSV text, and whether it is missing."""
    if hidden or (isinstance(value, str) and value == disclosure.SUPPRESSED):
        return _HIDDEN, disclosure.SUPPRESSED, False
    if _is_missing(value):
        return _MISSING, "", True
    plain = format_value(value, cols.formats.get(col), count=col in cols.counts)
    text = _html.escape(plain)
    if cols.numeric(col):
        plain = plain.replace(",", "")  # 1,204 in the table, 1204 in the CSV
    return text, plain, False


def _data_cell(text: str, col, pos: int, cols: _Columns) -> str:
    """The ``<td>`` of one cell, right-aligned when numeric and toned when asked."""
    attrs = ""
    if cols.numeric(col) or col in cols.derived:
        attrs += ' class="num"'
    if col in cols.counts:
        attrs += ' data-count="true"'
    t = cols.tones[col][pos] if col in cols.tones else None
    if t in TONES and text not in (_HIDDEN, _MISSING):
        attrs += f' class="lsp-{t}"' if "class=" not in attrs else ""
        attrs = attrs.replace('class="num"', f'class="num lsp-{t}"')
    return f"<td{attrs}>{text}</td>"


def _body_rows(protected, info, cols: _Columns, row_head_cols, index, row_ids):
    """The ``<tr>`` rows of the body, the CSV rows (no header yet), and whether a value was missing."""
    hidden_cells = {tuple(c) for c in info["cells"]}
    columns = list(protected.columns)
    body, csv_rows = [], []
    missing_seen = False
    values = {col: protected[col].tolist() for col in columns}
    for pos, key in enumerate(protected.index.tolist()):
        cells, csv_row = [], []
        if index:
            for k in key if isinstance(key, tuple) else (key,):
                cells.append(f'<th scope="row">{_html.escape(format_value(k))}</th>')
                csv_row.append(format_value(k))
        for col in columns:
            text, plain, missing = _cell_text(
                values[col][pos], col, (pos, col) in hidden_cells, cols
            )
            missing_seen = missing_seen or missing
            csv_row.append(plain)
            href = cols.hrefs[col][pos] if col in cols.hrefs else None
            if href and text not in (_HIDDEN, _MISSING):
                text = f'<a href="{_html.escape(href, quote=True)}">{text}</a>'
            if col in row_head_cols:
                cells.append(f'<th scope="row">{text}</th>')
            else:
                cells.append(_data_cell(text, col, pos, cols))
        rid = row_ids[pos] if row_ids is not None else None
        tr = f'<tr id="{_html.escape(rid, quote=True)}">' if rid else "<tr>"
        body.append(tr + "".join(cells) + "</tr>")
        csv_rows.append(csv_row)
    return body, csv_rows, missing_seen


def _assemble(caption, rule, head, body, footnotes, csv_rows, roles, anchor=None) -> str:
    """The ``<div class="lsp-table">``: the table, its footnotes and the carriers of its CSV files."""
    table_inner = (
        f"<caption>{_html.escape(caption.strip())}</caption>"
        f"<thead><tr>{''.join(head)}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody>"
    )
    table_id = (
        _html.escape(anchor, quote=True)
        if anchor
        else ("tbl-" + hashlib.sha1(table_inner.encode("utf-8")).hexdigest()[:10])
    )
    described = f' aria-describedby="{table_id}-notes"' if footnotes else ""
    csv_data = _csv_bytes(csv_rows)
    csv_name = _csv_name(caption, csv_data)
    parts = [
        f'<div class="lsp-table" id="{table_id}">',
        '<div class="lsp-table-scroll">'
        f'<table data-disclosure-rule="{rule}"{described}>{table_inner}</table></div>',
    ]
    if footnotes:
        parts.append(f'<div class="lsp-table-notes" id="{table_id}-notes">')
        parts.extend(f"<p>{_html.escape(n)}</p>" for n in footnotes)
        parts.append("</div>")
    parts.append(_carrier(csv_name, csv_data, len(csv_rows) - 1))
    if roles:
        metadata = _csv_metadata(csv_name, caption, rule, roles)
        parts.append(_carrier(csv_name + "-metadata.json", metadata, 0))
    parts.append("</div>")
    return "\n".join(parts)


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
