"""Notebooks for the publishing tests (export, audit, reproducibility, browser).

``tagged_notebook()`` builds an "executed" notebook in memory (outputs made with the real helpers, no
kernel), fast enough for every test. ``SOURCE`` is a small notebook that papermill executes for the tests
that need a real kernel run.
"""

from __future__ import annotations

import nbformat
import pandas as pd

from lsp_research.plots import figure, show
from lsp_research.tables import show_table

#: Fixed provenance facts so that tests do not depend on git or on the data folder.
PROV = {
    "as_of": "2009Q3",
    "code_version": "git 0123456789ab",
    "lock_sha256": "ab" * 32,
    "data": [{"name": "admissions", "sha256": "cd" * 32, "date": "2010-03-31", "rows": 10}],
    "stale": ["police: data may be out of date (last updated 2009-06-30)."],
    "synthetic": True,
    "generated": "2010-04-01T09:00:00Z",
}

ADMISSIONS = pd.DataFrame(
    {"Ward": ["Hendon", "Millfield", "Pallion", "Total"], "Admissions": [3, 40, 12, 55]}
)


def html_output(html: str):
    return nbformat.v4.new_output(
        "display_data", data={"text/html": html, "text/plain": "<IPython.core.display.HTML object>"}
    )


def chart_html(alt: str = "Line chart of admissions rising from 4 in Q1 to 6 in Q3.") -> str:
    fig, ax = figure("Admissions per quarter", "Quarter", "Admissions (count)")
    ax.plot([1, 2, 3], [4, 5, 6], marker="o")
    return show(fig, alt=alt, caption="Source: synthetic data.", display=False)


def tagged_notebook():
    """Cells tagged for every tier, a parameters cell, an untagged setup cell and noisy outputs."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["papermill"] = {
        "parameters": {"period": "2009Q3"},
        "input_path": "performance.ipynb",
    }

    def code(src, tags, outputs=()):
        nb.cells.append(
            nbformat.v4.new_code_cell(
                src, id=f"c{len(nb.cells)}", metadata={"tags": list(tags)}, outputs=list(outputs)
            )
        )

    def md(src, tags):
        nb.cells.append(
            nbformat.v4.new_markdown_cell(
                src, id=f"m{len(nb.cells)}", metadata={"tags": list(tags)}
            )
        )

    code("import lsp_research  # SETUP-CELL-SOURCE", [])
    code("period: str = 'latest'  # PARAMETERS-CELL-SOURCE", ["parameters"])
    code(
        "# Parameters\nperiod = '2009Q3'",
        ["injected-parameters", "board"],
        [nbformat.v4.new_output("stream", name="stdout", text="INJECTED-OUTPUT\n")],
    )
    md("# Performance report", ["board"])
    md("## Red flags\n\nBOARD-TEXT: the board is asked to decide.", ["board"])
    code(
        "show_table(ADMISSIONS)  # TABLE-CELL-SOURCE",
        ["board"],
        [
            html_output(
                show_table(ADMISSIONS, "Admissions by ward", counts=["Admissions"], display=False)
            ),
            nbformat.v4.new_output(
                "execute_result", data={"text/plain": "'<div ...>'"}, execution_count=3
            ),
        ],
    )
    md("#### Exceptions\n\nEXECUTIVE-TEXT", ["executive"])
    code(
        "show(fig, alt=...)",
        ["executive"],
        [
            html_output(chart_html()),
            nbformat.v4.new_output("stream", name="stderr", text="UserWarning: STDERR-TEXT\n"),
            nbformat.v4.new_output(
                "display_data", data={"text/plain": "<Figure size 800x450 with 1 Axes>"}
            ),
        ],
    )
    md("## Every indicator\n\nOPERATIONAL-TEXT", ["operational"])
    code(
        "print('x')",
        ["operational"],
        [nbformat.v4.new_output("stream", name="stdout", text="PRINTED-TEXT\n")],
    )
    code(
        "x = 1  # UNTAGGED-SOURCE",
        [],
        [nbformat.v4.new_output("stream", name="stdout", text="UNTAGGED-OUTPUT\n")],
    )
    md("UNTAGGED-MARKDOWN", [])
    return nb


#: A notebook for papermill: a typed parameters cell and tagged outputs from the real helpers.
SOURCE_CELLS = [
    (
        "code",
        ["parameters"],
        'period: str = "2009Q3"  # financial-year quarter YYYYQn\nseed: int = 1  # chart seed',
    ),
    (
        "code",
        [],
        "import numpy as np\nimport pandas as pd\nfrom IPython.display import Markdown, display\n"
        "from lsp_research.plots import figure, show\nfrom lsp_research.tables import show_table",
    ),
    ("markdown", ["board"], "# Demonstration report\n\nA report for the publishing tests."),
    (
        "code",
        ["board"],
        "t = pd.DataFrame({'Ward': ['Hendon', 'Millfield', 'Pallion', 'Total'], 'Admissions': [3, 40, 12, 55]})\n"
        "show_table(t, f'Admissions by ward, {period}', counts=['Admissions'])",
    ),
    ("markdown", ["executive"], "## Trend"),
    (
        "code",
        ["executive"],
        "rng = np.random.default_rng(seed)\n"
        "fig, ax = figure('Admissions per quarter', 'Quarter', 'Admissions (count)')\n"
        "ax.plot(range(8), rng.poisson(50, 8), marker='o')\n"
        "show(fig, alt='Line chart of admissions per quarter over eight quarters.')",
    ),
    ("markdown", ["operational"], "## Detail"),
    (
        "code",
        ["operational"],
        "display(Markdown(f'The period is **{period}**.'))\nprint('rows:', len(t))",
    ),
]


def source_notebook():
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "lsp-research",
        "display_name": "Python (lsp-research)",
        "language": "python",
    }
    for i, (kind, tags, src) in enumerate(SOURCE_CELLS):
        make = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
        nb.cells.append(make(src, id=f"cell{i}", metadata={"tags": tags}))
    return nb


def execute(tmp_path, parameters=None):
    """Execute ``source_notebook()`` with papermill; return the executed notebook node."""
    import papermill

    src = tmp_path / "demo.ipynb"
    out = tmp_path / "demo.out.ipynb"
    nbformat.write(source_notebook(), src)
    papermill.execute_notebook(
        str(src),
        str(out),
        parameters=parameters or {"period": "2009Q3"},
        kernel_name="lsp-research",
        progress_bar=False,
        log_output=False,
        cwd=str(tmp_path),
    )
    return nbformat.read(out, as_version=4)
