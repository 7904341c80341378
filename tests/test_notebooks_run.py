"""Every notebook in notebooks/ (report templates and exploratory work) runs top to bottom on the default
data with its default parameters and no edits, as an analyst would open it in JupyterLab."""

import nbformat
import papermill
import pytest

from lsp_research.config import get_paths

NOTEBOOKS = sorted(
    p for p in get_paths().notebooks.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
)


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_with_defaults(path, processed_data, tmp_path):
    out = tmp_path / path.name
    papermill.execute_notebook(
        str(path),
        str(out),
        kernel_name="python3",
        cwd=str(tmp_path),
        progress_bar=False,
        execution_timeout=300,
    )
    nb = nbformat.read(out, as_version=4)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    shown = [o for c in nb.cells for o in c.get("outputs", [])]
    assert shown, f"{path.name} showed nothing"
