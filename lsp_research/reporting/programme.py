"""``programme.yml``: which notebooks a quarterly run executes, over which parameter sets, with which tiers.

The file is validated as a whole when it is loaded: every problem is reported at once, with the entry and
key it concerns and what is allowed (see the comments at the top of ``programme.yml`` for the keys).

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> (d / "notebooks").mkdir()
>>> _ = (d / "notebooks" / "ward_profile.ipynb").write_text('{"cells": [], "metadata": {}}')
>>> _ = (d / "programme.yml").write_text('''
... version: 1
... notebooks:
...   - notebook: ward_profile.ipynb
...     over: areas
...     tiers: [executive, operational]
...     parameters: {method: dsr}
... ''')
>>> prog = load_programme(d / "programme.yml")
>>> entry = prog.notebooks[0]
>>> entry.name, entry.over, entry.tiers, entry.path.relative_to(d).as_posix()
('ward_profile', 'areas', ('executive', 'operational'), 'notebooks/ward_profile.ipynb')
>>> [(s.set_id, s.parameters) for s in entry.parameter_sets(Areas.from_domain())][:2]
[('Coalfield', {'method': 'dsr', 'area_code': 'Coalfield'}), ('East', {'method': 'dsr', 'area_code': 'East'})]
>>> _ = (d / "bad.yml").write_text("notebooks:\\n  - notebook: ward_profile.ipynb\\n    name: x\\n    over: ward\\n    tiers: [boards]\\n")
>>> load_programme(d / "bad.yml")
Traceback (most recent call last):
...
lsp_research.errors.ProgrammeError: 2 problems in ...bad.yml:
  - notebooks[0] (x): 'over' must be city, wards, areas or a list of area codes; got 'ward' (did you mean 'wards'?)
  - notebooks[0] (x): unknown tier 'boards' (did you mean 'board'?); tiers are board, executive, operational
"""

from __future__ import annotations

import ast
import difflib
import importlib
import importlib.util
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..config import get_paths
from ..errors import ProgrammeError
from .parameters import Areas

#: The audience tiers, widest last: board content is a subset of executive, which is a subset of
#: operational.
TIERS = ("board", "executive", "operational")
OVER_KEYWORDS = ("city", "wards", "areas")
DEFAULT_TIMEOUT = 600
_ENTRY_KEYS = {
    "notebook",
    "name",
    "over",
    "area_parameter",
    "tiers",
    "inputs",
    "parameters",
    "timeout",
    "index",
}
_TOP_KEYS = {"version", "notebooks_dir", "notebooks"}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class ParameterSet:
    """One run of a notebook: ``set_id`` names it in report paths; ``parameters`` are injected."""

    set_id: str
    parameters: dict[str, Any]
    label: str = ""


@dataclass(frozen=True)
class NotebookEntry:
    """One notebook of the programme."""

    name: str
    path: Path
    over: str | tuple[str, ...] = "city"
    tiers: tuple[str, ...] = ("executive", "operational")
    inputs: tuple[str, ...] = ()
    parameters: Mapping[str, Any] = field(default_factory=dict)
    timeout: int = DEFAULT_TIMEOUT
    area_parameter: str = "area_code"
    index: str | None = None

    def parameter_sets(self, areas: Areas) -> list[ParameterSet]:
        """The runs of this notebook, each with its fixed parameters plus its area code.

        ``over: city`` is one run with set id ``city``; it gets no area parameter (the notebook's
        default applies), so a city-only notebook need not declare one.
        """
        if self.over == "city":
            return [ParameterSet("city", dict(self.parameters), areas.city_name)]
        if self.over == "wards":
            codes = list(areas.wards)
        elif self.over == "areas":
            codes = list(areas.committees)
        else:
            codes = list(self.over)
        return [
            ParameterSet(
                _slug(code), {**self.parameters, self.area_parameter: code}, areas.describe(code)
            )
            for code in codes
        ]


