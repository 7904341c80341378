"""The pages beside the reports of a period: ``reports/<period>/index.html`` and ``provenance.html``.

:func:`write_index` writes the index, organised by audience: this quarter's red flags first (recorded
by the performance notebook with :func:`red_flag_record`), then the reports for the Board (the Board
report first), the management group (executive versions), the thematic partnerships (operational
versions) and the area committees (each ward's and area's profile), then every report in full for
research, one table per notebook with a row per area and a link per audience tier. It writes the
period's provenance page beside it (:func:`render_provenance`): code, dependency and data versions
once per period, which the Board's pages link to instead of carrying the tables. Both are in the
same offline house style as the reports (inline CSS, no scripts, no external resources,
``lang="en-GB"``, a table of contents), from the templates in ``reporting/templates/pages/``.

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
>>> link = 'href="performance/city/performance-board.html" aria-label="city: the version for the Board">Read</a>'
>>> path.name, link in html, '<th scope="col">For the Board</th>' in html
('index.html', True, True)
>>> "Reports for 2009-10 Q3" in html and "synthetic default data" in html
True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath

import pandas as pd

from .. import __version__
from ..errors import ParameterError
from ..tables import data_file, extract_files, show_table
from . import provenance as _prov
from .audit_rules import COUNT_HEADER, NOT_COUNT_HEADER
from .export import (
    ORGANISATION,
    TIERS,
    display_period,
    house_css,
    number_figures_and_tables,
    toc_html,
)
from .pages import Markup, render
from .sanitise import CSP_META, clean_html

__all__ = ["AUDIENCES", "red_flag_record", "render_index", "render_provenance", "write_index"]

INDEX_PAGE = "index.html"
#: The provenance page of a period, beside its index (the Board's pages link to it).
PROVENANCE_PAGE = "provenance.html"
#: Summary keys of the red flags (:func:`red_flag_record`): ``red_flags`` and ``red_flag_<rank>``.
RED_FLAG_KEY = "red_flag"
#: The audiences of the city-wide reports, in the index's order: (id, heading, intro, tier).
AUDIENCES = (
    ("board", "For the Board", "The red flags needing a decision, in a short paper.", "board"),
    ("management-group", "For the management group",
     "The exceptions and how each is being handled.", "executive"),
    ("thematic-partnerships", "For the thematic partnerships",
     "Every indicator and finding in full.", "operational"),
)  # fmt: skip
#: The version of an area's profile the area committees read, first found.
AREA_TIERS = ("executive", "board", "operational")


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

    >>> f = pd.DataFrame({"Area": ["a"], "Admissions": [3], "Rate per 1,000": [2.5],
    ...                   "Indicators": [4]})
    >>> _summary_counts(f, None), _summary_counts(f, ["Indicators"])
    (['Admissions'], ['Indicators'])
    """
    if named is not None:
        return [c for c in named if c in frame.columns]
    out = []
    for col in frame.columns:
        label = str(col)
        if not COUNT_HEADER.search(label) or NOT_COUNT_HEADER.search(label):
            continue
        values = pd.to_numeric(frame[col], errors="coerce").dropna()
        if len(values) and (values >= 0).all() and (values == values.round()).all():
            out.append(col)
    return out


def _failed(entry: Mapping) -> bool:
    return str(entry.get("status", "ok")).lower() not in ("ok", "success", "cached", "done")


def _over(items: list[Mapping]) -> str:
    """What a notebook's runs are about, for who reads them: ``city`` or ``areas`` (any other set)."""
    return (
        "city" if all(str(e.get("parameter_set") or "city") == "city" for e in items) else "areas"
    )


