"""The shape of the package (issue 21): small modules and functions, geography through ``geo``, one
error contract, one topic interface.

Each check is a test per module, so a failing run names the modules that still break it.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import lsp_research
from lsp_research.errors import LspError
from lsp_research.topics import base

PACKAGE = Path(lsp_research.__file__).parent
MODULES = sorted(PACKAGE.rglob("*.py"))
IDS = [p.relative_to(PACKAGE.parent).as_posix() for p in MODULES]

MAX_MODULE_LINES = 800
MAX_FUNCTION_LINES = 120
#: Functions that are tables of data, not logic, and may be longer (module path::function).
DATA_TABLES: set[str] = set()  # none today: the column specifications are a module constant
#  (lsp_research/data/specs.py); name a function here only when it is a table of data
#: Exception classes that are not errors: they derive from KeyboardInterrupt, so that no
#: ``except Exception`` (nor ``except LspError``) on the way up swallows an interruption.
NOT_ERRORS = {"RunInterrupted"}
HELPER_WORDS = re.compile(r"distance|nearest|centroid", re.IGNORECASE)


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _functions(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def _body_lines(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """A function's lines from ``def`` to its end, its docstring not counted (examples are wanted)."""
    lines = fn.end_lineno - fn.lineno + 1
    first = fn.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
        if isinstance(first.value.value, str):
            lines -= first.end_lineno - first.lineno + 1
    return lines


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def test_the_helpers_measure_what_they_say():
    tree = ast.parse('def f():\n    """Doc\n\n    more.\n    """\n    a = 1\n    return a\n')
    assert [_body_lines(fn) for fn in _functions(tree)] == [3]
    assert _module_name(PACKAGE / "reporting" / "__init__.py") == "lsp_research.reporting"
    assert HELPER_WORDS.search("ward_centroids") and not HELPER_WORDS.search("centre_uptake")


@pytest.mark.parametrize("path", MODULES, ids=IDS)
def test_no_module_over_800_lines(path):
    n = len(path.read_text(encoding="utf-8").splitlines())
    assert n <= MAX_MODULE_LINES, f"{n} lines; split it by concern (at most {MAX_MODULE_LINES})"


@pytest.mark.parametrize("path", MODULES, ids=IDS)
def test_no_function_over_120_lines(path):
    rel = path.relative_to(PACKAGE.parent).as_posix()
    long = {
        fn.name: _body_lines(fn)
        for fn in _functions(_tree(path))
        if _body_lines(fn) > MAX_FUNCTION_LINES and f"{rel}::{fn.name}" not in DATA_TABLES
    }
    assert long == {}, f"functions over {MAX_FUNCTION_LINES} lines (docstring not counted): {long}"


def test_the_data_tables_allowed_to_be_long_still_exist():
    for entry in DATA_TABLES:
        rel, name = entry.split("::")
        assert name in {fn.name for fn in _functions(_tree(PACKAGE.parent / rel))}, entry


TOPIC_MODULES = [p for p in MODULES if "topics" in p.relative_to(PACKAGE).parts[:1]]


@pytest.mark.parametrize(
    "path", TOPIC_MODULES, ids=[p.relative_to(PACKAGE.parent).as_posix() for p in TOPIC_MODULES]
)
def test_topics_define_no_distance_nearest_or_centroid_helper(path):
    own = sorted(fn.name for fn in _functions(_tree(path)) if HELPER_WORDS.search(fn.name))
    assert own == [], f"use lsp_research.geo for geography, not {own}"


