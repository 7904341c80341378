"""Charts in one consistent, accessible style: every chart has a title, units and alt text.

:mod:`lsp_research.plots.base` holds the house style and the one way a chart leaves a notebook
(:func:`~lsp_research.plots.base.show`), which embeds it as a PNG with alt text so that exported HTML is
self-contained and every chart is described in words.
"""

from .base import PALETTE, SIGNIFICANCE_COLOURS, figure, png_bytes, show

__all__ = ["PALETTE", "SIGNIFICANCE_COLOURS", "figure", "png_bytes", "show"]
