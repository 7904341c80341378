"""The data catalogue: which sources exist, who owns them, which files hold them and in what format.

``data/catalogue.yml`` (shape in ``docs/data_contract.md``) is the only place that says where a source's
files are and which format each is in, so pointing the project at real files is a catalogue change, not a
code change. The catalogue is found, in order: the ``catalogue`` argument; the ``LSP_CATALOGUE``
environment variable; ``catalogue.yml`` inside the raw folder (so a folder of real files can carry its
own); ``data/catalogue.yml``. Without any catalogue file, the contract's default layout is used.

>>> cat = Catalogue.from_dict({
...     "synthetic": True,
...     "period": {"start": "2004Q1", "end": "2009Q4"},
...     "sources": {"hospital": {"owner": "PCT", "refresh_cycle": "quarterly",
...                              "last_updated": "2010-05-14",
...                              "files": ["hospital/admissions.csv.gz"]}},
... })
>>> src = cat.sources["hospital"]
>>> src.owner, src.refresh_days, src.last_updated, src.files[0].format
('PCT', 91, datetime.date(2010, 5, 14), 'contract_csv')
>>> cat.period_start, cat.period_end
(datetime.date(2004, 4, 1), datetime.date(2010, 3, 31))

The period is an optional bound, not the data's extent: the data period comes from the data (the
build records each table's coverage). Without ``period: end:`` the bound is the current quarter, so a
new quarter's returns build with no edit:

>>> Catalogue.from_dict({"period": {"start": "2004Q1"}}).period_end_given
False
"""

from __future__ import annotations

import datetime
import glob
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..config import PROJ_ROOT, get_paths
from ..errors import ConfigError
from ..periods import Quarter
from .sources import DEFAULT_FILES

#: The formats a raw file may be in. ``contract_csv`` is the contract's own layout
#: (``docs/data_contract.md``); the others are real public formats converted by :mod:`.loaders`.
FORMATS = (
    "contract_csv",
    "ons_boundary",
    "ons_mye_sape",
    "fingertips",
    "partner_return",
    "ons_lsoa_ward",
    "imd_lsoa",
    "police_uk",
)

#: The default lower bound of dates in the data (the first quarter a file may hold). There is no default
#: upper bound but the current quarter: the data period follows the data.
DEFAULT_START = "2004Q1"


def current_quarter() -> Quarter:
    """The quarter of today's date (the default upper bound of a period in the data)."""
    return Quarter.from_date(datetime.date.today())


_CYCLES = {
    "daily": 1,
    "weekly": 7,
    "fortnightly": 14,
    "monthly": 31,
    "quarterly": 91,
    "half-yearly": 183,
    "six-monthly": 183,
    "biannual": 183,
    "annual": 365,
    "annually": 365,
    "yearly": 365,
    "biennial": 730,
    "decennial": 3653,
}
_GEO_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".zip")


