"""The index page of a period: ``reports/<period>/index.html``.

:func:`write_index` lists every report of the period, one table per notebook with a row per parameter
set and a link per audience tier, in the same offline house style as the reports (inline CSS, no scripts,
no external resources, ``lang="en-GB"``, a table of contents and a provenance footer).

Hooks for other engineers:

- an entry may carry ``summary``, a flat dict of headline figures for its parameter set (e.g. a ward's
  population and its rate); the index renders the summaries of one notebook as one table through
  :func:`lsp_research.tables.show_table`, so counts pass disclosure control: the keys named in
  ``context["summary_counts"]``, or by default every whole-number key that reads like a count
  (admissions, deaths, referrals, people, ...);
- ``context["ward_map"]`` and ``context["league_table"]`` (HTML, e.g. from
  :func:`lsp_research.plots.show` and :func:`lsp_research.tables.show_table` with ``display=False``)
  appear under the headings "Ward map" and "League table"; ``context["sections"]`` adds any further
  ``{"heading": ..., "html": ...}`` sections.

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> prov = {"code_version": "git 0", "lock_sha256": None, "data": [], "stale": [], "synthetic": True,
...         "generated": "2010-01-01T00:00:00Z"}
>>> entries = [{"notebook": "performance", "title": "Performance report", "parameter_set": "city",
...             "files": {"board": "performance/city/performance-board.html",
...                       "operational": "performance/city/performance-operational.html"}}]
>>> path = write_index(d, entries, {"period": "2009Q3", "provenance": prov})
>>> html = path.read_text(encoding="utf-8")
>>> path.name, '<a href="performance/city/performance-board.html">Board</a>' in html
('index.html', True)
>>> "Reports for 2009-10 Q3" in html and "synthetic default data" in html
True
"""

from __future__ import annotations

import html as _html
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath

import pandas as pd

from .. import __version__
from ..tables import show_table
from . import provenance as _prov
from .export import ORGANISATION, TIERS, _period_label, house_css, toc_html

__all__ = ["write_index", "render_index"]


def _href(target, period_dir: Path) -> str:
    """A relative POSIX link from the index to ``target`` (a path inside the period folder)."""
    p = Path(str(target))
    if p.is_absolute():
        try:
            p = p.resolve().relative_to(period_dir.resolve())
        except ValueError:
            raise ValueError(
                f"entries: {p.name!r} is not inside the period folder; reports must be published "
                "beside their index"
            ) from None
    rel = PurePosixPath(*p.parts)
    if rel.is_absolute() or ".." in rel.parts:
        raise ValueError(f"entries: link {str(rel)!r} must stay inside the period folder")
    return str(rel)


def _esc(text) -> str:
    return _html.escape(str(text))


def _entry_files(entry: Mapping) -> dict:
    files = entry.get("files", entry.get("tiers")) or {}
    if isinstance(files, Mapping):
        return dict(files)
    out = {}
    for f in files:  # a list of paths named <slug>-<tier>.html
        stem = Path(str(f)).stem
        tier = stem.rsplit("-", 1)[-1]
        out[tier] = f
    return out


def _pretty(key) -> str:
    """A summary key as a column header: ``"alcohol_admissions_ratio"`` -> "Alcohol admissions ratio".

    >>> _pretty("imd2007_score"), _pretty("Rate per 1,000")
    ('Imd2007 score', 'Rate per 1,000')
    """
    text = str(key)
    if "_" in text and " " not in text:
        text = text.replace("_", " ").strip()
        text = text[:1].upper() + text[1:]
    return text


def _summary_counts(frame: pd.DataFrame, named) -> list[str]:
    """The summary columns that go through disclosure control.

    ``context["summary_counts"]`` names them; without it, every whole-number column whose name reads
    like a count of people or events (the audit's test) is treated as one, so that a summary cannot
    publish a small count by accident.

    >>> f = pd.DataFrame({"Parameter set": ["a"], "Admissions": [3], "Rate per 1,000": [2.5],
    ...                   "Indicators": [4]})
    >>> _summary_counts(f, None), _summary_counts(f, ["Indicators"])
    (['Admissions'], ['Indicators'])
    """
    if named is not None:
        return [c for c in named if c in frame.columns]
    from .audit import _COUNT_HEADER, _NOT_COUNT_HEADER

    out = []
    for col in frame.columns:
        label = str(col)
        if not _COUNT_HEADER.search(label) or _NOT_COUNT_HEADER.search(label):
            continue
        values = pd.to_numeric(frame[col], errors="coerce").dropna()
        if len(values) and (values >= 0).all() and (values == values.round()).all():
            out.append(col)
    return out


