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

**The place** (district, region, comparators, area committees and their wards, boundary year) is one
YAML file, read by :func:`place`: ``LSP_PLACE`` names it, else ``place.yml`` at the project root, else the
default ``resources/places/sunderland.yml``. ``LAD_CODE``, ``LAD_NAME``, ``REGION_CODE`` and
``REGION_NAME`` are read from it when the package is imported.

Paths are read through :func:`get_paths` at call time, so a test or a runner may set the variables after
import.

>>> p = get_paths()
>>> p.raw.name, p.processed.name, p.reports.name
('raw', 'processed', 'reports')
>>> CRS_BNG
'EPSG:27700'
>>> sum(ESP2013), len(ESP2013), sum(ESP1976), len(ESP1976)
(100000, 19, 100000, 18)
>>> p = place(DEFAULT_PLACE)
>>> p.path.name, p.boundary_year, len(p.comparators), p.district_code.startswith("E08")
('sunderland.yml', 2009, 2, True)
>>> len(p.ward_codes), sorted(p.areas)[:2], p.area_of("E05001153")
(25, ['Coalfield', 'East'], 'West')
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from .errors import ConfigError

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

#: The default place file (see :func:`place`).
DEFAULT_PLACE = RESOURCES_DIR / "places" / "sunderland.yml"
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

#: A district (E06-E09) or, for a place of several districts, a combined authority (E47).
_DISTRICT = re.compile(r"^E(0[6-9]|47)\d{6}$")
_REGION = re.compile(r"^E12\d{6}$")
_WARD = re.compile(r"^(E05\d{6}|\d{2}[A-Z]{4})$")


@dataclass(frozen=True)
class Place:
    """The place a project reports on, as its place file gives it (see :func:`place`)."""

    name: str
    district_code: str
    region_name: str
    region_code: str
    boundary_year: int | None
    #: (name, code) of the areas every indicator is compared with
    comparators: tuple[tuple[str, str], ...]
    #: each area committee (or its equivalent) and its wards as (code, name)
    areas: dict[str, tuple[tuple[str, str], ...]]
    areas_label: str = "area committee"
    path: Path | None = None

    @property
    def ward_codes(self) -> tuple[str, ...]:
        """Every ward code of the place, sorted."""
        return tuple(sorted(code for wards in self.areas.values() for code, _ in wards))

    def area_of(self, ward_code: str) -> str | None:
        """The area committee holding ``ward_code``, or None."""
        return next((a for a, ws in self.areas.items() if any(c == ward_code for c, _ in ws)), None)

    def to_dict(self) -> dict:
        """The place as its file writes it."""
        out = {
            "name": self.name,
            "district_code": self.district_code,
            "region": {"name": self.region_name, "code": self.region_code},
            "country": {"name": "England", "code": ENGLAND_CODE},
            "boundary_year": self.boundary_year,
            "comparators": [{"name": n, "code": c} for n, c in self.comparators],
            "areas_label": self.areas_label,
            "areas": {a: [{"code": c, "name": n} for c, n in ws] for a, ws in self.areas.items()},
        }
        return out


def place_path() -> Path:
    """The place file in use: ``LSP_PLACE``, else ``place.yml`` at the project root, else the default."""
    env = os.environ.get("LSP_PLACE")
    if env:
        return Path(env).expanduser().resolve()
    local = PROJ_ROOT / "place.yml"
    return local if local.is_file() else DEFAULT_PLACE


def _text(data: dict, key: str, where: str, pattern: re.Pattern | None = None) -> str:
    value = data.get(key)
    if not isinstance(value, (str, int)) or not str(value).strip():
        raise ConfigError(f"{where}: '{key}' is missing or empty")
    value = str(value).strip()
    if pattern is not None and not pattern.match(value):
        raise ConfigError(f"{where}: '{key}' is {value!r}, expected a code like {pattern.pattern}")
    return value