def parse_refresh(value: Any) -> int | None:
    """Turn a refresh cycle into days.

    >>> parse_refresh("quarterly"), parse_refresh("30 days"), parse_refresh(7), parse_refresh(None)
    (91, 30, 7, None)
    >>> parse_refresh("2 years"), parse_refresh("every 3 months")
    (730, 93)
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ConfigError(f"refresh cycle {value!r} is not a number of days or a cycle name")
    if isinstance(value, int | float):
        return int(value)
    text = str(value).strip().lower()
    if text in _CYCLES:
        return _CYCLES[text]
    m = re.match(r"^(?:every\s+)?(\d+)\s*(day|week|month|year)s?$", text)
    if m:
        n, unit = int(m.group(1)), m.group(2)
        return n * {"day": 1, "week": 7, "month": 31, "year": 365}[unit]
    raise ConfigError(
        f"refresh cycle {value!r} is not understood; use a number of days, 'N days/weeks/months/years' "
        f"or one of {', '.join(sorted(_CYCLES))}"
    )


def _parse_date(value: Any, what: str) -> datetime.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ConfigError(f"{what}: {value!r} is not an ISO date (YYYY-MM-DD)") from None


@dataclass(frozen=True)
class FileEntry:
    """One raw file (or glob pattern) of a source, with its format and format options."""

    path: str
    format: str = "contract_csv"
    options: dict = field(default_factory=dict)

    @property
    def optional(self) -> bool:
        """Whether the file (or folder) may be absent or empty (``optional: true`` in the catalogue)."""
        return bool(self.options.get("optional", False))

    def resolve(self, raw_dir: Path, source: str) -> list[Path]:
        """The files this entry names, relative to ``raw_dir`` (or to ``raw_dir/source``).

        A path with ``*`` or ``?`` is a glob pattern; a folder means every CSV/Excel file inside it.
        Returns the bare expected path when nothing matches, so the build reports it missing.
        """
        p = Path(self.path).expanduser()
        bases = [p] if p.is_absolute() else [raw_dir / p, raw_dir / source / p]
        if any(ch in self.path for ch in "*?["):
            for base in bases:
                hits = sorted(Path(h) for h in glob.glob(str(base)))
                if hits:
                    return hits
            return []
        for base in bases:
            if base.is_dir():
                return sorted(
                    f
                    for f in base.iterdir()
                    if f.is_file()
                    and not f.name.startswith((".", "~$"))
                    and f.name.lower().endswith((".csv", ".csv.gz", ".xlsx", ".xlsm"))
                )
            if base.exists():
                return [base]
        return [bases[0]]


@dataclass(frozen=True)
class Source:
    """A catalogue entry."""

    name: str
    owner: str = ""
    description: str = ""
    refresh_days: int | None = None
    last_updated: datetime.date | None = None
    sensitivity: str = ""
    sharing_basis: str = ""
    licence: str = ""
    files: tuple[FileEntry, ...] = ()
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Catalogue:
    """The parsed catalogue."""

    sources: dict[str, Source]
    synthetic: bool = False
    #: The bound dates and periods in the data must fall within: ``(start, end)``. ``end`` is the
    #: catalogue's ``period: end:`` when given (see ``period_end_given``), else the current quarter.
    period: tuple[Quarter, Quarter] = field(
        default_factory=lambda: (Quarter.parse(DEFAULT_START), current_quarter())
    )
    path: Path | None = None
    lad_code: str | None = None
    notice: str = ""
    period_end_given: bool = False

    def period_hint(self) -> str:
        """Said after a period rule's message: where the bound comes from and how to widen it.

        >>> Catalogue({}, period=(Quarter(2004, 1), Quarter(2009, 4)), period_end_given=True).period_hint()
        " (the catalogue's 'period: end:' bound: remove it to let new quarters in)"
        """
        if self.period_end_given:
            return " (the catalogue's 'period: end:' bound: remove it to let new quarters in)"
        return " (from the catalogue's period start to the end of the current quarter)"

    @property
    def period_start(self) -> datetime.date:
        """The first day of the catalogue's period."""
        return self.period[0].start

    @property
    def period_end(self) -> datetime.date:
        """The last day of the catalogue's period."""
        return self.period[1].end

    @classmethod
    def from_dict(cls, data: dict | None, path: Path | None = None) -> Catalogue:
        """Build a catalogue from parsed YAML, accepting a few spellings of each key."""
        where = str(path) if path else "catalogue"
        data = data or {}
        if not isinstance(data, dict):
            raise ConfigError(f"{where}: expected a mapping with a 'sources' key")
        raw_sources = data.get("sources", {})
        if isinstance(raw_sources, list):
            items = []
            for entry in raw_sources:
                if not isinstance(entry, dict) or not (entry.get("name") or entry.get("id")):
                    raise ConfigError(f"{where}: each source in a list needs a 'name'")
                items.append((entry.get("name") or entry.get("id"), entry))
        elif isinstance(raw_sources, dict):
            items = list(raw_sources.items())
        else:
            raise ConfigError(f"{where}: 'sources' must be a mapping of source name to entry")
        sources = {}
        for name, entry in items:
            entry = entry or {}
            if not isinstance(entry, dict):
                raise ConfigError(f"{where}: source '{name}' must be a mapping")
            sources[str(name)] = _parse_source(str(name), entry, where)
        synthetic = bool(data.get("synthetic", False)) or any(
            bool(s.extra.get("synthetic")) for s in sources.values()
        )
        start, end = Quarter.parse(DEFAULT_START), None
        p = data.get("period") or data.get("data_period")
        if p:
            try:
                if isinstance(p, dict):
                    start = Quarter.parse(str(p.get("start") or DEFAULT_START))
                    end = Quarter.parse(str(p["end"])) if p.get("end") else None
                else:
                    a, b = (s.strip() for s in str(p).replace(" to ", "/").split("/"))
                    start, end = Quarter.parse(a), Quarter.parse(b)
            except (KeyError, ValueError) as exc:
                raise ConfigError(
                    f"{where}: period must be {{start: YYYYQn}} with an optional end: YYYYQn, "
                    f"got {p!r} ({exc})"
                ) from None
        if end is not None and end < start:
            raise ConfigError(f"{where}: period end {end} is before its start {start}")
        period = (start, end if end is not None else max(current_quarter(), start))
        lad = data.get("lad_code") or data.get("district_code")
        notice = str(data.get("notice", "") or "").strip()
        return cls(
            sources, synthetic, period, path, str(lad) if lad else None, notice, end is not None
        )

    def files(self, name: str) -> tuple[FileEntry, ...]:
        """The file entries of a source, falling back to the contract's default layout."""
        src = self.sources.get(name)
        if src is not None and src.files:
            return src.files
        return tuple(FileEntry(*spec) for spec in DEFAULT_FILES.get(name, ()))

    def has(self, name: str) -> bool:
        """Whether the build should try this source (listed in the catalogue, or the catalogue is empty)."""
        return name in self.sources or not self.sources