@dataclass(frozen=True)
class Programme:
    """The loaded programme: its file, the notebook folder and the entries in file order."""

    path: Path
    notebooks_dir: Path
    notebooks: tuple[NotebookEntry, ...]

    @property
    def root(self) -> Path:
        """The folder of the programme file; ``inputs`` files are relative to it."""
        return self.path.parent

    def index_contributions(self) -> list[Callable[[list[dict]], dict]]:
        """The functions the entries register under ``index:``, each once, in file order.

        The runner calls each with every run's index entry and adds what it returns to the index's
        context (see :func:`resolve_index`).
        """
        names = dict.fromkeys(e.index for e in self.notebooks if e.index)
        return [resolve_index(name) for name in names]

    def get(self, name: str) -> NotebookEntry:
        """The entry called ``name`` (or whose notebook file is ``name``)."""
        for e in self.notebooks:
            if name in (e.name, e.path.name, e.path.stem):
                return e
        names = [e.name for e in self.notebooks]
        close = difflib.get_close_matches(name, names, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise ProgrammeError(
            f"no notebook '{name}' in {self.path}{hint}; it lists: {', '.join(names) or 'nothing'}"
        )


_INDEX_RULE = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")


def check_index(name: str) -> str:
    """Check an ``index:`` value, ``package.module:function``, without importing the module.

    The module is found on the path and its source read for a top-level ``def``, import or assignment
    of the name, so that loading the programme (a dry run, a no-change rerun, a preview) does not
    import a topic and its charts; :func:`resolve_index` imports it when the index is written. A module
    with no Python source is imported to check it.

    Raises
    ------
    ProgrammeError
        When the value is not of that form, the module is not found or does not name the function.

    Examples
    --------
    >>> check_index("lsp_research.topics.profiles:index_context")
    'lsp_research.topics.profiles:index_context'
    >>> check_index("lsp_research.topics.profiles:no_such")
    Traceback (most recent call last):
    ...
    lsp_research.errors.ProgrammeError: index: lsp_research.topics.profiles has no function 'no_such'
    """
    module_name, func = _split_index(name)
    try:
        spec = importlib.util.find_spec(module_name)
    except (ImportError, ValueError) as exc:  # a parent package that is missing or fails
        raise ProgrammeError(f"index: module {module_name} does not import ({exc})") from None
    if spec is None:
        raise ProgrammeError(
            f"index: module {module_name} does not import (No module named '{module_name}')"
        )
    if not (spec.origin or "").endswith(".py"):
        resolve_index(name)
        return name
    try:
        tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError) as exc:
        raise ProgrammeError(f"index: module {module_name} does not import ({exc})") from None
    names = _top_level_names(tree.body)
    if "*" in names:  # a star import may bind it: import to know
        resolve_index(name)
        return name
    if func not in names:
        raise ProgrammeError(f"index: {module_name} has no function {func!r}")
    return name


def _top_level_names(body: list[ast.stmt]) -> set[str]:
    """The names a module's top level binds (``def``, ``class``, import, assignment), including
    those under a top-level ``if``, ``try`` or ``with``.
    """
    names: set[str] = set()
    stack = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        elif isinstance(node, (ast.If, ast.Try, ast.With)):
            for part in ("body", "orelse", "finalbody", "handlers"):
                stack.extend(getattr(node, part, []))
        elif isinstance(node, ast.ExceptHandler):
            stack.extend(node.body)
    return names


def _split_index(name: str) -> tuple[str, str]:
    if not isinstance(name, str) or not _INDEX_RULE.match(name):
        raise ProgrammeError(
            f"index: must name a function as package.module:function "
            f"(e.g. lsp_research.topics.profiles:index_context), got {name!r}"
        )
    module_name, func = name.split(":")
    return module_name, func