def parse_place(data, where: str = "place file") -> Place:
    """A :class:`Place` from the mapping of a place file; :class:`ConfigError` naming the key when invalid.

    >>> parse_place({"name": "X", "district_code": "E0800002"})
    Traceback (most recent call last):
    ...
    lsp_research.errors.ConfigError: place file: 'district_code' is 'E0800002', expected a code like ^E(0[6-9]|47)\\d{6}$
    """
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping with name, district_code, region and areas")
    region = data.get("region") or {}
    if not isinstance(region, dict):
        raise ConfigError(f"{where}: 'region' must be a mapping with name and code")
    comparators = []
    for i, c in enumerate(data.get("comparators") or [], start=1):
        if not isinstance(c, dict):
            raise ConfigError(f"{where}: comparator {i} must be a mapping with name and code")
        comparators.append((_text(c, "name", f"{where}, comparator {i}"), str(c.get("code", ""))))
    areas_in = data.get("areas") or {}
    if not isinstance(areas_in, dict):
        raise ConfigError(f"{where}: 'areas' must map each area committee to its wards")
    areas, seen = {}, {}
    for area, wards in areas_in.items():
        if not isinstance(wards, list) or not wards:
            raise ConfigError(f"{where}: area '{area}' must list its wards (code and name)")
        got = []
        for j, w in enumerate(wards, start=1):
            w_where = f"{where}, area '{area}', ward {j}"
            if not isinstance(w, dict):
                raise ConfigError(f"{w_where}: expected a mapping with code and name")
            code = _text(w, "code", w_where, _WARD)
            if code in seen:
                raise ConfigError(f"{w_where}: ward {code} is also in area '{seen[code]}'")
            seen[code] = area
            got.append((code, _text(w, "name", w_where)))
        areas[str(area)] = tuple(got)
    year = data.get("boundary_year")
    if year is not None and not (isinstance(year, int) and 1990 <= year <= 2100):
        raise ConfigError(f"{where}: 'boundary_year' is {year!r}, expected a year such as 2009")
    return Place(
        name=_text(data, "name", where),
        district_code=_text(data, "district_code", where, _DISTRICT),
        region_name=_text(region, "name", f"{where}, region") if region else "",
        region_code=_text(region, "code", f"{where}, region", _REGION) if region else "",
        boundary_year=year,
        comparators=tuple(comparators),
        areas=areas,
        areas_label=str(data.get("areas_label") or "area committee"),
    )


def place(path: str | Path | None = None) -> Place:
    """The place the project reports on, read from its place file (default :func:`place_path`).

    Raises
    ------
    ConfigError
        When the file is missing, not YAML, or a key is missing or invalid (the message names it).
    """
    p = Path(path) if path is not None else place_path()
    try:
        raw = p.read_bytes()
        key = (str(p), raw)
        if key in _PLACES:  # a report asks many times: the same text is parsed once
            return _PLACES[key]
        data = yaml.safe_load(raw.decode("utf-8"))
    except OSError as exc:
        raise ConfigError(f"place file {p} cannot be read: {exc.strerror or exc}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"place file {p} is not valid UTF-8 YAML: {exc}") from None
    got = parse_place(data, str(p))
    _PLACES[key] = Place(**{**got.__dict__, "path": p})
    return _PLACES[key]


#: Places parsed, by (path, the file's bytes): Place is frozen, so one can be shared.
_PLACES: dict[tuple[str, bytes], Place] = {}


def check_wards(wards, place_: Place | None = None) -> None:
    """Refuse data whose wards the place file in use does not list.

    The place file names the district, its region and its wards on every page; data of another
    place (a synthetic geography from ``lsp-research data synth --wards N``, a second place) read
    with the default place file would be published, or explored, under the wrong name and counts. A
    subset of the place's wards (a test or a partial data set) is accepted.

    Parameters
    ----------
    wards : dict
        ``{ward code: ward name}`` of the data (a name may be empty when only the codes were read).
    place_ : Place, optional
        Default: :func:`place`.

    >>> check_wards({"E05999901": "Abbey"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    lsp_research.errors.ConfigError: the processed data's wards are not the place file's: 1 of its 1 wards (e.g. E05999901 Abbey) are not among the ... wards of ...; set LSP_PLACE to the place file of this data ...
    """
    place_ = place_ or place()
    known = set(place_.ward_codes)
    foreign = [c for c in wards if c not in known]
    if not foreign:
        return
    raw_place = get_paths().raw / "place.yml"
    there = f" (there is one at {raw_place})" if raw_place.is_file() else ""
    example = f"{foreign[0]} {wards[foreign[0]] or ''}".strip()
    raise ConfigError(
        f"the processed data's wards are not the place file's: {len(foreign)} of its "
        f"{len(wards)} wards (e.g. {example}) are not among the "
        f"{len(known)} wards of {place_path()} ({place_.name}); set LSP_PLACE to the place "
        f"file of this data (lsp-research data synth writes place.yml beside the raw files){there}"
    )


_PLACE = place()
#: The district the project reports on (from the place file).
LAD_CODE = _PLACE.district_code
LAD_NAME = _PLACE.name
REGION_CODE = _PLACE.region_code
REGION_NAME = _PLACE.region_name

#: The banner of a report on synthetic data: the default data set is shaped on the default place;
#: a synthetic place (``data synth --wards N``) is synthetic through and through.
SYNTHETIC_NOTICE = (
    (
        "This report uses the synthetic default data set shipped with lsp-research. It is shaped on public "
        f"facts about {LAD_NAME} (2004-2010) but no figure in it is a real statistic."
    )
    if _PLACE.path == DEFAULT_PLACE
    else (
        f"This report uses synthetic data generated by lsp-research for {LAD_NAME}: every name, code, "
        "boundary and figure in it is synthetic, not a real statistic."
    )
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