def _link_rows(items: list[Mapping], tiers_used: list[str], period_dir: Path) -> list[dict]:
    """The rows of a notebook's table of links: one per parameter set, a cell per tier (the column
    names its readers; each link reads "Read" and says whose version it is to a screen reader).
    """
    rows = []
    over = _over(items)
    for e in items:
        files = _entry_files(e)
        failed = _failed(e)
        made = str(e.get("last_good") or "")[:10]  # a failed run's earlier good pages, by date
        cells = []
        for t in tiers_used:
            if t in files and (not failed or made):
                note = f" (last good version, made {made})" if failed else ""
                href = _href(files[t], period_dir)
                label = e.get("label") or e.get("parameter_set") or "all"
                aria = f"{label}: the version for {_prov.readers(t, over)}"
                cells.append({"href": href, "text": "Read", "aria": aria, "note": note})
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
    summaries = [(e, _figures(e.get("summary"))) for e in items]
    summaries = [(e, s) for e, s in summaries if s]
    if not summaries:
        return ""
    frame = pd.DataFrame(
        [
            {"Area": str(e.get("label") or e.get("parameter_set") or "all"), **s}
            for e, s in summaries
        ]
    )
    named = context.get("summary_counts")
    names = {c: _pretty(c) for c in frame.columns}
    frame = frame.rename(columns=names)
    counts = _summary_counts(frame, None if named is None else [names.get(c, c) for c in named])
    return show_table(frame, f"{title}: summary by area", counts=counts, display=False)


def _title(notebook: str, items: list[Mapping]) -> str:
    return (
        next((e.get("title") for e in items if e.get("title")), None)
        or notebook.replace("_", " ").capitalize()
    )


def _links_file(title: str, tiers: list[str], rows: list[dict], any_failed: bool) -> str:
    """The carrier of the CSV of a notebook's table of links: a line per area, the file of each
    audience's version (or why there is none) and, when a run failed, its state this quarter.
    """
    lines = []
    for row in rows:
        line = {"Area": row["label"]}
        line.update({t: c.get("href", c["text"]) for t, c in zip(tiers, row["cells"], strict=True)})
        if any_failed:
            line["This quarter"] = row["state"] or "updated"
        lines.append(line)
    columns = ["Area", *tiers] + (["This quarter"] if any_failed else [])
    return data_file(
        pd.DataFrame(lines, columns=columns), f"{title}: reports by area and audience"
    )[1]