def resolve_index(name: str) -> Callable[[list[dict]], dict]:
    """The function an ``index:`` value names, ``package.module:function``, imported.

    Raises
    ------
    ProgrammeError
        When the value is not of that form, the module does not import or has no such function.

    Examples
    --------
    >>> resolve_index("lsp_research.topics.profiles:index_context").__name__
    'index_context'
    >>> resolve_index("lsp_research.topics.profiles:no_such")
    Traceback (most recent call last):
    ...
    lsp_research.errors.ProgrammeError: index: lsp_research.topics.profiles has no function 'no_such'
    """
    module_name, func = _split_index(name)
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ProgrammeError(f"index: module {module_name} does not import ({exc})") from None
    except Exception as exc:  # noqa: BLE001 - the module's own code failed while importing
        raise ProgrammeError(
            f"index: module {module_name} does not import ({type(exc).__name__}: {exc})"
        ) from None
    fn = getattr(module, func, None)
    if not callable(fn):
        raise ProgrammeError(f"index: {module_name} has no function {func!r}")
    return fn


def set_id(code: str) -> str:
    """The set id of an area's run, which names its folder and files in the reports.

    >>> set_id("E05001158"), set_id("Coalfield"), set_id("St Peter's")
    ('E05001158', 'Coalfield', 'St-Peter-s')
    """
    return re.sub(r"[^A-Za-z0-9_-]+", "-", str(code)).strip("-")


_slug = set_id


