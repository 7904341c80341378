"""Export one executed notebook to one self-contained HTML report per audience tier.

Cell tags decide what each tier shows, so the numbers are the same in every tier (one execution):

========================  =====  =========  ===========
cell tag                  board  executive  operational
========================  =====  =========  ===========
``board``                 yes    yes        yes
``executive``             no     yes        yes
``operational``           no     no         yes
no tier tag               no     no         no
``parameters``,           no     no         no
``injected-parameters``
========================  =====  =========  ===========

No tier ever shows code inputs. Outputs are filtered before rendering: standard error (warnings), bare
values with no rich display (``Out[3]: 42``, a string returned by ``show_table``) and JavaScript or
widget outputs are dropped; HTML, Markdown, images and printed text are kept, and error tracebacks are
kept so that the publishing audit fails on them.

The page comes from the ``lsp_report`` nbconvert template in ``reporting/templates/``: no require.js, no
MathJax, no web fonts or external stylesheet; the house style and a print stylesheet are inlined and
images are data: URIs. Every page carries a Content-Security-Policy that forbids scripts and outside
requests, and its ``<main>`` goes through the allow-list sanitiser
(:func:`lsp_research.reporting.sanitise.clean_html`), so markup from data cannot be active. After rendering, headings are renumbered so that the page has one ``<h1>`` (the
report title) and no level is skipped (cells dropped from a tier can leave gaps), every heading gets a
unique id, and a table of contents is built from them. ``{{ place }}`` in a Markdown cell becomes the
name of the place the project reports on (:func:`lsp_research.config.place`), so a notebook's headings
need not name it. A provenance footer
(:mod:`lsp_research.reporting.provenance`) closes every page.

Examples
--------
>>> import nbformat
>>> nb = nbformat.v4.new_notebook()
>>> nb.cells = [
...     nbformat.v4.new_code_cell("period = 'latest'", id="p", metadata={"tags": ["parameters"]}),
...     nbformat.v4.new_markdown_cell("## Headline", id="a", metadata={"tags": ["board"]}),
...     nbformat.v4.new_markdown_cell("## Detail", id="b", metadata={"tags": ["operational"]}),
... ]
>>> [c.id for c in select_cells(nb, "board").cells], [c.id for c in select_cells(nb, "operational").cells]
(['a'], ['a', 'b'])
>>> prov = {"code_version": "git 0", "lock_sha256": None, "data": [], "stale": [], "synthetic": False,
...         "generated": "2010-01-01T00:00:00Z"}
>>> html = render_tier(nb, "board", {"title": "Demo", "period": "2009Q3", "provenance": prov})
>>> html.startswith("<!DOCTYPE html>") and '<html lang="en-GB">' in html
True
>>> "Headline" in html, "Detail" in html, "period = " in html
(True, False, False)
"""

from __future__ import annotations

import copy
import html as _html
import posixpath
import re
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import nbformat

from .. import __version__, config
from ..errors import ParameterError, PeriodError
from ..periods import Quarter
from ..tables import extract_files
from . import provenance as _prov
from .pages import render
from .sanitise import CSP_META, clean_html, md_escape

__all__ = [
    "HIDDEN_TAGS",
    "TEMPLATES_DIR",
    "TIERS",
    "cell_tiers",
    "data_files",
    "export_tiers",
    "house_css",
    "normalise_headings",
    "render_tier",
    "select_cells",
    "toc_html",
]

#: Audience tiers, from the shortest report to the fullest.
TIERS = ("board", "executive", "operational")
_LEVEL = {t: i for i, t in enumerate(TIERS)}
#: Cells with these tags never appear in any tier.
HIDDEN_TAGS = frozenset({"parameters", "injected-parameters"})
#: Folder of the nbconvert templates shipped with the package.
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "lsp_report"
ORGANISATION = f"{config.LAD_NAME} Partnership"