def _report_section(notebook: str, items: list[Mapping], period_dir: Path, context: Mapping) -> str:
    title = _title(notebook, items)
    tiers_used = [t for t in TIERS if any(t in _entry_files(e) for e in items)]
    tiers = [_prov.audience(t, _over(items)) for t in tiers_used]
    any_failed = any(_failed(e) for e in items)
    rows = _link_rows(items, tiers_used, period_dir)
    return render(
        "index_section.html.j2",
        heading_id="nb-" + "".join(ch if ch.isalnum() else "-" for ch in notebook.lower()),
        title=title,
        reach=_reach_line(items, context.get("period")),
        tiers=tiers,
        any_failed=any_failed,
        rows=rows,
        links_file=Markup(_links_file(title, tiers, rows, any_failed)),
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


def red_flag_record(red_flags: pd.DataFrame) -> dict:
    """What the performance notebook records for the index: how many red flags, and each one's title.

    ``red_flags`` is the meeting's ranked red flags (``rank``, ``label`` and ``title`` columns, see
    :mod:`lsp_research.performance.escalation`); pass the result to
    :func:`lsp_research.reporting.record`.

    >>> red = pd.DataFrame({"rank": [1, 2], "label": ["NI 39", "NI 8"],
    ...                     "title": ["Alcohol admissions", "Adult participation in sport"]})
    >>> red_flag_record(red)
    {'red_flags': 2, 'red_flag_1': 'NI 39 Alcohol admissions', 'red_flag_2': 'NI 8 Adult participation in sport'}
    """
    out: dict = {"red_flags": len(red_flags)}
    for r in red_flags.itertuples(index=False):
        out[f"{RED_FLAG_KEY}_{int(r.rank)}"] = f"{r.label} {r.title}"
    return out


def _figures(summary: Mapping | None) -> dict:
    """A run's recorded figures for the summary table: without the red flags (they lead the page)."""
    return {k: v for k, v in (summary or {}).items() if not str(k).startswith(RED_FLAG_KEY)}


def _red_flags(entries: list[Mapping], period_dir: Path) -> dict:
    """The quarter's red flags, from the run that recorded them (:func:`red_flag_record`)."""
    found = next((e for e in entries if "red_flags" in (e.get("summary") or {})), None)
    if found is None:
        return {
            "intro": "No report recorded red flags for this period.",
            "titles": [],
            "href": None,
        }
    summary = found["summary"]
    n = int(summary.get("red_flags") or 0)
    board = _entry_files(found).get("board")
    href = (
        _href(board, period_dir)
        if board and (not _failed(found) or found.get("last_good"))
        else None
    )
    if n == 0:
        intro = "No red flags this quarter: no indicator needs a decision by the Board."
    else:
        intro = (
            f"{n} red flag{'s' if n != 1 else ''} for the Board this quarter, most severe first."
        )
    titles = [
        summary[f"{RED_FLAG_KEY}_{i}"] for i in range(1, n + 1) if f"{RED_FLAG_KEY}_{i}" in summary
    ]
    return {"intro": intro, "titles": titles, "href": href}


def _link(title: str, entry: Mapping, tier: str, period_dir: Path) -> dict | None:
    """One link of an audience's list, or None when the run made no page for that audience."""
    files = _entry_files(entry)
    made = str(entry.get("last_good") or "")[:10]
    if _failed(entry):
        if tier in files and made:
            note = f" (last good version, made {made}: not updated this quarter)"
            return {"text": title, "href": _href(files[tier], period_dir), "note": note}
        return {"text": f"{title}: not published this quarter (failed, see the run log)",
                "href": None, "note": ""}  # fmt: skip
    if tier not in files:
        return None
    return {"text": title, "href": _href(files[tier], period_dir), "note": ""}


def _audiences(by_nb: Mapping[str, list[Mapping]], period_dir: Path) -> list[dict]:
    """The reports by audience: the Board, the management group and the thematic partnerships read
    the city-wide reports (board, executive and operational versions, the Board report first); the
    area committees read each area's profile.
    """
    city = sorted(
        ((_title(nb, items), e) for nb, items in by_nb.items() for e in items if _is_city(e)),
        key=lambda te: ("board" not in _entry_files(te[1]), te[0].casefold()),
    )
    out = []
    for aid, heading, intro, tier in AUDIENCES:
        links = [lk for title, e in city if (lk := _link(title, e, tier, period_dir))]
        out.append(
            {"id": aid, "heading": heading, "intro": intro,
             "groups": [{"heading": None, "links": links}] if links else []}
        )  # fmt: skip
    groups = []
    for nb in sorted(by_nb):
        areas = [e for e in by_nb[nb] if not _is_city(e)]
        links = []
        for e in areas:
            tier = next((t for t in AREA_TIERS if t in _entry_files(e)), "executive")
            label = str(e.get("label") or e.get("parameter_set"))
            links.append(
                _link(label, e, tier, period_dir) or {"text": label, "href": None, "note": ""}
            )
        if links:
            heading_id = "areas-" + "".join(ch if ch.isalnum() else "-" for ch in nb.lower())
            groups.append({"id": heading_id, "heading": _title(nb, areas), "links": links})
    out.append({"id": "area-committees", "heading": "For area committees", "groups": groups,
                "intro": "The profile of each ward and each area committee area, for its members."})  # fmt: skip
    return out


def _is_city(entry: Mapping) -> bool:
    return str(entry.get("parameter_set") or "city") == "city"


def render_index(period_dir, entries: Iterable[Mapping], context: Mapping | None = None) -> str:
    """The index page as HTML (see :func:`write_index`, which also writes its tables' CSVs)."""
    return _index_page(period_dir, entries, context)[0]


def _index_page(
    period_dir, entries: Iterable[Mapping], context: Mapping | None = None
) -> tuple[str, dict[str, bytes]]:
    """The index page and the CSV (and metadata) files of its tables, ``{name: bytes}``: each table's
    download link points at a file written beside the page.
    """
    period_dir = Path(period_dir)
    ctx = dict(context or {})
    period = ctx.get("period") or period_dir.name
    prov = _prov.for_period(ctx.get("provenance") or _prov.collect(period=period), period)
    label = ctx.get("period_label") or display_period(period)
    title = ctx.get("title") or f"Reports for {label}"
    entries = list(entries)
    by_nb: dict[str, list[Mapping]] = {}
    for e in entries:
        nb = str(e.get("notebook") or e.get("name") or "report")
        by_nb.setdefault(nb, []).append(e)

    audiences = _audiences(by_nb, period_dir)
    toc = [(2, "red-flags", "This quarter's red flags")]
    toc += [(2, a["id"], a["heading"]) for a in audiences] + [
        (2, "research", "For research and analysis")
    ]
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
        red_flags=_red_flags(entries, period_dir),
        audiences=audiences,
        n_runs=len(entries),
        sections=[Markup(_report_section(nb, by_nb[nb], period_dir, ctx)) for nb in sorted(by_nb)],
        hooks=[{"id": sid, "heading": h, "html": Markup(html)} for sid, h, html in hooks],
        links=links,
    )
    body_html, files = extract_files(body_html)
    page = _page(
        "index",
        period,
        title,
        "Index of published reports",
        "Skip to the list of reports",
        banner=_prov.render_banner(prov),
        nav=toc_html(toc, extra=[("how-this-report-was-made", "How these reports were made")]),
        body=number_figures_and_tables(clean_html(body_html)),
        footer=_prov.render_footer_line(prov, href=PROVENANCE_PAGE, period=label),
    )
    return page, files