def _exception_classes_in_source(tree: ast.AST) -> list[str]:
    """Classes whose bases read like exceptions, at any depth (one made inside a function too)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            bases = [
                b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases
            ]
            if any(re.search(r"(Error|Exception|Interrupt|Problem)$", b) for b in bases):
                found.append(node.name)
    return found


@pytest.mark.parametrize("path", MODULES, ids=IDS)
def test_every_exception_class_lives_in_errors_and_derives_from_lsp_error(path):
    module = importlib.import_module(_module_name(path))
    defined = sorted(
        name
        for name, obj in vars(module).items()
        if inspect.isclass(obj)
        and issubclass(obj, BaseException)
        and obj.__module__ == module.__name__
    )
    if module.__name__ != "lsp_research.errors":
        assert defined == [], "exception classes belong in lsp_research/errors.py"
        assert _exception_classes_in_source(_tree(path)) == []
        return
    assert {"LspError", "InputError", "FileProblem", "RunError"} <= set(defined)
    not_errors = [n for n in defined if not issubclass(getattr(module, n), LspError)]
    assert not_errors == sorted(NOT_ERRORS)


TOPICS = sorted(
    m.name
    for m in pkgutil.iter_modules([str(PACKAGE / "topics")])
    if m.name not in ("base", "__init__")
)


@pytest.mark.parametrize("name", TOPICS)
def test_every_topic_package_has_the_one_interface(name):
    assert base.check_topic(name) == []


@pytest.mark.parametrize("path", MODULES, ids=IDS)
def test_no_function_over_120_lines_counting_its_docstring(path):
    """The same limit with the docstring counted too: a long docstring is still a long screen."""
    rel = path.relative_to(PACKAGE.parent).as_posix()
    long = {
        fn.name: fn.end_lineno - fn.lineno + 1
        for fn in _functions(_tree(path))
        if fn.end_lineno - fn.lineno + 1 > MAX_FUNCTION_LINES
        and f"{rel}::{fn.name}" not in DATA_TABLES
    }
    assert long == {}, f"functions over {MAX_FUNCTION_LINES} lines from def to end: {long}"


MODULE_NAMES = {_module_name(p) for p in MODULES}


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _imported_from(path: Path, node: ast.ImportFrom) -> str:
    """The absolute module an ``ImportFrom`` reads (relative imports resolved against ``path``)."""
    if node.level == 0:
        return node.module or ""
    parts = _module_name(path).split(".")
    if path.name != "__init__.py":
        parts.pop()
    parts = parts[: len(parts) - (node.level - 1)]
    return ".".join(parts + ([node.module] if node.module else []))


def _private_imports(path: Path, tree: ast.AST) -> list[str]:
    """Private names of other package modules this module uses: ``from m import _x`` and ``m._x``
    where ``m`` is a package module bound by an import (``from . import m``, ``import a.m as m``).
    """
    here = _module_name(path)
    bound: dict[str, str] = {}
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            source = _imported_from(path, node)
            if source.split(".")[0] != "lsp_research":
                continue
            for alias in node.names:
                if f"{source}.{alias.name}" in MODULE_NAMES:
                    bound[alias.asname or alias.name] = f"{source}.{alias.name}"
                elif _private(alias.name):
                    found.append((node.lineno, f"from {source} import {alias.name}"))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in MODULE_NAMES:
                    bound[alias.asname or alias.name.split(".")[0]] = alias.name
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and _private(node.attr)
            and isinstance(node.value, ast.Name)
            and bound.get(node.value.id, here) != here
        ):
            found.append((node.lineno, f"{node.value.id}.{node.attr}"))
    return [f"line {n}: {what}" for n, what in sorted(found)]


def test_the_private_import_finder_finds_both_forms():
    path = PACKAGE / "reporting" / "runner.py"
    src = (
        "from . import stage as st\nfrom .records import _now, first_line\n"
        "from ..stats import _frame\nfrom .plan import Planned\nimport lsp_research.geo as g\n"
        "st._place(1)\ng._crs\n_frame.as_by\nst.__name__\nst.place_result\n"
    )
    assert _private_imports(path, ast.parse(src)) == [
        "line 2: from lsp_research.reporting.records import _now",
        "line 6: st._place",
        "line 7: g._crs",
    ]


@pytest.mark.parametrize("path", MODULES, ids=IDS)
def test_no_module_imports_a_private_name_of_another(path):
    """A name shared between modules is public where it is defined: no ``from m import _x``, no
    ``m._x`` across modules of the package.
    """
    assert _private_imports(path, _tree(path)) == []


REPEAT_LINES = 6


def _code_lines(path: Path) -> list[tuple[int, str]]:
    """``(line number, stripped text)`` of a module's code lines: no blank lines, comment lines,
    docstrings (of the module, its classes and its functions) or ``__all__`` lists (names, not
    code: every topic exports the same interface names, ``docs/adding_a_report.md``).
    """
    text = path.read_text(encoding="utf-8")
    skip: set[int] = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            skip.update(range(node.lineno, node.end_lineno + 1))
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            doc = body[0].value
            if isinstance(doc, ast.Constant) and isinstance(doc.value, str):
                skip.update(range(body[0].lineno, body[0].end_lineno + 1))
    return [
        (n, line.strip())
        for n, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.strip().startswith("#") and n not in skip
    ]


def _repeated_blocks(
    files: dict[str, list[tuple[int, str]]], size: int = REPEAT_LINES
) -> list[str]:
    """Places where the same ``size`` consecutive code lines stand twice (in two files, or twice in
    one file without overlapping), each as ``a.py:10-15 = b.py:40-45``.
    """
    seen: dict[tuple[str, ...], tuple[str, int, int]] = {}
    found = []
    for name, lines in files.items():
        for i in range(len(lines) - size + 1):
            block = tuple(text for _, text in lines[i : i + size])
            first, last = lines[i][0], lines[i + size - 1][0]
            if block not in seen:
                seen[block] = (name, i, first)
                continue
            other, j, at = seen[block]
            if other == name and i - j < size:
                continue  # the same block overlapping itself (a run of equal lines)
            found.append(f"{name}:{first}-{last} = {other}:{at}")
    return found


def test_the_repeat_finder_finds_a_repeat_and_not_docstrings_or_comments(tmp_path):
    same = [(n, f"x{n % 7} = {n % 7}") for n in range(1, 8)]
    assert _repeated_blocks({"a.py": same[:6], "b.py": same[:6]}) == ["b.py:1-6 = a.py:1"]
    assert _repeated_blocks({"a.py": same[:6], "b.py": same[:5]}) == []
    assert _repeated_blocks({"a.py": [(n, "pass") for n in range(1, 9)]}) == []
    module = PACKAGE / "stats" / "_types.py"
    assert [text for _, text in _code_lines(module)][:1] == ["from __future__ import annotations"]
    names = tmp_path / "m.py"
    names.write_text(
        '"""Doc."""\n\nx = 1  # kept\n__all__ = [\n    "a",\n    "b",\n]\ny = [\n    2,\n]\n'
    )
    assert _code_lines(names) == [(3, "x = 1  # kept"), (8, "y = ["), (9, "2,"), (10, "]")]


def test_no_block_of_six_code_lines_stands_twice_in_the_package():
    """No run of six identical code lines (stripped; docstrings, comments and blank lines left out)
    appears twice in the package: a repeated block becomes one function or constant.
    """
    files = {p.relative_to(PACKAGE.parent).as_posix(): _code_lines(p) for p in MODULES}
    repeats = _repeated_blocks(files)
    assert repeats == [], f"{len(repeats)} repeated blocks (first 20): {repeats[:20]}"