_KEEP_MIME = (
    "text/html",
    "text/markdown",
    "image/svg+xml",
    "image/png",
    "image/jpeg",
    "text/plain",
)
_MPL_REPR = re.compile(r"^<(Figure|Axes|matplotlib)[ .]")
_HEADING = re.compile(r"<h([1-6])((?:\s[^>]*)?)>(.*?)</h\1\s*>", re.DOTALL | re.IGNORECASE)
_ID_ATTR = re.compile(r"""\sid\s*=\s*(["'])(.*?)\1""", re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")
TOC_MARKER = "<!--lsp-toc-->"


def _check_tier(tier: str) -> str:
    if tier not in _LEVEL:
        raise ParameterError(
            f"tier: {tier!r} is not an audience tier; use one of {', '.join(TIERS)}"
        )
    return tier


def house_css() -> str:
    """The house style sheet (screen and print), inlined into every page."""
    return (TEMPLATES_DIR / TEMPLATE_NAME / "house.css").read_text(encoding="utf-8")


def cell_tiers(cell) -> set[str]:
    """The tiers in which a cell appears, from its tags.

    >>> cell_tiers({"metadata": {"tags": ["executive"]}}) == {"executive", "operational"}
    True
    >>> cell_tiers({"metadata": {"tags": ["board", "parameters"]}}), cell_tiers({"metadata": {}})
    (set(), set())
    """
    tags = set((cell.get("metadata") or {}).get("tags") or [])
    if tags & HIDDEN_TAGS:
        return set()
    shown: set[str] = set()
    for tag in tags & set(TIERS):
        shown.update(TIERS[_LEVEL[tag] :])
    return shown


def _keep_output(out) -> Any | None:
    kind = out.get("output_type")
    if kind == "stream":
        return out if out.get("name") == "stdout" and out.get("text") else None
    if kind == "error":
        return out
    if kind not in ("display_data", "execute_result"):
        return None
    data = out.get("data") or {}
    mime = next((m for m in _KEEP_MIME if m in data), None)
    if mime is None:
        return None
    if mime == "text/plain":
        text = data["text/plain"]
        text = "".join(text) if isinstance(text, list) else str(text)
        if kind == "execute_result" or _MPL_REPR.match(text.strip()):
            return None
    new = copy.deepcopy(out)
    new["data"] = {mime: data[mime]}
    new["metadata"] = {k: v for k, v in (out.get("metadata") or {}).items() if k == mime}
    if kind == "execute_result":
        new["execution_count"] = None
    return new


def place_markdown(source: str) -> str:
    """Markdown with ``{{ place }}`` replaced by the place's name (Markdown-escaped).

    >>> place_markdown("## Key indicators against {{ place }}") == f"## Key indicators against {config.LAD_NAME}"
    True
    """
    return source.replace("{{ place }}", md_escape(config.LAD_NAME)) if "{{" in source else source


def select_cells(nb, tier: str):
    """A clean copy of ``nb`` holding only what ``tier`` shows.

    Code cells lose their source (inputs are never published) and keep only publishable outputs; cells
    with nothing left to show are dropped; notebook and cell metadata (tags, papermill timings, kernel
    details) are dropped so that they cannot leak into the page.
    """
    _check_tier(tier)
    clean = nbformat.v4.new_notebook()
    clean.metadata = nbformat.NotebookNode({"language_info": {"name": "python"}})
    for i, cell in enumerate(nb.cells):
        if tier not in cell_tiers(cell):
            continue
        cid = cell.get("id") or f"cell-{i}"
        if cell.cell_type == "markdown":
            if cell.source.strip():
                new = nbformat.v4.new_markdown_cell(place_markdown(cell.source), id=cid)
                if cell.get("attachments"):
                    new["attachments"] = copy.deepcopy(cell["attachments"])
                clean.cells.append(new)
        elif cell.cell_type == "code":
            outputs = [o for o in (_keep_output(o) for o in cell.get("outputs", [])) if o]
            if outputs:
                new = nbformat.v4.new_code_cell("", id=cid)
                new.outputs = [nbformat.from_dict(o) for o in outputs]
                clean.cells.append(new)
    return clean


def _text(fragment: str) -> str:
    return re.sub(r"\s+", " ", _html.unescape(_TAGS.sub("", fragment))).strip()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def normalise_headings(
    body: str, title: str | None = None
) -> tuple[str, list[tuple[int, str, str]]]:
    """Renumber headings under one page title and give each a unique id.

    The shallowest heading in ``body`` becomes ``<h2>``, no level is skipped, a first heading that
    repeats ``title`` is removed, and duplicate or missing ids are replaced.

    Returns the new HTML and the ``(level, id, text)`` of every heading, for the table of contents.

    >>> html, toc = normalise_headings('<h1>Report</h1><h1 id="a">A</h1><h4>B</h4><h2>C</h2>', "Report")
    >>> html
    '<h2 id="a">A</h2><h3 id="b">B</h3><h3 id="c">C</h3>'
    >>> toc
    [(2, 'a', 'A'), (3, 'b', 'B'), (3, 'c', 'C')]
    """
    found = list(_HEADING.finditer(body))
    if not found:
        return body, []
    drop_first = bool(title) and _text(found[0].group(3)).casefold() == title.strip().casefold()
    kept = found[1:] if drop_first else found
    top = min((int(m.group(1)) for m in kept), default=2)
    used: set[str] = {"top", "content", "provenance", "how-this-report-was-made", "contents"}
    toc: list[tuple[int, str, str]] = []
    out: list[str] = []
    pos = 0
    prev = 1
    for k, m in enumerate(found):
        out.append(body[pos : m.start()])
        pos = m.end()
        if k == 0 and drop_first:
            continue
        level = min(max(2, int(m.group(1)) - top + 2), prev + 1, 6)
        prev = level
        attrs, inner = m.group(2) or "", m.group(3)
        text = _text(inner)
        idm = _ID_ATTR.search(attrs)
        hid = idm.group(2) if idm else ""
        attrs = _ID_ATTR.sub("", attrs)
        if not hid or hid in used:
            base = _slug(hid or text)
            hid, n = base, 2
            while hid in used:
                hid, n = f"{base}-{n}", n + 1
        used.add(hid)
        toc.append((level, hid, text))
        out.append(f'<h{level} id="{_html.escape(hid, quote=True)}"{attrs}>{inner}</h{level}>')
    out.append(body[pos:])
    return "".join(out), toc


def toc_html(
    entries: Iterable[tuple[int, str, str]], *, extra: Iterable[tuple[str, str]] = ()
) -> str:
    """A table of contents (``<nav>`` with nested ordered lists) of level-2 and level-3 headings.

    >>> toc_html([(2, "a", "A"), (3, "b", "B"), (2, "c", "C")])
    '<nav class="lsp-toc" aria-labelledby="contents"><h2 id="contents">Contents</h2><ol><li><a href="#a">A</a><ol><li><a href="#b">B</a></li></ol></li><li><a href="#c">C</a></li></ol></nav>'
    """
    items: list[tuple[str, str, list]] = []
    for level, hid, text in entries:
        if level == 2 or not items:
            items.append((hid, text, []))
        elif level == 3:
            items[-1][2].append((hid, text))
    items.extend((hid, text, []) for hid, text in extra)
    return render("toc.html.j2", items=items)


_CAPTION = re.compile(r"<(figcaption|caption)\b[^>]*>", re.IGNORECASE)
_NUMBER = re.compile(r'<span class="lsp-num">((?:Figure|Table) \d+):</span>')
_XREF = re.compile(
    r'<a\b(?=[^>]*\s(?:class="lsp-xref"|title="cross-reference"))[^>]*\shref="#([^"]+)"[^>]*>'
    r"(.*?)</a>",
    re.DOTALL,
)


def number_figures_and_tables(body: str) -> str:
    """Number the figures and tables of a page in text ("Figure 2: ...", "Table 3: ..."), so the
    numbers are in copied text, and fill in the cross-references to them.

    A cross-reference is a link of class ``lsp-xref`` to an anchor (in Markdown, where raw HTML does
    not survive the notebook's renderer, a link titled ``cross-reference``:
    ``[the table](#anchor "cross-reference")``): its words become the number of the first figure or
    table at or after that anchor (a link to an anchor with nothing numbered after it keeps its words).

    >>> html = ('<p>See <a class="lsp-xref" href="#t">the table below</a>.</p>'
    ...         '<figure><img alt="x"/><figcaption>Trend.</figcaption></figure>'
    ...         '<div id="t"><table><caption>Counts</caption></table></div>')
    >>> print(number_figures_and_tables(html))  # doctest: +NORMALIZE_WHITESPACE
    <p>See <a class="lsp-xref" href="#t">Table 1</a>.</p><figure><img alt="x"/><figcaption><span
    class="lsp-num">Figure 1:</span> Trend.</figcaption></figure><div id="t"><table><caption><span
    class="lsp-num">Table 1:</span> Counts</caption></table></div>
    """
    seen = {"figcaption": 0, "caption": 0}

    def number(m: re.Match) -> str:
        kind = m.group(1).lower()
        seen[kind] += 1
        word = "Figure" if kind == "figcaption" else "Table"
        return f'{m.group(0)}<span class="lsp-num">{word} {seen[kind]}:</span> '

    html = _CAPTION.sub(number, body)

    def xref(m: re.Match) -> str:
        target = re.search(rf'\sid="{re.escape(m.group(1))}"', html)
        found = _NUMBER.search(html, target.end()) if target else None
        if not found:
            return m.group(0)
        return m.group(0)[: m.start(2) - m.start(0)] + found.group(1) + "</a>"

    return _XREF.sub(xref, html)


def _first_h1(nb) -> str | None:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = re.search(r"^#\s+(.+?)\s*#*\s*$", cell.source, re.MULTILINE)
            if m:
                return m.group(1).strip()
    return None


def display_period(period: str | None) -> str | None:
    if not period:
        return None
    try:
        return Quarter.parse(str(period)).label
    except PeriodError:
        return str(period)


_LOCAL = threading.local()


def _exporter():
    """One nbconvert exporter per thread (compiling the template takes a while)."""
    exporter = getattr(_LOCAL, "exporter", None)
    if exporter is None:
        exporter = _LOCAL.exporter = _new_exporter()
    return exporter


def _new_exporter():
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATES_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_anchor_links=True,
        embed_images=True,
        # nbconvert's own sanitiser (bleach, deprecated) would strip the tables' audit markers; the
        # rendered <main> goes through clean_html (nh3, an allow-list) instead, in render_tier
        sanitize_html=False,
    )


