"""Skip runs whose result cannot have changed.

A run's key is the SHA-256 of everything that decides its output:

- the notebook's content (cell types, sources and tags; outputs and execution counts are ignored);
- its parameters and tiers;
- the content hashes of the inputs it reads: processed tables (``data/processed/<name>.parquet``) and
  files, as declared under ``inputs:`` in ``programme.yml`` plus the tables the notebook loads with a
  literal ``data.load("name")`` (:func:`detect_inputs`); a notebook with neither depends on every table;
- the package: its version and a hash of its source files (so a change in an analysis function re-runs
  the notebooks), and the Python version.

A changed data source therefore re-runs only the notebooks that read it. Successful runs are stored under
``<reports>/.cache/<key>/`` (the executed notebook and the exported HTML); failed runs are never cached.
File hashes are remembered by size and modification time, so a rerun with nothing changed reads no data.

>>> nb = {"cells": [{"cell_type": "code", "source": 'df = data.load("deaths")\\nw = load("wards")',
...                  "metadata": {}}]}
>>> sorted(detect_inputs(nb))
['deaths', 'wards']
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .. import __version__
from ..config import PACKAGE_DIR

ALL_TABLES = "*"


def detect_inputs(nb: Mapping) -> set[str]:
    """Processed tables a notebook reads with ``load("name")`` / ``data.load("name")`` (literal names)."""
    from .kernels import code_cell_trees

    found: set[str] = set()
    for tree in code_cell_trees(nb):
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and (
                    (isinstance(node.func, ast.Name) and node.func.id == "load")
                    or (isinstance(node.func, ast.Attribute) and node.func.attr == "load")
                )
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    return found


def notebook_hash(nb: Mapping) -> str:
    """SHA-256 of what a notebook runs: cell types, sources and tags, and the kernel name."""
    cells = []
    for c in nb.get("cells", []):
        src = c.get("source", "")
        cells.append(
            [
                c.get("cell_type"),
                "".join(src) if isinstance(src, list) else src,
                sorted(c.get("metadata", {}).get("tags", [])),
            ]
        )
    kernel = nb.get("metadata", {}).get("kernelspec", {}).get("name")
    return _sha(json.dumps([kernel, cells], sort_keys=True))


def _sha(text: str | bytes) -> str:
    return hashlib.sha256(text.encode() if isinstance(text, str) else text).hexdigest()


_PACKAGE_FINGERPRINT: str | None = None


def package_fingerprint() -> str:
    """The package version, a hash of its source and resource files, and the Python version."""
    global _PACKAGE_FINGERPRINT
    if _PACKAGE_FINGERPRINT is None:
        h = hashlib.sha256()
        for path in sorted(PACKAGE_DIR.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                h.update(path.relative_to(PACKAGE_DIR).as_posix().encode())
                h.update(path.read_bytes())
        _PACKAGE_FINGERPRINT = (
            f"{__version__}:{sys.version_info[0]}.{sys.version_info[1]}:{h.hexdigest()}"
        )
    return _PACKAGE_FINGERPRINT


class FileHasher:
    """SHA-256 of files, remembered by (size, mtime) in a JSON file so unchanged files are not re-read."""

    def __init__(self, memo: Path | None = None):
        self.memo = memo
        self._known: dict[str, list] = {}
        self._dirty = False
        if memo is not None and memo.exists():
            try:
                self._known = json.loads(memo.read_text())
            except (OSError, ValueError):
                self._known = {}

    def hash(self, path: Path) -> str:
        """The file's hash, ``"missing"`` when absent; a folder hashes its files' names and hashes."""
        path = Path(path)
        if path.is_dir():
            parts = [
                f"{p.relative_to(path).as_posix()}={self.hash(p)}"
                for p in sorted(path.rglob("*"))
                if p.is_file()
            ]
            return _sha("\n".join(parts))
        try:
            st = path.stat()
        except FileNotFoundError:
            return "missing"
        key = str(path.resolve())
        stamp = [st.st_size, st.st_mtime_ns]
        known = self._known.get(key)
        if known and known[:2] == stamp:
            return known[2]
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        digest = h.hexdigest()
        self._known[key] = [*stamp, digest]
        self._dirty = True
        return digest

    def save(self) -> None:
        if self.memo is not None and self._dirty:
            self.memo.parent.mkdir(parents=True, exist_ok=True)
            _atomic_write(self.memo, json.dumps(self._known).encode())
            self._dirty = False


def resolve_inputs(
    declared: Iterable[str], detected: Iterable[str], processed_dir: Path, root: Path
) -> dict[str, Path]:
    """Map each input name to the file it stands for.

    A name with a ``/`` or a file suffix is a file relative to ``root`` (the programme's folder);
    otherwise it is a processed table. With no inputs at all, every processed table is an input.
    """
    names = set(declared) | set(detected)
    if not names:
        names = {ALL_TABLES}
    out: dict[str, Path] = {}
    for name in sorted(names):
        if name == ALL_TABLES:
            out["tables:*"] = processed_dir
        elif "/" in name or Path(name).suffix:
            out[f"file:{name}"] = (root / name).resolve()
        else:
            out[f"table:{name}"] = processed_dir / f"{name}.parquet"
    return out


def run_key(
    notebook_sha: str,
    parameters: Mapping[str, Any],
    tiers: Iterable[str],
    input_hashes: Mapping[str, str],
    fingerprint: str | None = None,
) -> str:
    """The cache key of one run.

    >>> a = run_key("nb", {"period": "2009Q3"}, ["board"], {"table:x": "1"}, "v")
    >>> a == run_key("nb", {"period": "2009Q3"}, ["board"], {"table:x": "1"}, "v")
    True
    >>> a == run_key("nb", {"period": "2009Q3"}, ["board"], {"table:x": "2"}, "v")
    False
    """
    payload = {
        "notebook": notebook_sha,
        "parameters": dict(parameters),
        "tiers": list(tiers),
        "inputs": dict(sorted(input_hashes.items())),
        "package": fingerprint if fingerprint is not None else package_fingerprint(),
    }
    return _sha(json.dumps(payload, sort_keys=True, default=str))


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


class Cache:
    """Results of successful runs, by key, under ``root`` (default ``<reports>/.cache``)."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.hasher = FileHasher(self.root / "file-hashes.json")

    def _dir(self, key: str) -> Path:
        return self.root / "runs" / key[:2] / key

    def get(self, key: str) -> tuple[dict[str, bytes], dict] | None:
        """The stored files and metadata of ``key``, or None."""
        d = self._dir(key)
        meta_path = d / "meta.json"
        if not meta_path.exists():
            return None
        try:
            meta = json.loads(meta_path.read_text())
            files = {rel: (d / "files" / rel).read_bytes() for rel in meta["files"]}
        except (OSError, ValueError, KeyError):
            return None
        return files, meta

    def put(self, key: str, files: Mapping[str, bytes], meta: Mapping[str, Any]) -> None:
        """Store a result (written to a temporary folder, then renamed into place)."""
        final = self._dir(key)
        if final.exists():
            return
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{key[:8]}."))
        for rel, data in files.items():
            p = tmp / "files" / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)
        (tmp / "meta.json").write_text(json.dumps({**meta, "files": sorted(files)}, default=str))
        try:
            os.rename(tmp, final)
        except OSError:  # another run stored the same key first
            shutil.rmtree(tmp, ignore_errors=True)
