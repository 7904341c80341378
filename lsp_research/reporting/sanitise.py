"""The allow-list HTML sanitiser and the Content-Security-Policy of every published page.

Text from data (ward, area committee and centre names, indicator titles, owners, notes) reaches a page
in two ways: through code that escapes it (``html.escape`` in :mod:`lsp_research.tables`, the templates'
``| e``), and inside Markdown or HTML that a notebook displays. The second way cannot be escaped at
the source in every case, so the whole ``<main>`` of every page goes through :func:`clean_html` after
rendering: an allow-list of elements and attributes (what the house templates, tables, figures and the
ward map use), no event handler, no ``<script>``, ``<style>``, ``<iframe>``, ``<form>``, ``<object>``
or ``<base>``, no ``style`` attribute, and links that are relative or to a place on the page; the only
URL scheme kept is ``data:image/...`` in an ``<img src>``.

The sanitiser is `nh3 <https://nh3.readthedocs.io>`_, the Python binding of the Rust crate
*ammonia* (an html5ever parser, so markup is parsed as a browser parses it). ``bleach``, which
nbconvert still brings in, is deprecated by its maintainers (January 2023) and parses with html5lib;
nh3 is its named successor.

:data:`CSP` forbids every script and every request that leaves the file (``default-src 'none'``);
images may only be ``data:`` URIs and styles only the inline house style sheet. Every page carries it
in a ``<meta http-equiv="Content-Security-Policy">`` as the first element after the character set.

Examples
--------
>>> clean_html('<p onclick="x()">Hendon <img src="x" onerror="alert(1)" alt="a"></p>')
'<p>Hendon </p>'
>>> clean_html('<a href="javascript:alert(1)">a</a> <a href="#top">b</a> <script>alert(1)</script>')
'<a>a</a> <a href="#top">b</a> '
>>> clean_html('<details open ontoggle="alert(1)"><summary>s</summary></details>')
's'
>>> "script-src" not in CSP and "default-src 'none'" in CSP
True
"""

from __future__ import annotations

import re

import nh3

__all__ = ["CSP", "CSP_META", "clean_html", "md_escape"]

#: The Content-Security-Policy of every published page: no script, nothing fetched from outside.
CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; "
    "form-action 'none'"
)
#: The same as a ``<meta>`` element (pages are files: there is no server to send a header).
CSP_META = f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'

_SVG_TAGS = {
    "svg", "g", "path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "text",
    "tspan", "title", "desc",
}  # fmt: skip
_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "div", "dl",
    "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li",
    "nav", "ol", "p", "pre", "section", "small", "span", "strong", "sub", "sup", "table", "tbody",
    "td", "tfoot", "th", "thead", "time", "tr", "ul", "kbd", "samp", "var", "mark", "s", "u",
} | _SVG_TAGS  # fmt: skip
_SVG_ATTRS = {
    "fill", "stroke", "stroke-width", "stroke-dasharray", "opacity", "fill-opacity", "transform",
    "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "width", "height", "d", "points",
    "font-size", "font-family", "font-weight", "text-anchor", "dominant-baseline", "viewBox",
    "xmlns", "preserveAspectRatio",
}  # fmt: skip
_ATTRIBUTES = {
    "*": {"class", "id", "title", "role", "lang", "aria-label", "aria-labelledby",
          "aria-describedby", "aria-hidden"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "table": {"data-disclosure-rule"},
    "th": {"scope", "colspan", "rowspan", "headers", "data-count", "data-not-count",
           "data-derived"},
    "td": {"colspan", "rowspan", "headers", "data-count", "data-not-count"},
    "col": {"span"},
    "colgroup": {"span"},
    "div": {"data-mime-type"},
    "time": {"datetime"},
    "ol": {"start"},
    **{t: set(_SVG_ATTRS) for t in _SVG_TAGS},
}  # fmt: skip


_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}()#+!|~])")


def md_escape(text) -> str:
    """A string from data made safe to put in Markdown: shown as typed, never as markup.

    ``<``, ``>`` and ``&`` become HTML entities and Markdown's punctuation is backslash-escaped.

    >>> print(md_escape('Castle <img src=x onerror="alert(1)">'))
    Castle &lt;img src=x onerror="alert\\(1\\)"&gt;
    >>> print(md_escape("St Anne's"), md_escape("*bold* [link](x)"))
    St Anne's \\*bold\\* \\[link\\]\\(x\\)
    """
    escaped = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", escaped)


_IMG_WITHOUT_SRC = re.compile(r"<img\b(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE)


def _filter(tag: str, attr: str, value: str) -> str | None:
    v = value.strip()
    if attr == "src":
        return value if tag == "img" and v.lower().startswith("data:image/") else None
    if attr == "href":
        return None if ":" in v.split("/", 1)[0].split("#", 1)[0] else value
    return value


def clean_html(fragment: str) -> str:
    """Keep only the allowed elements and attributes of an HTML fragment (see the module notes).

    Text content is kept; a disallowed element is removed with its content when it is one of
    ``script``, ``style``, ``template``, ``iframe``, ``object``, ``noscript`` (and nh3's defaults),
    otherwise only its tags go. Comments are removed.

    >>> clean_html('<svg viewBox="0 0 2 2" role="img"><title>Map</title><a href="w.html"><path d="M0 0"/></a></svg>')
    '<svg viewBox="0 0 2 2" role="img"><title>Map</title><a href="w.html"><path d="M0 0"></path></a></svg>'
    >>> clean_html('<form action="https://x.example"><input name="q"></form><iframe src="https://x"></iframe>')
    ''
    """
    cleaned = nh3.clean(
        fragment,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"data"},
        link_rel=None,
        strip_comments=True,
        attribute_filter=_filter,
        clean_content_tags={"script", "style", "template", "iframe", "object", "noscript",
                            "textarea", "select", "form"},
    )  # fmt: skip
    return _IMG_WITHOUT_SRC.sub("", cleaned)  # an image whose source was not data: shows nothing
