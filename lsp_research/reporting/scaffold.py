"""``lsp-research new report NAME``: start a new report template in the house style.

The new notebook has a typed ``parameters`` cell, a setup cell, and example cells tagged for the executive
and operational tiers, and is paired with a percent-format script for review. It is written to
``notebooks/NAME.ipynb`` (never overwriting an existing file) exactly as the pre-commit hooks leave a
notebook (stable cell ids, the script written with the project's ``jupytext.toml`` filters, so no
jupytext header), so its first commit passes them.

>>> nb = report_notebook("housing_needs", title="Housing needs")
>>> [c.metadata.get("tags", []) for c in nb.cells][:3]
[['parameters'], [], ['executive']]
>>> "period: str = \\"latest\\"" in nb.cells[0].source
True
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import PROJ_ROOT, get_paths
from ..errors import ParameterError

if (
    TYPE_CHECKING
):  # nbformat takes seconds to import: only the commands that write notebooks load it
    import nbformat

NAME_RULE = re.compile(r"^[a-z][a-z0-9_]{2,40}$")

PARAMETERS = """\
period: str = "latest"  # financial-year quarter YYYYQn (e.g. 2009Q3), or "latest"
"""

SETUP = """\
from lsp_research import data, periods
from lsp_research.plots import figure, show
from lsp_research.tables import show_table

quarter = periods.resolve(period, data.load("indicator_returns")["period"])
population = data.load("population")
wards = data.load("wards")
"""

SUMMARY_MD = """\
# {title}

**Period:** the financial year to the quarter chosen when the report was run.

Write the headline findings here: what changed, for whom, and what the partnership is asked to note or
decide. Keep the executive tier short.
"""

EXAMPLE_TABLE = """\
year = min(quarter.year, int(population["year"].max()))  # mid-year estimate for the financial year
pop = population[population["year"] == year].merge(wards[["ward_code", "area_committee"]], on="ward_code")
by_area = pop.groupby("area_committee", as_index=False)["population"].sum()
show_table(by_area, caption=f"Resident population by area committee, mid-{year}", counts=["population"])
"""

EXAMPLE_CHART = """\
fig, ax = figure("Resident population by area committee", xlabel="Area committee", ylabel="Residents (count)")
ax.bar(by_area["area_committee"], by_area["population"])
show(fig, alt="Bar chart of resident population in each of the five area committees.")
"""

METHODS_MD = """\
## Methods and notes

Say where each figure comes from (source tables, their owners and extract dates), the statistical methods
(link `docs/methods.md`), and any assumptions (add them to `docs/assumptions.md`).
"""


def report_notebook(name: str, title: str | None = None) -> nbformat.NotebookNode:
    """Build the starter notebook for report ``name``."""
    import nbformat

    if not NAME_RULE.match(name):
        raise ParameterError(
            f"report name '{name}' is not allowed: use 3-41 lower-case letters, digits and underscores, "
            "starting with a letter (e.g. housing_needs)"
        )
    title = title or name.replace("_", " ").capitalize()

    def code(src, tags):
        return nbformat.v4.new_code_cell(src.rstrip("\n"), metadata={"tags": tags} if tags else {})

    def md(src, tags):
        return nbformat.v4.new_markdown_cell(
            src.rstrip("\n"), metadata={"tags": tags} if tags else {}
        )

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        code(PARAMETERS, ["parameters"]),
        code(SETUP, []),
        md(SUMMARY_MD.format(title=title), ["executive"]),
        code(EXAMPLE_TABLE, ["executive"]),
        code(EXAMPLE_CHART, ["executive"]),
        md(METHODS_MD, ["operational"]),
    ]
    nb.metadata["kernelspec"] = {
        "name": "lsp-research",
        "display_name": "Python (lsp-research)",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{name[:20]}-{i}"
    return nb


def new_report(
    name: str, title: str | None = None, notebooks_dir: Path | None = None
) -> list[Path]:
    """Write ``notebooks/NAME.ipynb`` and its paired ``NAME.py``; refuse to overwrite."""
    import jupytext
    import nbformat

    folder = Path(notebooks_dir or get_paths().notebooks)
    ipynb, script = folder / f"{name}.ipynb", folder / f"{name}.py"
    nb = report_notebook(name, title)
    for path in (ipynb, script):
        if path.exists():
            raise ParameterError(f"{path} already exists; choose another report name")
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, ipynb)
    jupytext.write(nb, script, fmt="py:percent", config=jupytext_config(folder))
    return [ipynb, script]


def jupytext_config(folder: Path):
    """The jupytext configuration that applies in ``folder``: the nearest ``jupytext.toml`` above it,
    else the project's, so a script is written the way ``jupytext --sync`` (the hook) writes it."""
    from jupytext.config import (
        find_jupytext_configuration_file,
        load_jupytext_configuration_file,
    )

    found = find_jupytext_configuration_file(str(folder)) or str(PROJ_ROOT / "jupytext.toml")
    return load_jupytext_configuration_file(found)


PROGRAMME_SNIPPET = """\
  - notebook: {name}.ipynb
    over: city
    tiers: [executive, operational]
"""


def _cmd_new_report(args) -> int:
    paths = new_report(args.name, args.title)
    for p in paths:
        print(f"created {p}")
    print(
        "Add it to programme.yml so 'lsp-research run' includes it, for example:\n"
        + PROGRAMME_SNIPPET.format(name=args.name)
        + "Then open it with 'make lab'. See docs/adding_a_report.md."
    )
    return 0


def register(subparsers) -> None:
    new = subparsers.add_parser("new")
    what = new.add_subparsers(title="what", metavar="WHAT")
    rep = what.add_parser(
        "report", help="a new report notebook with parameters, tiers and house style"
    )
    rep.add_argument(
        "name", help="report name: lower case, digits, underscores (e.g. housing_needs)"
    )
    rep.add_argument("--title", help="the report's title (default: from the name)")
    rep.set_defaults(func=_cmd_new_report)