def _parse_source(name: str, entry: dict, where: str) -> Source:
    known = {
        "owner",
        "description",
        "refresh_cycle",
        "refresh_days",
        "refresh",
        "last_updated",
        "last_update",
        "sensitivity",
        "sharing_basis",
        "sharing",
        "licence",
        "license",
        "files",
    }
    refresh = entry.get("refresh_days", entry.get("refresh_cycle", entry.get("refresh")))
    try:
        refresh_days = parse_refresh(refresh)
    except ConfigError as exc:
        raise ConfigError(f"{where}: source '{name}': {exc}") from None
    files_raw = entry.get("files") or []
    if isinstance(files_raw, str | dict) and not (
        isinstance(files_raw, dict) and "path" in files_raw
    ):
        files_raw = (
            [files_raw]
            if isinstance(files_raw, str)
            else [
                {"path": k, **(v if isinstance(v, dict) else {"format": v})}
                for k, v in files_raw.items()
            ]
        )
    elif isinstance(files_raw, dict):
        files_raw = [files_raw]
    files = []
    for f in files_raw:
        if isinstance(f, str):
            fmt = (
                "ons_boundary"
                if f.lower().endswith(_GEO_SUFFIXES) and name == "geography"
                else None
            )
            files.append(FileEntry(f, fmt or "contract_csv"))
            continue
        if not isinstance(f, dict) or not (f.get("path") or f.get("file")):
            raise ConfigError(f"{where}: source '{name}': each file needs a 'path'")
        path = str(f.get("path") or f.get("file"))
        fmt = f.get("format")
        if fmt is None:
            fmt = (
                "ons_boundary"
                if path.lower().endswith(_GEO_SUFFIXES) and name == "geography"
                else "contract_csv"
            )
        if fmt not in FORMATS:
            raise ConfigError(
                f"{where}: source '{name}', file '{path}': format {fmt!r} is not one of {', '.join(FORMATS)}"
            )
        options = dict(f.get("options") or {})
        options.update(
            {k: v for k, v in f.items() if k not in ("path", "file", "format", "options")}
        )
        files.append(FileEntry(path, fmt, options))
    return Source(
        name=name,
        owner=str(entry.get("owner", "") or ""),
        description=str(entry.get("description", "") or "").strip(),
        refresh_days=refresh_days,
        last_updated=_parse_date(
            entry.get("last_updated", entry.get("last_update")),
            f"{where}: source '{name}' last_updated",
        ),
        sensitivity=str(entry.get("sensitivity", "") or ""),
        sharing_basis=str(entry.get("sharing_basis", entry.get("sharing", "")) or ""),
        licence=str(entry.get("licence", entry.get("license", "")) or ""),
        files=tuple(files),
        extra={k: v for k, v in entry.items() if k not in known},
    )


def catalogue_path(raw_dir: Path | None = None) -> Path:
    """Where the catalogue is read from (see the module docstring for the order)."""
    if os.environ.get("LSP_CATALOGUE"):
        return get_paths().catalogue
    raw = Path(raw_dir) if raw_dir is not None else get_paths().raw
    own = raw / "catalogue.yml"
    if own.is_file():
        return own
    return PROJ_ROOT / "data" / "catalogue.yml"


def load_catalogue(path: str | Path | None = None, raw_dir: Path | None = None) -> Catalogue:
    """Read and parse the catalogue; without a catalogue file, return the contract's default layout.

    Raises
    ------
    ConfigError
        When the file exists but is not valid YAML or not in the documented shape.
    """
    p = Path(path) if path is not None else catalogue_path(raw_dir)
    if not p.is_file():
        if path is not None or os.environ.get("LSP_CATALOGUE"):
            raise ConfigError(f"catalogue {p} does not exist")
        return Catalogue({}, path=None)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"catalogue {p} is not valid UTF-8 YAML: {exc}") from None
    return Catalogue.from_dict(data, path=p)