def _context(nb, context: Mapping | None) -> dict:
    ctx = dict(context or {})
    pm = (nb.get("metadata") or {}).get("papermill") or {}
    params = ctx.get("parameters")
    if params is None:
        params = dict(pm.get("parameters") or {})
    ctx["parameters"] = dict(params)
    ctx.setdefault("name", Path(str(pm.get("input_path") or "report")).stem)
    ctx.setdefault("slug", ctx["name"])
    ctx.setdefault("period", ctx["parameters"].get("period"))
    ctx.setdefault("title", _first_h1(nb) or str(ctx["name"]).replace("_", " ").capitalize())
    return ctx


def provenance_href(ctx: Mapping) -> str | None:
    """The link from a page to its period's provenance page: ``ctx["provenance_href"]``, else beside
    the index (``index_href``); None for a page outside a period (a preview).

    >>> provenance_href({"index_href": "../../index.html"}), provenance_href({})
    ('../../provenance.html', None)
    """
    if ctx.get("provenance_href"):
        return str(ctx["provenance_href"])
    if not ctx.get("index_href"):
        return None
    return posixpath.join(posixpath.dirname(str(ctx["index_href"])), "provenance.html")


def _footer(prov: Mapping, ctx: Mapping, tier: str, period_label: str | None) -> str:
    """The provenance at the end of a page: on the Board's pages one small-print line linking to the
    period's provenance page (when there is one); on the others the full footer.
    """
    notebook = f"notebooks/{ctx['name']}.ipynb"
    href = provenance_href(ctx)
    if tier == "board" and href:
        return _prov.render_footer_line(prov, href=href, period=period_label, notebook=notebook)
    return _prov.render_footer(prov, parameters=ctx["parameters"], period=period_label, tier=tier,
                               notebook=notebook, over=ctx.get("over"))  # fmt: skip


