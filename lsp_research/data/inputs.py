"""The raw files a build reads: found through the catalogue, hashed, and loaded per source.

Raw files are only ever opened for reading; a link leading out of the raw folder is refused unless its
catalogue entry allows it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import Problem
from .catalogue import Catalogue
from .loaders import load_file
from .schemas import Context
from .sources import SOURCE_TABLES, SOURCES, UNIT_SOURCES
from .units import BUILD_VERSION


def sha256_file(path: Path) -> str:
    """SHA-256 of a file, read in blocks (read-only)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass
class Input:
    """One raw input file of a source: where it is, how to read it, and its checksum."""

    source: str
    path: Path
    label: str
    fmt: str
    options: dict
    sha256: str | None
    #: where a link in the raw folder leads, when that is outside it (refused unless allowed)
    outside: str | None = None


#: A catalogue file entry's option that allows a link from the raw folder to a file outside it.
ALLOW_OUTSIDE = "allow_outside_raw"


def _outside_raw(path: Path, raw: Path, entry) -> str | None:
    """Where ``path`` really is, when it is inside the raw folder by name only (a symbolic link, or a
    link in its folders, leading out of it) and the catalogue entry does not allow that; else None.
    A path the catalogue gives as absolute is the catalogue's own choice and is not checked.
    """
    if entry.options.get(ALLOW_OUTSIDE) or Path(entry.path).expanduser().is_absolute():
        return None
    if not path.exists():
        return None
    real = path.resolve()
    return None if real.is_relative_to(raw.resolve()) else str(real)


def links_out(inputs: dict[str, list[Input]]) -> list[Problem]:
    """A problem for each raw file that is a link out of the raw folder (see :func:`_outside_raw`)."""
    return [
        Problem(
            i.label,
            None,
            None,
            f"is a link to {i.outside}, outside the raw data folder; raw data is read only from "
            f"inside it (copy the file in, or set '{ALLOW_OUTSIDE}: true' on this file's "
            "catalogue entry to allow the link)",
        )
        for items in inputs.values()
        for i in items
        if i.outside
    ]


def find_inputs(cat: Catalogue, raw: Path) -> dict[str, list[Input]]:
    """The input files of every source in the catalogue, found under ``raw`` (a ``no_match`` entry when none)."""
    out: dict[str, list[Input]] = {}
    for source in SOURCES:
        if not cat.has(source):
            continue
        items = []
        for entry in cat.files(source):
            paths = entry.resolve(raw, source)
            if entry.optional:  # may be absent or empty: no file is not a problem
                paths = [p for p in paths if p.is_file()]
                if not paths:
                    continue
            for path in paths:
                try:
                    label = path.relative_to(raw).as_posix()
                except ValueError:
                    label = str(path)
                sha = sha256_file(path) if path.is_file() else None
                outside = _outside_raw(path, raw, entry)
                items.append(Input(source, path, label, entry.format, entry.options, sha, outside))
            if not paths:  # an empty folder or a pattern that matches nothing
                items.append(
                    Input(source, raw / entry.path, entry.path, "no_match", entry.options, None)
                )
        out[source] = items
    return out


def signature(
    unit: str, inputs: dict[str, list[Input]], cat: Catalogue, registry_sha: str | None = None
) -> str:
    """A digest of everything a build unit's outputs depend on (its inputs, the period, the version)."""
    h = hashlib.sha256()
    h.update(
        f"v{BUILD_VERSION}|{cat.period[0]}|{cat.period[1]}|{cat.lad_code}|{cat.synthetic}".encode()
    )
    if unit in ("indicators", "board"):  # their checks read the registry's codes
        h.update(f"|registry {registry_sha}".encode())
    needed = set(UNIT_SOURCES[unit]) | {"geography", "deprivation"}
    for source in sorted(needed):
        for i in inputs.get(source, []):
            h.update(
                f"|{source}|{i.label}|{i.fmt}|{json.dumps(i.options, sort_keys=True, default=str)}|{i.sha256}".encode()
            )
    return h.hexdigest()


def load_source(
    source: str, inputs: list[Input], ctx: Context
) -> tuple[dict[str, list], list[Problem]]:
    """Read and check one source's input files; its tables by name and the problems found."""
    tables: dict[str, list] = {}
    problems: list[Problem] = []
    for i in inputs:
        if i.fmt == "no_match":
            problems.append(
                Problem(
                    i.label,
                    None,
                    None,
                    "no file matches this catalogue entry (an empty folder, or a pattern that matches "
                    "nothing); expected CSV or Excel files",
                )
            )
            continue
        got, probs = load_file(i.path, i.fmt, ctx, label=i.label, options=i.options)
        problems += probs
        for name, df in got.items():
            if name not in SOURCE_TABLES[source]:
                problems.append(
                    Problem(
                        i.label,
                        None,
                        None,
                        f"holds table '{name}', which belongs to another source than '{source}'",
                    )
                )
                continue
            tables.setdefault(name, []).append(df)
    return tables, problems