def _report_section(notebook: str, items: list[Mapping], period_dir: Path, context: Mapping) -> str:
    title = (
        next((e.get("title") for e in items if e.get("title")), None)
        or notebook.replace("_", " ").capitalize()
    )
    heading_id = "nb-" + "".join(ch if ch.isalnum() else "-" for ch in notebook.lower())
    tiers_used = [t for t in TIERS if any(t in _entry_files(e) for e in items)]
    head = '<th scope="col">Parameter set</th>' + "".join(
        f'<th scope="col">{t.capitalize()} report</th>' for t in tiers_used
    )
    rows = []
    reasons = []
    for e in items:
        label = e.get("label") or e.get("parameter_set") or "all"
        files = _entry_files(e)
        cells = [f'<th scope="row">{_esc(label)}</th>']
        failed = str(e.get("status", "ok")).lower() not in ("ok", "success", "cached", "done")
        if failed and e.get("message"):
            reasons.append(f"{label}: {str(e['message']).strip().splitlines()[0]}")
        if failed and not tiers_used:
            cells.append("<td>not published: the run failed (see the run log)</td>")
        for t in tiers_used:
            if failed:
                cells.append("<td>not published: the run failed (see the run log)</td>")
            elif t in files:
                cells.append(
                    f'<td><a href="{_esc(_href(files[t], period_dir))}">{t.capitalize()}</a></td>'
                )
            else:
                cells.append("<td>not produced for this audience</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    if not tiers_used:
        head += '<th scope="col">Reports</th>'
    parts = [
        f'<section class="lsp-index-notebook" aria-labelledby="{heading_id}">',
        f'<h3 id="{heading_id}">{_esc(title)}</h3>',
    ]
    reach = _reach_line(items, context.get("period"))
    if reach:
        parts.append(f'<p class="lsp-reach">{_esc(reach)}</p>')
    parts.append(
        f'<table class="lsp-index-links"><caption>{_esc(title)}: reports by parameter set and '
        f"audience</caption><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
    if reasons:
        shown = "".join(f"<li>{_esc(r)}</li>" for r in reasons[:10])
        more = (
            f"<li>and {len(reasons) - 10} more (see the run log)</li>" if len(reasons) > 10 else ""
        )
        parts.append(f'<p>Why not published:</p><ul class="lsp-failures">{shown}{more}</ul>')
    summaries = [(e, e.get("summary")) for e in items if e.get("summary")]
    if summaries:
        frame = pd.DataFrame(
            [
                {"Parameter set": str(e.get("label") or e.get("parameter_set") or "all"), **s}
                for e, s in summaries
            ]
        )
        named = context.get("summary_counts")
        names = {c: _pretty(c) for c in frame.columns}
        frame = frame.rename(columns=names)
        counts = _summary_counts(frame, None if named is None else [names.get(c, c) for c in named])
        parts.append(
            show_table(frame, f"{title}: summary by parameter set", counts=counts, display=False)
        )
    parts.append("</section>")
    return "\n".join(parts)


def _reach_line(items: list[Mapping], period) -> str:
    """How far a notebook's data reaches, from its runs (they share their sources).

    >>> _reach_line([{"data_to": {"hospital": "2009Q4"}, "as_at": "2009Q4"}], "2010Q1")
    'Data to: hospital 2009Q4. This report is as at 2009Q4 (2009-10 Q4), the latest quarter all its sources reach; the period of this run is 2010Q1.'
    """
    from ..periods import Quarter
    from .reach import reach_text

    first = next((e for e in items if e.get("data_to")), None)
    if first is None or not period:
        return ""
    p = Quarter.parse(str(period))
    return reach_text(first["data_to"], Quarter.parse(str(first.get("as_at") or p)), p)


def render_index(period_dir, entries: Iterable[Mapping], context: Mapping | None = None) -> str:
    """The index page as HTML (see :func:`write_index`)."""
    period_dir = Path(period_dir)
    ctx = dict(context or {})
    period = ctx.get("period") or period_dir.name
    prov = _prov.for_period(ctx.get("provenance") or _prov.collect(period=period), period)
    label = ctx.get("period_label") or _period_label(period)
    title = ctx.get("title") or f"Reports for {label}"
    by_nb: dict[str, list[Mapping]] = {}
    for e in entries:
        nb = str(e.get("notebook") or e.get("name") or "report")
        by_nb.setdefault(nb, []).append(e)

    body = ['<h2 id="reports">Reports</h2>']
    if not by_nb:
        body.append("<p>No reports were published for this period.</p>")
    else:
        n = sum(len(v) for v in by_nb.values())
        body.append(
            f"<p>{n} run{'s' if n != 1 else ''} of {len(by_nb)} notebook"
            f"{'s' if len(by_nb) != 1 else ''}. Each run is published for up to three audiences: "
            "the board (red flags needing a decision), the executive management group (exceptions "
            "and their handling) and the thematic partnerships (every indicator, operational).</p>"
        )
        for nb in sorted(by_nb):
            body.append(_report_section(nb, by_nb[nb], period_dir, ctx))
    toc = [(2, "reports", "Reports")]
    sections = []
    if ctx.get("ward_map"):
        sections.append(("ward-map", "Ward map", ctx["ward_map"]))
    if ctx.get("league_table"):
        sections.append(("league-table", "League table", ctx["league_table"]))
    for i, s in enumerate(ctx.get("sections") or []):
        sections.append((s.get("id") or f"section-{i + 1}", s["heading"], s["html"]))
    for sid, heading, html in sections:
        toc.append((2, sid, heading))
        body.append(
            f'<section class="lsp-hook" aria-labelledby="{_esc(sid)}"><h2 id="{_esc(sid)}">'
            f"{_esc(heading)}</h2>\n{html}\n</section>"
        )
    links = ctx.get("links") or []
    if links:
        toc.append((2, "other-files", "Other files"))
        items = "".join(f'<li><a href="{_esc(h)}">{_esc(t)}</a></li>' for t, h in links)
        body.append(f'<h2 id="other-files">Other files</h2><ul class="lsp-index-list">{items}</ul>')

    footer = _prov.render_footer(prov, parameters=None, period=label)
    body_html = "\n".join(body)
    nav = toc_html(toc, extra=[("how-this-report-was-made", "How this report was made")])
    page = f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="lsp-research {_esc(__version__)}">
<meta name="lsp-tier" content="index">
<meta name="lsp-period" content="{_esc(period)}">
<title>{_esc(title)} – {_esc(ORGANISATION)}</title>
<link rel="icon" href="data:,">
<style>
{house_css()}
</style>
</head>
<body class="lsp-report lsp-index">
<a class="lsp-skip" href="#content">Skip to the list of reports</a>
<header class="lsp-masthead">
<p class="lsp-org">{_esc(ORGANISATION)}</p>
<h1 id="top">{_esc(title)}</h1>
<p class="lsp-subtitle">Index of published reports</p>
{_prov.render_banner(prov)}
</header>
{nav}
<main id="content">
{body_html}
</main>
{footer}
</body>
</html>
"""
    return "\n".join(line.rstrip() for line in page.splitlines()) + "\n"


def write_index(period_dir, entries: Iterable[Mapping], context: Mapping | None = None) -> Path:
    """Write ``<period_dir>/index.html`` linking every report of the period.

    Parameters
    ----------
    period_dir : path
        The period's folder (e.g. the runner's staging copy of ``reports/2009Q3``).
    entries : list of dict
        One per run: ``notebook`` (name), ``title``, ``parameter_set`` (e.g. ``"city"`` or a ward
        code), ``label`` (optional display name, e.g. the ward name), ``files`` (``{tier: path}``,
        relative to ``period_dir`` or absolute inside it; a list of ``<slug>-<tier>.html`` paths also
        works), ``status`` (``"ok"`` by default; anything else is listed as not published) and
        ``summary`` (optional dict of headline figures, see the module notes).
    context : dict, optional
        ``period``, ``period_label``, ``title``, ``provenance`` (from
        :func:`lsp_research.reporting.provenance.collect`), ``summary_counts``, ``ward_map``,
        ``league_table``, ``sections``, ``links`` (``[(text, relative href)]``, e.g. the run log).

    Returns
    -------
    pathlib.Path
        The index file.
    """
    period_dir = Path(period_dir)
    period_dir.mkdir(parents=True, exist_ok=True)
    html = render_index(period_dir, list(entries), context)
    path = period_dir / "index.html"
    path.write_bytes(html.encode("utf-8"))
    return path