def render_tier(nb, tier: str, context: Mapping | None = None, *, exporter=None,
                siblings: Mapping[str, str] | None = None) -> str:  # fmt: skip
    """Render the HTML page of one tier of an executed notebook.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The executed notebook.
    tier : {"board", "executive", "operational"}
    context : dict, optional
        See :func:`export_tiers`.
    exporter : nbconvert.HTMLExporter, optional
        Reuse an exporter across calls.
    siblings : dict, optional
        ``{tier: relative href}`` of the other tiers of the same report, linked from the page.
    """
    _check_tier(tier)
    ctx = _context(nb, context)
    prov = _prov.for_period(
        ctx.get("provenance") or _prov.collect(period=ctx.get("period")), ctx.get("period")
    )
    period_label = ctx.get("period_label") or display_period(ctx.get("period"))
    over = ctx.get("over")  # who reads each tier depends on what the report is about
    subtitle = " · ".join(
        str(p) for p in (_prov.audience(tier, over), period_label, ctx.get("parameter_set")) if p
    )
    nav = []  # (href, text) of the links under the title, rendered by the template
    if ctx.get("index_href"):
        nav.append((str(ctx["index_href"]), "All reports for this period"))
    nav += [
        (href, f"The version for {_prov.readers(o, over)}")
        for o, href in (siblings or {}).items()
        if o != tier
    ]
    meta = [("lsp-tier", tier), ("lsp-notebook", str(ctx["name"]))]
    if ctx.get("period"):
        meta.append(("lsp-period", str(ctx["period"])))
    title = str(ctx["title"])
    resources = {
        "lsp": {
            "version": __version__,
            "title": title,
            "page_title": " – ".join(
                str(p) for p in (title, f"for {_prov.readers(tier, over)}", period_label) if p
            ),
            "subtitle": subtitle,
            "tier": tier,
            "organisation": ctx.get("organisation", ORGANISATION),
            "meta": meta,
            "csp_meta": CSP_META,
            "css": house_css(),
            "banner": _prov.render_banner(prov) + _prov.render_reach(ctx),
            "nav": nav,
            "toc_marker": TOC_MARKER,
            "footer": _footer(prov, ctx, tier, period_label),
        }
    }
    exporter = exporter or _exporter()
    page, _ = exporter.from_notebook_node(select_cells(nb, tier), resources=resources)
    start = page.index('<main id="content">') + len('<main id="content">')
    end = page.rindex("</main>")
    first = _HEADING.search(page, start, end)
    if first and first.group(1) == "1":
        text = _text(first.group(3))
        if text.casefold().startswith(title.casefold()) and len(text) > len(title):
            # the notebook names the page more precisely ("Ward profile: Hendon"): use its heading
            old_page_title = resources["lsp"]["page_title"]
            new_page_title = old_page_title.replace(title, text, 1)
            for a, b in ((old_page_title, new_page_title), (title, text)):
                a, b = _html.escape(a, quote=False), _html.escape(b, quote=False)
                page = page.replace(f"<title>{a}</title>", f"<title>{b}</title>", 1)
                page = page.replace(f'<h1 id="top">{a}</h1>', f'<h1 id="top">{b}</h1>', 1)
            title = text
            start = page.index('<main id="content">') + len('<main id="content">')
            end = page.rindex("</main>")
    main, toc = normalise_headings(clean_html(extract_files(page[start:end])[0]), title)
    main = number_figures_and_tables(main)
    main = re.sub(r'<div class="lsp-cell lsp-text">\s*</div>', "", main)
    main = re.sub(r"\n\s*\n+", "\n", main)
    nav_html = toc_html(toc, extra=[("how-this-report-was-made", "How this report was made")])
    page = page[:start] + main + page[end:]
    page = page.replace(TOC_MARKER, nav_html, 1)
    page = "\n".join(line.rstrip() for line in page.splitlines()).strip() + "\n"
    return page


