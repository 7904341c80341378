"""Paths and constants, anchored on this package's own file.

No path depends on the working directory. The project root is the folder above the package; every data
and report folder derives from it. Three environment variables point the project at other folders without
editing code (for real partner data, or for tests):

``LSP_RAW_DIR``
    folder of raw inputs (default ``<root>/data/raw``)
``LSP_PROCESSED_DIR``
    folder of validated tables (default ``<root>/data/processed``)
``LSP_REPORTS_DIR``
    folder the reports are published to (default ``<root>/reports``)

``LSP_INTERNAL_DIR``
    folder of what analysts keep and readers never get: the executed notebooks, ``run.log`` and
    ``run.json`` of every period (default ``<reports>/.internal``, see :func:`internal_dir`)

and ``LSP_CATALOGUE``, ``LSP_PROGRAMME``, ``LSP_REGISTRY`` name other catalogue, programme and indicator
registry files.

Paths are read through :func:`get_paths` at call time, so a test or a runner may set the variables after
import.

>>> p = get_paths()
>>> p.raw.name, p.processed.name, p.reports.name
('raw', 'processed', 'reports')
>>> CRS_BNG
'EPSG:27700'
>>> sum(ESP2013), len(ESP2013), sum(ESP1976), len(ESP1976)
(100000, 19, 100000, 18)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJ_ROOT = PACKAGE_DIR.parent
RESOURCES_DIR = PACKAGE_DIR / "resources"
DOMAIN_DIR = RESOURCES_DIR / "domain"

#: British National Grid: every area and distance is computed in it.
CRS_BNG = "EPSG:27700"
#: WGS84: only at the edges (input files, web maps).
CRS_WGS84 = "EPSG:4326"

#: The seed every synthetic generator starts from.
DEFAULT_SEED = 20090401

#: Sunderland metropolitan district.
LAD_CODE = "E08000024"
LAD_NAME = "Sunderland"
REGION_CODE = "E12000001"
ENGLAND_CODE = "E92000001"

#: ESP 2013 age bands (19 bands to 90+) and weights per 100,000.
ESP2013_BANDS = (
    "0-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49",
    "50-54", "55-59", "60-64", "65-69", "70-74", "75-79", "80-84", "85-89", "90+",
)  # fmt: skip
ESP2013 = (
    5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000,
    7000, 6500, 6000, 5500, 5000, 4000, 2500, 1500, 1000,
)  # fmt: skip
#: ESP 1976 age bands (18 bands to 85+) and weights per 100,000 (used for NI 39 in 2008-10).
ESP1976_BANDS = ESP2013_BANDS[:17] + ("85+",)
ESP1976 = (
    8000, 7000, 7000, 7000, 7000, 7000, 7000, 7000, 7000, 7000,
    7000, 6000, 5000, 4000, 3000, 2000, 1000, 1000,
)  # fmt: skip

SYNTHETIC_NOTICE = (
    "This report uses the synthetic default data set shipped with lsp-research. It is shaped on public "
    "facts about Sunderland (2004-2010) but no figure in it is a real statistic."
)


@dataclass(frozen=True)
class Paths:
    """The project's folders, resolved at call time."""

    root: Path
    raw: Path
    processed: Path
    reports: Path
    notebooks: Path
    programme: Path
    registry: Path
    catalogue: Path

    @property
    def manifest(self) -> Path:
        """The manifest of the processed tables (input hashes, row counts)."""
        return self.processed / "manifest.json"


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


def internal_dir(reports_root: Path, period: str | None = None) -> Path:
    """The internal folder beside a reports folder: ``<reports>/.internal[/<period>]``.

    ``reports/<period>/`` is the shareable folder (HTML pages only, audited); the executed notebooks and
    run logs of the same period go here, outside it, for analysts. ``LSP_INTERNAL_DIR`` moves it.

    >>> internal_dir(Path("/srv/reports"), "2009Q3").as_posix()
    '/srv/reports/.internal/2009Q3'
    """
    root = _env_path("LSP_INTERNAL_DIR", Path(reports_root) / ".internal")
    return root / period if period else root


def get_paths() -> Paths:
    """Return the project's folders, honouring the ``LSP_*_DIR`` environment variables."""
    raw = _env_path("LSP_RAW_DIR", PROJ_ROOT / "data" / "raw")
    return Paths(
        root=PROJ_ROOT,
        raw=raw,
        processed=_env_path("LSP_PROCESSED_DIR", PROJ_ROOT / "data" / "processed"),
        reports=_env_path("LSP_REPORTS_DIR", PROJ_ROOT / "reports"),
        notebooks=PROJ_ROOT / "notebooks",
        programme=_env_path("LSP_PROGRAMME", PROJ_ROOT / "programme.yml"),
        registry=_env_path("LSP_REGISTRY", PROJ_ROOT / "indicators.yml"),
        catalogue=_env_path("LSP_CATALOGUE", PROJ_ROOT / "data" / "catalogue.yml"),
    )
