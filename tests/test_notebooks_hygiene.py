"""Notebooks are reviewable as text and committed clean.

- every notebook in ``notebooks/`` (templates and exploratory) has a paired percent-format script that
  matches it cell for cell (``jupytext --sync`` mends a drifted pair);
- no notebook is committed with outputs or execution counts;
- every report template starts with a ``parameters`` cell.
"""

from pathlib import Path

import jupytext
import nbformat
import pytest

from lsp_research.config import get_paths

NOTEBOOKS = sorted(
    p for p in get_paths().notebooks.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
)
TEMPLATES = [p for p in NOTEBOOKS if p.parent == get_paths().notebooks]


def _ids(paths):
    return [str(p.relative_to(get_paths().notebooks)) for p in paths]


def test_there_are_notebooks():
    assert TEMPLATES, "no report templates found in notebooks/"


def _cells(nb):
    return [(c.cell_type, c.source.strip(), tuple(c.metadata.get("tags", []))) for c in nb.cells]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_paired_script_matches_notebook(path: Path):
    script = path.with_suffix(".py")
    assert script.exists(), f"{script.name} is missing: run 'jupytext --sync {path}'"
    from_script = jupytext.read(script, fmt="py:percent")
    from_ipynb = nbformat.read(path, as_version=4)
    assert _cells(from_script) == _cells(from_ipynb), (
        f"{script.name} and {path.name} differ: run 'jupytext --sync {path}'"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_committed_without_outputs(path: Path):
    nb = nbformat.read(path, as_version=4)
    dirty = [
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and (c.outputs or c.execution_count)
    ]
    assert not dirty, f"{path.name}: cells {dirty} have outputs; run 'nbstripout {path}'"


@pytest.mark.parametrize("path", TEMPLATES, ids=_ids(TEMPLATES))
def test_templates_start_with_typed_parameters(path: Path):
    nb = nbformat.read(path, as_version=4)
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert "parameters" in first.metadata.get("tags", []), (
        f"{path.name}: first code cell is not tagged parameters"
    )
    lines = [
        ln for ln in first.source.splitlines() if ln.strip() and not ln.strip().startswith("#")
    ]
    untyped = [ln for ln in lines if ":" not in ln.split("=")[0]]
    assert not untyped, f"{path.name}: parameters without a type annotation: {untyped}"