def export_tiers(nb, tiers: Iterable[str], out_dir, context: Mapping | None = None) -> list[Path]:
    """Write one self-contained HTML file per tier from one executed notebook.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The executed notebook (e.g. papermill's output, read with ``nbformat.read``).
    tiers : list of str
        Tiers to export, from ``("board", "executive", "operational")``.
    out_dir : path
        Folder to write to (created if missing). Files are named ``<slug>-<tier>.html``.
    context : dict, optional
        What the page says about itself. Keys (all optional):

        ``name``
            notebook name (default: from papermill metadata), e.g. ``"performance"``;
        ``slug``
            file-name stem (default ``name``), e.g. ``"ward-profile-E05001153"``;
        ``title``
            report title (default: the notebook's first ``#`` heading);
        ``parameters``
            the run's parameters (default: papermill's record in the notebook metadata);
        ``period`` / ``period_label``
            the period (default: ``parameters["period"]``) and its label (default from
            :class:`lsp_research.periods.Quarter`);
        ``parameter_set``
            label of the parameter set, shown under the title;
        ``index_href``
            relative link to the period's index page;
        ``provenance_href``
            relative link to the period's provenance page (default: beside the index), which the
            Board's pages link to instead of carrying the provenance tables;
        ``provenance``
            the dict from :func:`lsp_research.reporting.provenance.collect` (computed when absent;
            pass it to avoid recomputing it for every notebook of a run).

    Returns
    -------
    list of pathlib.Path
        The files written, in the order of ``tiers``.
    """
    tiers = [_check_tier(t) for t in tiers]
    if len(set(tiers)) != len(tiers):
        raise ParameterError(f"tiers: each tier once, got {tiers}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ctx = _context(nb, context)
    if not ctx.get("provenance"):
        ctx["provenance"] = _prov.collect(period=ctx.get("period"))
    slug = str(ctx["slug"])
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", slug):
        raise ParameterError(f"context['slug']: {slug!r} must be letters, digits, '.', '_' or '-'")
    names = {t: f"{slug}-{t}.html" for t in tiers}
    exporter = _exporter()
    written = []
    for tier in tiers:
        page = render_tier(nb, tier, ctx, exporter=exporter, siblings=names)
        path = out_dir / names[tier]
        path.write_bytes(page.encode("utf-8"))
        written.append(path)
    for name, data in sorted(_table_files(nb, tiers).items()):  # each table's CSV, beside its pages
        (out_dir / name).write_bytes(data)
    return written


_DATA_LINK = re.compile(r'<p class="lsp-table-download"><a href="([^"/#:]+\.csv)">')


def data_files(page) -> list[str]:
    """The files beside a published page that belong to it: the CSV of each of its tables and charts
    and each CSV's metadata (``<name>-metadata.json``) when there is one, as names in the page's
    folder (what has to move with the page, e.g. when a failed run keeps its last good version).

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "t.csv").write_text("a\\n1\\n"), (d / "t.csv-metadata.json").write_text("{}")
    >>> _ = (d / "p.html").write_text('<p class="lsp-table-download"><a href="t.csv">Download</a></p>')
    >>> data_files(d / "p.html")
    ['t.csv', 't.csv-metadata.json']
    """
    page = Path(page)
    names = dict.fromkeys(_DATA_LINK.findall(page.read_text(encoding="utf-8")))
    found = []
    for name in names:
        found += [n for n in (name, name + "-metadata.json") if (page.parent / n).is_file()]
    return found


def _table_files(nb, tiers) -> dict[str, bytes]:
    """The CSV files of the tables (:func:`lsp_research.tables.extract_files`) that ``tiers`` show."""
    files: dict[str, bytes] = {}
    for cell in nb.cells:
        if set(tiers) & cell_tiers(cell):
            for out in cell.get("outputs", []):
                text = (out.get("data") or {}).get("text/html") or ""
                files.update(extract_files("".join(text) if isinstance(text, list) else text)[1])
    return files
