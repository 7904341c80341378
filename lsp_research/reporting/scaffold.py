"""``lsp-research new report NAME``: start a new report in the house style, as a topic and a notebook.

It writes the topic package ``lsp_research/topics/NAME/`` split by concern (``inputs``, ``analysis``,
``charts``, ``tables``, ``text``: the one interface of :mod:`lsp_research.topics.base`, with a worked
example and its doctests) and the notebook ``notebooks/NAME.ipynb`` that uses it in the four steps every
topic notebook takes (``validate_params``, ``load_inputs``, ``analyse``, then tables, charts and words
from the result): a typed ``parameters`` cell, a setup cell, and cells tagged for the executive and
operational tiers. The notebook is paired with a percent-format script for review and written exactly as
the pre-commit hooks leave a notebook (stable cell ids, the script written with the project's
``jupytext.toml`` filters, so no jupytext header), so its first commit passes them. Nothing existing is
overwritten.

>>> nb = report_notebook("housing_needs", title="Housing needs")
>>> [c.metadata.get("tags", []) for c in nb.cells][:3]
[['parameters'], [], ['executive']]
>>> "period: str = \\"latest\\"" in nb.cells[0].source
True
>>> print(nb.cells[1].source.splitlines()[-3])
params = housing_needs.validate_params(period)
>>> sorted(topic_files("housing_needs", "Housing needs"))
['__init__.py', 'analysis.py', 'charts.py', 'inputs.py', 'tables.py', 'text.py']
"""

from __future__ import annotations

import re
from pathlib import Path
from string import Template
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
from IPython.display import Markdown, display

from lsp_research.plots import show
from lsp_research.tables import show_table
from lsp_research.topics import {name}

params = {name}.validate_params(period)
inputs = {name}.load_inputs(params)
res = {name}.analyse(params, inputs)
"""

SUMMARY_MD = """\
# {title}

**Period:** the financial year to the quarter chosen when the report was run.
"""

FINDINGS = """\
display(Markdown({name}.text.findings(res)))
"""

EXAMPLE_TABLE = """\
show_table(**{name}.tables.population_by_area(res))
"""

EXAMPLE_CHART = """\
fig, alt = {name}.charts.population_by_area(res)
show(fig, alt=alt)
"""

METHODS = """\
display(Markdown({name}.text.methods_notes(res)))
"""

#: The topic package's modules, from ``resources/topic_template/<module>.py.tmpl``.
TOPIC_TEMPLATE = Path(__file__).resolve().parents[1] / "resources" / "topic_template"
#: Where new topic packages go: the ``topics`` folder of the package that is running.
TOPICS_DIR = Path(__file__).resolve().parents[1] / "topics"


def topic_files(name: str, title: str) -> dict[str, str]:
    """The topic package's files (file name -> text) for report ``name``."""
    safe = title.replace("\\", "/").replace('"', "'")  # the title goes into docstrings
    return {
        path.name.removesuffix(".tmpl"): Template(path.read_text(encoding="utf-8")).substitute(
            name=name, title=safe
        )
        for path in sorted(TOPIC_TEMPLATE.glob("*.py.tmpl"))
    }


def report_notebook(name: str, title: str | None = None) -> nbformat.NotebookNode:
    """Build the starter notebook for report ``name``."""
    import nbformat

    if not NAME_RULE.match(name):
        raise ParameterError(
            f"report name '{name}' is not allowed: use 3-41 lower-case letters, digits and underscores, "
            "starting with a letter (e.g. housing_needs)"
        )
    title = title or _title(name)

    def code(src, tags):
        return nbformat.v4.new_code_cell(src.rstrip("\n"), metadata={"tags": tags} if tags else {})

    def md(src, tags):
        return nbformat.v4.new_markdown_cell(
            src.rstrip("\n"), metadata={"tags": tags} if tags else {}
        )

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        code(PARAMETERS, ["parameters"]),
        code(SETUP.format(name=name), []),
        md(SUMMARY_MD.format(title=title), ["executive"]),
        code(FINDINGS.format(name=name), ["executive"]),
        code(EXAMPLE_TABLE.format(name=name), ["executive"]),
        code(EXAMPLE_CHART.format(name=name), ["executive"]),
        code(METHODS.format(name=name), ["operational"]),
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
    name: str,
    title: str | None = None,
    notebooks_dir: Path | None = None,
    topics_dir: Path | None = None,
) -> list[Path]:
    """Write the topic package ``topics/NAME/`` and ``notebooks/NAME.ipynb`` with its paired
    ``NAME.py``; refuse to overwrite anything.

    Returns the files written: the notebook, its script, then the package's modules.
    """
    import jupytext
    import nbformat

    folder = Path(notebooks_dir or get_paths().notebooks)
    topics = Path(topics_dir or TOPICS_DIR)
    ipynb, script = folder / f"{name}.ipynb", folder / f"{name}.py"
    nb = report_notebook(name, title)
    package = topics / name
    for path in (ipynb, script, package, topics / f"{name}.py"):
        if path.exists():
            raise ParameterError(f"{path} already exists; choose another report name")
    files = topic_files(name, title or _title(name))
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, ipynb)
    jupytext.write(nb, script, fmt="py:percent", config=jupytext_config(folder))
    package.mkdir(parents=True)
    written = [ipynb, script]
    for file_name, text in files.items():
        (package / file_name).write_text(text, encoding="utf-8")
        written.append(package / file_name)
    return written


def _title(name: str) -> str:
    return name.replace("_", " ").capitalize()


def jupytext_config(folder: Path):
    """The jupytext configuration that applies in ``folder``: the nearest ``jupytext.toml`` above it,
    else the project's, so a script is written the way ``jupytext --sync`` (the hook) writes it.
    """
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
        + f"Write the analysis in lsp_research/topics/{args.name}/ (inputs, analysis, charts, tables,\n"
        "text) with tests; keep the notebook to the four steps and the tables, charts and words.\n"
        "Then open it with 'make lab'. See docs/adding_a_report.md."
    )
    return 0


def register(subparsers) -> None:
    """Add the ``new`` command (``new report``) to the CLI's ``subparsers``."""
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
