"""HTML pages and fragments from the Jinja2 templates in ``reporting/templates/pages/``.

The index page, the table of contents, the provenance banner and footer are templates beside the
nbconvert report template (``reporting/templates/lsp_report/``): one templates folder. Autoescaping
is on: every value a template prints is escaped as :func:`html.escape` does (quotes too), unless it
is already HTML (:class:`markupsafe.Markup`, e.g. a table from
:func:`lsp_research.tables.show_table` or another rendered fragment).

Examples
--------
>>> render("reach.html.j2", text="hospital <2009Q4>")
'<p class="lsp-notice lsp-reach"><strong>Data to:</strong> hospital &lt;2009Q4&gt;</p>'
>>> render("reach.html.j2", text=Markup("<em>x</em>"))
'<p class="lsp-notice lsp-reach"><strong>Data to:</strong> <em>x</em></p>'
"""

from __future__ import annotations

import functools
import html as _html
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

__all__ = ["PAGES_DIR", "Markup", "render"]

#: Folder of the page templates (inside the one templates folder of the package).
PAGES_DIR = Path(__file__).resolve().parent / "templates" / "pages"


def _finalize(value: Any) -> Any:
    """Escape like :func:`html.escape` (``'`` as ``&#x27;``), so pages read byte for byte as before;
    HTML already marked safe passes through.
    """
    if hasattr(value, "__html__"):
        return value
    return Markup(_html.escape(str(value)))


@functools.cache
def environment() -> jinja2.Environment:
    """The one Jinja2 environment of the page templates (autoescaping, undefined names fail)."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(PAGES_DIR),
        autoescape=True,
        finalize=_finalize,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
    )


def render(name: str, **context: Any) -> str:
    """Render the template ``name`` (e.g. ``"footer.html.j2"``) with ``context``; returns ``str``."""
    return environment().get_template(name).render(**context)