def _close(value: str, options) -> str:
    close = difflib.get_close_matches(str(value), list(options), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def load_programme(path: str | Path | None = None) -> Programme:
    """Load and validate ``programme.yml`` (default: ``config.get_paths().programme``).

    Raises
    ------
    ProgrammeError
        Naming every problem: unknown keys, a missing notebook file, an ``over`` or tier that is not
        allowed, duplicate names, ill-typed values.
    """
    path = Path(path or get_paths().programme).resolve()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProgrammeError(f"programme file {path} does not exist") from None
    except yaml.YAMLError as exc:
        raise ProgrammeError(f"programme file {path} is not valid YAML: {exc}") from None
    problems: list[str] = []
    if not isinstance(data, dict):
        raise ProgrammeError(f"programme file {path} must be a mapping with a 'notebooks' list")
    for key in data:
        if key not in _TOP_KEYS:
            problems.append(
                f"unknown key '{key}'{_close(key, _TOP_KEYS)}; allowed: {', '.join(sorted(_TOP_KEYS))}"
            )
    if data.get("version", 1) != 1:
        problems.append(f"'version' must be 1, got {data.get('version')!r}")
    nb_dir = (path.parent / str(data.get("notebooks_dir", "notebooks"))).resolve()
    raw_entries = data.get("notebooks")
    if not isinstance(raw_entries, list) or not raw_entries:
        problems.append("'notebooks' must be a non-empty list of entries")
        raw_entries = []
    entries: list[NotebookEntry] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(raw_entries):
        entry = _entry(i, raw, nb_dir, problems)
        if isinstance(raw, dict) and "notebook" in raw:
            name = str(raw.get("name") or Path(str(raw["notebook"])).stem)
            if name in seen:
                problems.append(
                    f"notebooks[{i}]: name '{name}' is already used by notebooks[{seen[name]}]; "
                    "give one of them a different 'name'"
                )
            seen.setdefault(name, i)
        if entry is not None:
            entries.append(entry)
    if problems:
        n = len(problems)
        raise ProgrammeError(
            f"{n} problem{'s' if n != 1 else ''} in {path}:\n"
            + "\n".join(f"  - {p}" for p in problems)
        )
    return Programme(path, nb_dir, tuple(entries))


def _entry(i: int, raw: Any, nb_dir: Path, problems: list[str]) -> NotebookEntry | None:
    """One checked entry of ``notebooks:``, or None (its problems appended to ``problems``)."""
    if not isinstance(raw, dict) or "notebook" not in raw:
        problems.append(f"notebooks[{i}] must be a mapping with at least a 'notebook' key")
        return None
    notebook = str(raw["notebook"])
    name = str(raw.get("name") or Path(notebook).stem)
    where = f"notebooks[{i}] ({name})"
    n_before = len(problems)
    for key in raw:
        if key not in _ENTRY_KEYS:
            problems.append(
                f"{where}: unknown key '{key}'{_close(key, _ENTRY_KEYS)}; "
                f"allowed: {', '.join(sorted(_ENTRY_KEYS))}"
            )
    if not _NAME.match(name):
        problems.append(f"{where}: name must be letters, digits, '_' or '-', got {name!r}")
    nb_path = _notebook_path(where, notebook, nb_dir, problems)
    over = _entry_over(where, raw.get("over", "city"), problems)
    tiers = _entry_tiers(where, raw.get("tiers", ["executive", "operational"]), problems)
    inputs, params, area_parameter = _entry_parameters(where, raw, problems)
    timeout = raw.get("timeout", DEFAULT_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout <= 0:
        problems.append(
            f"{where}: 'timeout' must be a positive whole number of seconds, got {timeout!r}"
        )
        timeout = DEFAULT_TIMEOUT
    index = raw.get("index")
    if index is not None:
        try:
            check_index(index)  # imported only when the index is written
        except ProgrammeError as exc:
            problems.append(f"{where}: {exc}")
    if len(problems) > n_before:
        return None
    return NotebookEntry(
        name=name,
        path=nb_path,
        over=over,
        tiers=tuple(t for t in TIERS if t in tiers),
        inputs=tuple(inputs),
        parameters=dict(params),
        timeout=timeout,
        area_parameter=area_parameter,
        index=index,
    )


def _notebook_path(where: str, notebook: str, nb_dir: Path, problems: list[str]) -> Path:
    """The entry's notebook as an absolute path (a problem when it is not an existing .ipynb)."""
    nb_path = (nb_dir / notebook).resolve()
    if not notebook.endswith(".ipynb"):
        problems.append(f"{where}: 'notebook' must name a .ipynb file, got {notebook!r}")
    elif not nb_path.exists():
        present = sorted(p.name for p in nb_dir.glob("*.ipynb")) if nb_dir.is_dir() else []
        problems.append(f"{where}: notebook {nb_path} does not exist{_close(notebook, present)}")
    return nb_path


def _entry_over(where: str, over: Any, problems: list[str]) -> str | tuple[str, ...]:
    """The entry's ``over``: a keyword or a tuple of area codes (a problem when it is neither)."""
    if isinstance(over, list):
        if not over or not all(isinstance(c, str) and c for c in over):
            problems.append(
                f"{where}: an 'over' list must hold area codes as strings, got {over!r}"
            )
        return tuple(str(c) for c in over)
    if over not in OVER_KEYWORDS:
        problems.append(
            f"{where}: 'over' must be city, wards, areas or a list of area codes; got {over!r}"
            + _close(str(over), OVER_KEYWORDS)
        )
    return over


def _entry_tiers(where: str, tiers: Any, problems: list[str]) -> list:
    """The entry's tiers as a list (a problem for each that is not a tier)."""
    if isinstance(tiers, str):
        tiers = [tiers]
    if not isinstance(tiers, list) or not tiers:
        problems.append(f"{where}: 'tiers' must be a non-empty list of {', '.join(TIERS)}")
        tiers = []
    for t in tiers:
        if t not in TIERS:
            problems.append(
                f"{where}: unknown tier '{t}'{_close(str(t), TIERS)}; tiers are {', '.join(TIERS)}"
            )
    return tiers


def _entry_parameters(where: str, raw: dict, problems: list[str]) -> tuple[list, dict, str]:
    """The entry's ``inputs``, ``parameters`` and ``area_parameter``, checked."""
    inputs = raw.get("inputs", [])
    if not isinstance(inputs, list) or not all(isinstance(x, str) for x in inputs):
        problems.append(f"{where}: 'inputs' must be a list of table names or file paths")
        inputs = []
    params = raw.get("parameters", {}) or {}
    if not isinstance(params, dict) or not all(isinstance(k, str) for k in params):
        problems.append(f"{where}: 'parameters' must map parameter names to values")
        params = {}
    if "period" in params:
        problems.append(
            f"{where}: 'period' is set by 'lsp-research run --period', not in programme.yml"
        )
    area_parameter = str(raw.get("area_parameter", "area_code"))
    if area_parameter in params:
        problems.append(
            f"{where}: '{area_parameter}' comes from 'over'; remove it from 'parameters'"
        )
    return inputs, params, area_parameter