def _page(tier: str, period: str, title: str, subtitle: str, skip: str, **html: str) -> str:
    """A page of the period from ``page.html.j2``; ``html`` (banner, nav, body, footer) is markup."""
    page = render(
        "page.html.j2",
        csp_meta=Markup(CSP_META),
        version=__version__,
        tier=tier,
        period=period,
        title=title,
        subtitle=subtitle,
        skip=skip,
        organisation=ORGANISATION,
        css=Markup(house_css()),
        **{k: Markup(v) for k, v in html.items()},
    )
    return "\n".join(line.rstrip() for line in page.splitlines()) + "\n"


def render_provenance(period_dir, context: Mapping | None = None) -> str:
    """The provenance page of a period (``provenance.html``): how every report of it was made (code,
    dependency and data versions, data freshness); the Board's pages link to it instead of carrying
    the tables.
    """
    period_dir = Path(period_dir)
    ctx = dict(context or {})
    period = ctx.get("period") or period_dir.name
    prov = _prov.for_period(ctx.get("provenance") or _prov.collect(period=period), period)
    label = ctx.get("period_label") or display_period(period)
    body = render("provenance_body.html.j2", period=label, index=INDEX_PAGE)
    return _page(
        "provenance",
        period,
        f"How the reports for {label} were made",
        "Provenance of the published reports",
        "Skip to the provenance",
        banner=_prov.render_banner(prov),
        nav=toc_html([], extra=[("how-this-report-was-made", "How these reports were made")]),
        body=clean_html(body),
        footer=_prov.render_footer(prov, period=label, heading="How these reports were made"),
    )


def write_index(period_dir, entries: Iterable[Mapping], context: Mapping | None = None) -> Path:
    """Write ``<period_dir>/index.html`` linking every report of the period, the CSV of each of its
    tables (the links by area and audience, the summaries and league tables, disclosure-controlled as
    shown) and the period's provenance page ``provenance.html`` beside it.

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
    html, files = _index_page(period_dir, list(entries), context)
    for name, data in sorted(files.items()):  # the CSV of each of the index's own tables
        (period_dir / name).write_bytes(data)
    (period_dir / PROVENANCE_PAGE).write_bytes(
        render_provenance(period_dir, context).encode("utf-8")
    )
    path = period_dir / INDEX_PAGE
    path.write_bytes(html.encode("utf-8"))
    return path
