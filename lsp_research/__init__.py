"""lsp-research: reproducible research and layered performance reporting for a local strategic partnership.

The package is organised by pipeline stage (see ``docs/`` and ``README.md``):

- :mod:`lsp_research.config` -- paths anchored on this package, constants.
- :mod:`lsp_research.periods` -- UK financial-year quarters.
- :mod:`lsp_research.data` -- catalogue, schemas, loaders, synthetic generator, raw -> processed build.
- :mod:`lsp_research.stats` -- public-health statistics and SPC.
- :mod:`lsp_research.disclosure` -- small-number suppression.
- :mod:`lsp_research.geo` -- wards, boundaries, spatial joins, accessibility.
- :mod:`lsp_research.topics` -- alcohol misuse and wellness uptake analyses.
- :mod:`lsp_research.performance` -- indicator registry, assessment, anomaly filter, escalation.
- :mod:`lsp_research.plots` -- charts with titles, units and alt text.
- :mod:`lsp_research.reporting` -- programme, execution, export, publishing.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("lsp-research")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
