"""House style and the single way a chart is shown or saved.

Colours come from the Okabe-Ito palette, which survives the common colour-blindness types, and charts use
line styles and markers as well as colour so that they survive grey-scale printing.

>>> fig, ax = figure("Admissions per quarter", xlabel="Quarter", ylabel="Admissions (count)")
>>> ax.get_title()
'Admissions per quarter'
>>> png = png_bytes(fig)
>>> png[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
True
>>> png == png_bytes(fig)   # byte-identical: no timestamps or software tags
True
>>> html = show(fig, alt="Line chart of admissions per quarter.", display=False)
>>> 'alt="Line chart of admissions per quarter."' in html and html.startswith("<figure")
True
"""

from __future__ import annotations

import base64
import html as _html
import io

import matplotlib

from ..errors import InputError

matplotlib.use("Agg")
import matplotlib.pyplot as plt

#: Okabe-Ito colour-blind-safe palette.
PALETTE = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "grey": "#999999",
}

#: Colours for comparison results (Fingertips-like meaning, colour-blind-safe hues).
SIGNIFICANCE_COLOURS = {
    "better": PALETTE["blue"],
    "similar": "#F2C14E",
    "worse": PALETTE["vermillion"],
    "higher": "#1B5E84",
    "lower": "#8FC1E3",
    "not compared": "#D9D9D9",
}

#: The most areas a chart, map or table names one by one: above it a compare-areas chart keeps the
#: size of this many rows, a locator map names only the highlighted areas and a ward profile's table
#: lists the wards of its area committee (a named row per ward of a large city would make a chart
#: metres tall and slow to draw, and 400 names on a map or in a table are unreadable).
NAMED_AREAS = 40

HOUSE_RC = {
    "figure.figsize": (8, 4.5),
    "figure.dpi": 100,
    "savefig.dpi": 110,
    "font.size": 10,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#E5E5E5",
    "axes.prop_cycle": matplotlib.cycler(
        color=[
            PALETTE[k] for k in ("blue", "orange", "green", "vermillion", "purple", "sky", "black")
        ]
    ),
    "svg.hashsalt": "lsp-research",
}


def figure(
    title: str,
    xlabel: str | None = None,
    ylabel: str | None = None,
    *,
    ncols: int = 1,
    figsize: tuple[float, float] | None = None,
):
    """A new figure in the house style with its title and axis labels (include units in the labels).

    Returns ``(fig, ax)`` (``ax`` is an array when ``ncols > 1``).
    """
    if not title:
        raise InputError("title: every chart needs a title")
    with plt.rc_context(HOUSE_RC):
        fig, ax = plt.subplots(1, ncols, figsize=figsize or HOUSE_RC["figure.figsize"])
    if ncols == 1:
        ax.set_title(title)
        if xlabel:
            ax.set_xlabel(xlabel)
        if ylabel:
            ax.set_ylabel(ylabel)
    else:
        fig.suptitle(title, fontweight="bold")
    return fig, ax


def tight_box(fig):
    """The figure's tight bounding box in inches, padded, at the saved resolution: the box that
    ``savefig(bbox_inches="tight")`` crops to, found without drawing the figure first.

    Matplotlib's ``"tight"`` draws the whole figure once with rendering switched off (every text
    laid out, every tick made) only to measure it, then draws it again to save it. Measuring the
    tight box updates the ticks, the title's position and a ``loc="best"`` legend itself, so a
    figure with no layout engine can be measured directly: the PNG is then drawn once, and its
    bytes are the same (``tests/test_plots_base.py`` compares them on the house charts).

    >>> fig, ax = figure("Admissions per quarter", ylabel="Admissions (count)")
    >>> box = tight_box(fig)
    >>> bool(0 < box.width < 8 and 0 < box.height < 4.5)  # inches, inside the 8 x 4.5 figure
    True
    """
    with plt.rc_context(HOUSE_RC):
        saved_dpi = fig.dpi
        fig.dpi = plt.rcParams["savefig.dpi"]
        try:
            box = fig.get_tightbbox(fig.canvas.get_renderer())
        finally:
            fig.dpi = saved_dpi
        return box.padded(plt.rcParams["savefig.pad_inches"])


def png_bytes(fig) -> bytes:
    """Render ``fig`` to PNG bytes with no metadata, so two runs give identical bytes.

    The image is cropped to the figure's tight box (:func:`tight_box`), measured without a first
    draw; a figure with a layout engine (constrained layout) is measured by matplotlib's own
    ``"tight"``, which lays it out by drawing it first.
    """
    buf = io.BytesIO()
    with plt.rc_context(HOUSE_RC):
        fig.savefig(buf, format="png", bbox_inches=_box(fig), metadata={"Software": None})
    return buf.getvalue()


def _box(fig):
    """``tight_box(fig)``, or ``"tight"`` for a figure whose layout engine needs a draw first, or
    whose canvas cannot render (a bare ``Figure``).
    """
    if fig.get_layout_engine() is not None or not hasattr(fig.canvas, "get_renderer"):
        return "tight"
    return tight_box(fig)


def show(
    fig, alt: str, caption: str | None = None, *, display: bool = True, close: bool = True
) -> str:
    """Show ``fig`` in a notebook as an embedded PNG with alt text, and return the HTML.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    alt : str
        Alt text: what the chart shows, in words (required; the publishing audit fails a chart without it).
    caption : str, optional
        A visible caption under the chart (units, source, notes).
    display : bool
        Send the HTML to the notebook's output (False returns it only).
    close : bool
        Close the figure afterwards so that it is not shown twice.

    Notes
    -----
    The image sits in its own scroll box (``lsp-figure-scroll``): on a phone the house style keeps a
    chart at a readable width and the reader scrolls the chart sideways, never the page.
    """
    if not alt or not alt.strip():
        raise InputError("alt: every chart needs alt text describing what it shows")
    data = base64.b64encode(png_bytes(fig)).decode("ascii")
    cap = f"<figcaption>{_html.escape(caption)}</figcaption>" if caption else ""
    html = (
        f'<figure class="lsp-chart"><div class="lsp-figure-scroll">'
        f'<img src="data:image/png;base64,{data}" alt="{_html.escape(alt, quote=True)}" /></div>'
        f"{cap}</figure>"
    )
    if close:
        plt.close(fig)
    if display:
        from IPython.display import HTML
        from IPython.display import display as _display

        _display(HTML(html))
    return html
