"""Skip runs whose result cannot have changed.

A run's key is the SHA-256 of everything that decides its output:

- the notebook's content (cell types, sources and tags; outputs and execution counts are ignored);
- its parameters and tiers;
- the content hashes of the inputs it reads: processed tables (``data/processed/<name>.parquet``) and
  files, as declared under ``inputs:`` in ``programme.yml`` plus the tables the notebook loads with a
  literal ``data.load("name")`` (:func:`detect_inputs`); a notebook with neither depends on every table;
- the code: the package version, the Python version and a hash of the package modules the notebook
  imports, followed through the package's own imports (:func:`code_fingerprint`): a change in an
  analysis function reruns the notebooks that can reach it, and no others.

A changed data source therefore re-runs only the notebooks that read it. Successful runs are stored under
``<reports>/.cache/<key>/`` (the executed notebook and the exported HTML); failed runs are never cached.
File hashes are remembered by size and modification time, so a rerun with nothing changed reads no data.

Each stored result also records the parts its key was made of, and ``<cache>/latest/`` the parts of the
latest stored result of each run (``<notebook>/<set>``), so :func:`explain` can say why a run is not
cached: which input, package module, parameter, tier or notebook cell changed (``lsp-research run
--dry-run``).

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
import re
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
_CODE_FINGERPRINTS: dict[tuple, str] = {}
PACKAGE = "lsp_research"
#: What every run uses besides the notebook's own imports: the worker that executes, exports and
#: audits it (followed through its imports like the rest).
RUN_MODULES = ("lsp_research.reporting.execute",)


def _module_file(name: str, package_dir: Path) -> Path | None:
    """The source file of package module ``name`` (``lsp_research.x.y``), or None."""
    parts = name.split(".")
    if parts[0] != PACKAGE:
        return None
    base = package_dir.joinpath(*parts[1:])
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


_IMPORT = re.compile(
    r"^[ \t]*(?:from[ \t]+(?P<mod>\.*[\w.]*)[ \t]+import[ \t]+(?P<names>\((?:[^)#]|#[^\n]*)*\)|[^\n#]*)"
    r"|import[ \t]+(?P<plain>[^\n#]*))",
    re.M,
)


def _imports_of(name: str, path: Path) -> set[str]:
    """Package modules that module ``name`` (its file ``path``) imports anywhere, read not run:
    ``import``, ``from x import y`` (``y`` may be a submodule) and relative imports.

    The source is scanned line by line (a regular expression, not a parse: a no-change rerun reads
    every module a notebook reaches, and parsing them all costs most of a second); a line in a string
    that looks like an import can only add a module, which keeps the cache key safe.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return set()
    is_package = path.name == "__init__.py"
    here = name.split(".") if is_package else name.split(".")[:-1]
    found: set[str] = set()
    for m in _IMPORT.finditer(text):
        if m.group("plain") is not None:
            for part in m.group("plain").split(","):
                found.add(part.strip().split(" as ")[0].strip())
            continue
        mod = m.group("mod")
        level = len(mod) - len(mod.lstrip("."))
        mod = mod.lstrip(".")
        if level:
            base = here[: len(here) - (level - 1)] if level > 1 else list(here)
            module = ".".join([*base, *([mod] if mod else [])])
        else:
            module = mod
        if not module:
            continue
        found.add(module)
        names = re.sub(r"#[^\n]*", "", m.group("names"))  # a comment inside ( ... ) is not a name
        names = names.strip().strip("()").replace("\\\n", " ")
        for part in names.split(","):
            item = part.strip().split(" as ")[0].strip()
            if item and item != "*" and item.isidentifier():
                found.add(f"{module}.{item}")
    return {m for m in found if m == PACKAGE or m.startswith(PACKAGE + ".")}


