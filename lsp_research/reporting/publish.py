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

from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath

import pandas as pd

from .. import __version__
from ..errors import ParameterError
from ..tables import show_table
from . import provenance as _prov
from .export import ORGANISATION, TIERS, _period_label, house_css, toc_html
from .pages import Markup, render
from .sanitise import CSP_META, clean_html

__all__ = ["write_index", "render_index"]


def _href(target, period_dir: Path) -> str:
    """A relative POSIX link from the index to ``target`` (a path inside the period folder)."""
    p = Path(str(target))
    if p.is_absolute():
        try:
            p = p.resolve().relative_to(period_dir.resolve())
        except ValueError:
            raise ParameterError(
                f"entries: {p.name!r} is not inside the period folder; reports must be published "
                "beside their index"
            ) from None
    rel = PurePosixPath(*p.parts)
    if rel.is_absolute() or ".." in rel.parts:
        raise ParameterError(f"entries: link {str(rel)!r} must stay inside the period folder")
    return str(rel)


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


def _failed(entry: Mapping) -> bool:
    return str(entry.get("status", "ok")).lower() not in ("ok", "success", "cached", "done")


def _link_rows(items: list[Mapping], tiers_used: list[str], period_dir: Path) -> list[dict]:
    """The rows of a notebook's table of links: one per parameter set, a cell per tier."""
    rows = []
    for e in items:
        files = _entry_files(e)
        failed = _failed(e)
        made = str(e.get("last_good") or "")[:10]  # a failed run's earlier good pages, by date
        cells = []
        for t in tiers_used:
            if t in files and (not failed or made):
                note = f" (last good version, made {made})" if failed else ""
                href = _href(files[t], period_dir)
                cells.append({"href": href, "tier": t.capitalize(), "note": note})
            elif failed:
                cells.append({"text": "not published"})
            else:
                cells.append({"text": "not produced for this audience"})
        state = ""
        if failed:
            reason = f" ({e['reason']})" if e.get("reason") else ""
            when = "not updated this quarter" if made else "not published this quarter"
            state = f"{when}: failed, see the run log{reason}"
        label = e.get("label") or e.get("parameter_set") or "all"
        rows.append({"label": label, "cells": cells, "state": state})
    return rows


def _summary_table(title: str, items: list[Mapping], context: Mapping) -> str:
    """The headline figures of a notebook's runs as one disclosure-controlled table, or ``""``."""
    summaries = [(e, e.get("summary")) for e in items if e.get("summary")]
    if not summaries:
        return ""
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
    return show_table(frame, f"{title}: summary by parameter set", counts=counts, display=False)


def _report_section(notebook: str, items: list[Mapping], period_dir: Path, context: Mapping) -> str:
    title = (
        next((e.get("title") for e in items if e.get("title")), None)
        or notebook.replace("_", " ").capitalize()
    )
    tiers_used = [t for t in TIERS if any(t in _entry_files(e) for e in items)]
    return render(
        "index_section.html.j2",
        heading_id="nb-" + "".join(ch if ch.isalnum() else "-" for ch in notebook.lower()),
        title=title,
        reach=_reach_line(items, context.get("period")),
        tiers=[t.capitalize() for t in tiers_used],
        any_failed=any(_failed(e) for e in items),
        rows=_link_rows(items, tiers_used, period_dir),
        summary_table=Markup(_summary_table(title, items, context)),
    )


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

    toc = [(2, "reports", "Reports")]
    hooks = []
    if ctx.get("ward_map"):
        hooks.append(("ward-map", "Ward map", ctx["ward_map"]))
    if ctx.get("league_table"):
        hooks.append(("league-table", "League table", ctx["league_table"]))
    for i, s in enumerate(ctx.get("sections") or []):
        hooks.append((s.get("id") or f"section-{i + 1}", s["heading"], s["html"]))
    toc += [(2, sid, heading) for sid, heading, _ in hooks]
    links = ctx.get("links") or []
    if links:
        toc.append((2, "other-files", "Other files"))
    body_html = render(
        "index_body.html.j2",
        n_runs=sum(len(v) for v in by_nb.values()),
        sections=[Markup(_report_section(nb, by_nb[nb], period_dir, ctx)) for nb in sorted(by_nb)],
        hooks=[{"id": sid, "heading": h, "html": Markup(html)} for sid, h, html in hooks],
        links=links,
    )
    page = render(
        "index_page.html.j2",
        csp_meta=Markup(CSP_META),
        version=__version__,
        period=period,
        title=title,
        organisation=ORGANISATION,
        css=Markup(house_css()),
        banner=Markup(_prov.render_banner(prov)),
        nav=Markup(toc_html(toc, extra=[("how-this-report-was-made", "How this report was made")])),
        body=Markup(clean_html(body_html)),
        footer=Markup(_prov.render_footer(prov, parameters=None, period=label)),
    )
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
        works), ``status`` (``"ok"`` by default; anything else is a failed run, listed as not updated
        this quarter), ``reason`` (a failed run's reason, safe to publish), ``last_good`` (when a
        failed run's pages in ``files`` were made: the last good version, still published) and
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