def module_closure(imports: Iterable[str], package_dir: Path | None = None) -> list[Path]:
    """The package's source files that code importing ``imports`` can run: each imported package
    module, the packages it sits in (their ``__init__``), and so on through the package's own imports.

    >>> names = {p.relative_to(PACKAGE_DIR).as_posix() for p in module_closure(["lsp_research.errors"])}
    >>> sorted(names)
    ['__init__.py', 'errors.py']
    """
    package_dir = Path(package_dir or PACKAGE_DIR)
    todo = [m for m in imports if m == PACKAGE or str(m).startswith(PACKAGE + ".")]
    seen: set[str] = set()
    files: dict[str, Path] = {}
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        parts = name.split(".")
        todo.extend(".".join(parts[:i]) for i in range(1, len(parts)))  # the parent packages
        path = _module_file(name, package_dir)
        if path is None:  # not a module: a name imported from one
            continue
        files[name] = path
        todo.extend(_imports_of(name, path))
    return sorted(set(files.values()))


def code_fingerprint(imports: Iterable[str], package_dir: Path | None = None) -> str:
    """What a run's code is: the package version, the Python version, and a hash of the package
    source files the notebook can run (:func:`module_closure` of its imports and of the worker's
    :data:`RUN_MODULES`) and of the package's data files (resources, templates). A change to a module
    no notebook import reaches leaves its key alone.
    """
    package_dir = Path(package_dir or PACKAGE_DIR)
    key = (str(package_dir), tuple(sorted(set(imports))))
    if key not in _CODE_FINGERPRINTS:
        h = hashlib.sha256()
        sources = module_closure([*key[1], *RUN_MODULES], package_dir)
        data = [
            p
            for p in sorted(package_dir.rglob("*"))
            if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
        ]
        for path in [*sources, *data]:
            h.update(path.relative_to(package_dir).as_posix().encode() + b"\0")
            h.update(path.read_bytes())
        _CODE_FINGERPRINTS[key] = (
            f"{__version__}:{sys.version_info[0]}.{sys.version_info[1]}:{h.hexdigest()}"
        )
    return _CODE_FINGERPRINTS[key]


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
        """Write the memo of file digests back, atomically, when it changed."""
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
    key = _sha(json.dumps(payload, sort_keys=True, default=str))
    _remember_parts(key, payload)
    return key


#: The parts of the keys :func:`run_key` made in this process, so that :meth:`Cache.put` can store them
#: beside the result and :func:`explain` can compare a new key's parts with a stored one's.
_KEY_PARTS: dict[str, dict] = {}


def _remember_parts(key: str, payload: dict) -> None:
    if len(_KEY_PARTS) > 10_000:  # a long-lived process (a notebook server) keeps only recent keys
        _KEY_PARTS.clear()
    _KEY_PARTS[key] = json.loads(json.dumps(payload, sort_keys=True, default=str))


def key_parts(key: str) -> dict | None:
    """The parts of a key made by :func:`run_key` in this process (None for another's key)."""
    return _KEY_PARTS.get(key)


_PACKAGE_FILES: dict[str, str] | None = None


def package_files() -> dict[str, str]:
    """SHA-256 of each source and resource file of the package, by path (what :func:`explain` names
    when the package fingerprint changed).
    """
    global _PACKAGE_FILES
    if _PACKAGE_FILES is None:
        _PACKAGE_FILES = {
            path.relative_to(PACKAGE_DIR.parent).as_posix(): _sha(path.read_bytes())
            for path in sorted(PACKAGE_DIR.rglob("*"))
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
        }
    return _PACKAGE_FILES


def _changed(old: Mapping, new: Mapping) -> list[str]:
    """Names whose values differ between two mappings, in order (added and removed ones too)."""
    return sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))


def explain(new: Mapping, old: Mapping | None) -> str:
    """Why a run whose key has parts ``new`` is not cached, given the parts ``old`` of the run's latest
    stored result (None when it has none).

    >>> old = {"notebook": "a", "parameters": {"period": "2009Q3", "area": "E05001164"},
    ...        "tiers": ["board"], "inputs": {"table:deaths": "1", "table:wards": "2"}, "package": "p",
    ...        "package_files": {"lsp_research/stats/rates.py": "1", "lsp_research/geo.py": "1"}}
    >>> explain(old, None)
    'no earlier result of this run in the cache to compare with'
    >>> explain({**old, "inputs": {"table:deaths": "9", "table:wards": "2"}}, old)
    'input changed: table:deaths'
    >>> explain({**old, "parameters": {"period": "2009Q4", "area": "E05001164"}}, old)
    "parameter changed: period '2009Q3' -> '2009Q4'"
    >>> explain({**old, "package": "q", "package_files": {"lsp_research/stats/rates.py": "2",
    ...          "lsp_research/geo.py": "1"}}, old)
    'package changed: lsp_research/stats/rates.py'
    >>> explain(old, old)
    'no stored result for these inputs (the last run with them failed, or the cache was cleared)'
    """
    if old is None:
        return "no earlier result of this run in the cache to compare with"
    reasons = []
    if new.get("notebook") != old.get("notebook"):
        reasons.append("notebook changed (a cell's source, type or tags)")
    params_new, params_old = new.get("parameters", {}), old.get("parameters", {})
    changed = _changed(params_old, params_new)
    if changed:
        shown = ", ".join(
            f"{k} {params_old.get(k, '(none)')!r} -> {params_new.get(k, '(none)')!r}"
            for k in changed
        )
        reasons.append(f"parameter{'s' if len(changed) > 1 else ''} changed: {shown}")
    if list(new.get("tiers", [])) != list(old.get("tiers", [])):
        reasons.append(f"tiers changed: {old.get('tiers')} -> {new.get('tiers')}")
    changed = _changed(old.get("inputs", {}), new.get("inputs", {}))
    if changed:
        reasons.append(f"input{'s' if len(changed) > 1 else ''} changed: {', '.join(changed)}")
    if new.get("package") != old.get("package"):
        files = _changed(old.get("package_files", {}), new.get("package_files", {}))
        if files:
            more = f" and {len(files) - 5} more" if len(files) > 5 else ""
            reasons.append(f"package changed: {', '.join(files[:5])}{more}")
        else:
            reasons.append("package changed (version, Python or dependencies)")
    for name in sorted(set(new) | set(old)):
        if name not in _EXPLAINED and new.get(name) != old.get(name):
            reasons.append(f"{name} changed")
    if not reasons:
        return "no stored result for these inputs (the last run with them failed, or the cache was cleared)"
    return "; ".join(reasons)


_EXPLAINED = {"notebook", "parameters", "tiers", "inputs", "package", "package_files", "cache_key"}


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

    def _latest(self, run: str) -> Path:
        return self.root / "latest" / f"{run.replace('/', '--')}.json"

    def latest_parts(self, run: str) -> dict | None:
        """The key parts of the latest stored result of ``run`` (``<notebook>/<set>``), or None."""
        try:
            return json.loads(self._latest(run).read_text())
        except (OSError, ValueError):
            return None

    def why_not(self, run: str, key: str) -> str | None:
        """None when ``key`` is cached; else why not, against the latest stored result of ``run``.
        ``key`` must have been made by :func:`run_key` in this process.
        """
        if (self._dir(key) / "meta.json").exists():
            return None
        parts = key_parts(key)
        if parts is None:
            return "not in the cache"
        return explain({**parts, "package_files": package_files()}, self.latest_parts(run))

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
        parts = key_parts(key)
        if parts is not None and meta.get("key"):  # what explain() compares the next key with
            self._latest(str(meta["key"])).parent.mkdir(parents=True, exist_ok=True)
            latest = {**parts, "package_files": package_files(), "cache_key": key}
            _atomic_write(self._latest(str(meta["key"])), json.dumps(latest).encode())
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
