"""The guides are right: what they claim holds, and following them in a copy of the project leaves the
project's own checks green.

The slow test copies the project (its tracked files, as they are in this working tree) to a temporary
folder, follows ``docs/adding_an_indicator.md``, ``docs/adding_a_report.md``,
``docs/adding_a_data_source.md`` (a new source: its files, catalogue entry, schema and one declaration)
and ``docs/real_data.md`` (published formats in a raw folder of their own) there with the commands and
code blocks the guides give, and then runs the project's own checks (``PROJECT_CHECKS``: the test
modules that check every indicator, source, topic, notebook and programme entry, which is what the guides
add) once in the copy, with the copy's package imported (``PYTHONPATH``) so that its registry, catalogue,
data and notebooks are the ones under test. (The whole quick suite there would run it twice per
``make test``; the analysis and statistics tests do not read what the guides change.)
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from project_copy import copy_project

from lsp_research.cli import COMMANDS
from lsp_research.config import PROJ_ROOT
from lsp_research.data import catalogue, loaders, sources
from lsp_research.data.loaders import Context, load_file
from lsp_research.performance.registry import THEMES
from lsp_research.reporting.parameters import read_parameters

DOCS = PROJ_ROOT / "docs"
INDICATOR_GUIDE = DOCS / "adding_an_indicator.md"
REPORT_GUIDE = DOCS / "adding_a_report.md"
DATA_GUIDE = DOCS / "adding_a_data_source.md"
REAL_DATA = DOCS / "real_data.md"


def _blocks(guide: Path, lang: str) -> list[str]:
    found = re.findall(r"```(\w*)\n(.*?)```", guide.read_text(encoding="utf-8"), re.S)
    return [re.sub(r"(?m)^ {3}", "", body) if guide == REPORT_GUIDE else body
            for kind, body in found if kind == lang]  # fmt: skip


# ------------------------------------------------------------------------------ what the guides claim


def test_indicator_codes_with_spaces_or_lower_case_load_as_the_registry_writes_them(tmp_path):
    path = tmp_path / "NI195_returns.csv"
    path.write_text(
        "indicator_code,period,area_code,value,numerator,denominator,submitted_on,submitted_by\n"
        "NI 195,2008Q1,E08000024,11.2,112,1000,2008-08-01,Sunderland City Council\n"
        "ni195,2008Q2,E08000024,10.8,108,1000,2008-11-03,Sunderland City Council\n"
    )
    tables, problems = load_file(path, "partner_return", Context(), label=path.name)
    assert problems == []
    assert tables["returns"]["indicator_code"].tolist() == ["NI195", "NI195"]


def test_the_theme_parameter_takes_every_theme_the_guide_lists():
    theme = read_parameters(PROJ_ROOT / "notebooks" / "performance.ipynb")["theme"]
    assert theme.allowed == ("all", *THEMES)
    row = next(
        line for line in INDICATOR_GUIDE.read_text().splitlines() if line.startswith("| `theme`")
    )
    assert re.findall(r"`([a-z]+)`", row.split("|")[2]) == list(THEMES)


def test_readme_lists_every_command():
    readme = (PROJ_ROOT / "README.md").read_text()
    for name in COMMANDS:
        assert f"`lsp-research {name}" in readme, name
    assert (
        "`lsp-research indicators check`" in readme and "`lsp-research indicators list`" in readme
    )


# --------------------------------------------------------------------------- following them, in a copy


def _follow_the_indicator_guide(project: Path, run) -> str:
    entry, targets, catalogue_files = (
        b
        for b in _blocks(INDICATOR_GUIDE, "yaml")
        if "code:" in b or "trajectory" in b or "path:" in b
    )
    returns_csv = _blocks(INDICATOR_GUIDE, "csv")[0]
    code = re.search(r"code: (\S+)", entry).group(1)
    registry = project / "indicators.yml"
    text = registry.read_text()
    while re.search(rf"(?m)^\s*- code: {code}\s*$", text):  # the guide was followed in the project
        new = f"{code}X"  # itself: follow it again with a code not yet registered
        entry, targets, returns_csv = (
            re.sub(rf"\b{code}\b", new, b) for b in (entry, targets, returns_csv)
        )
        code = new
    # Step 1: the entry at the end of the indicators: list; step 2: the targets under targets:.
    head, tail = text.split("\ntargets:\n", 1)
    registry.write_text(
        head.rstrip("\n") + "\n" + entry + "\ntargets:\n" + tail.rstrip("\n") + "\n"
        + targets.split("targets:\n", 1)[1]
    )  # fmt: skip
    check = run("indicators", "check")
    assert "OK" in check.stdout
    # Step 3: the partner's return in the returns folder, which the default catalogue already lists
    folder = re.search(r"`(data/raw/indicators/returns)/(\S+)`", INDICATOR_GUIDE.read_text())
    listed = yaml.safe_load((project / "data" / "catalogue.yml").read_text())["sources"][
        "indicators"
    ]
    assert any(
        (f["path"], f["format"]) == ("indicators/returns/", "partner_return")
        for f in listed["files"]
    )
    (project / folder.group(1) / folder.group(2)).write_text(returns_csv)
    assert catalogue_files.strip().startswith("- path: indicators/")  # for a file kept elsewhere
    # Steps 4 and 5: build the data, run the quarter.
    run("data", "build")
    run("run", "--period", "latest", "--only", "performance", "--quiet")
    return code


def _follow_the_report_guide(project: Path, run) -> None:
    start = next(b for b in _blocks(REPORT_GUIDE, "") if "new report" in b)
    args = shlex.split(start.split("lsp-research", 1)[1])
    name = args[2]
    run(*args)
    # Steps 1-3: a topic package with the one interface, and a notebook taking the four steps
    assert sorted(p.name for p in (project / "lsp_research" / "topics" / name).glob("*.py")) == [
        "__init__.py", "analysis.py", "charts.py", "inputs.py", "tables.py", "text.py",
    ]  # fmt: skip
    steps = next(b for b in _blocks(REPORT_GUIDE, "python") if "analyse(params, inputs)" in b)
    setup = json.loads((project / "notebooks" / f"{name}.ipynb").read_text())["cells"][1]["source"]
    for line in steps.splitlines()[:3]:
        assert line.split("#")[0].strip() in "".join(setup), line
    shown = run("preview", name, "--tier", "executive").stdout
    page = Path(shown.split("executive", 1)[1].split()[0])
    assert "Resident population by area committee" in (project / page).read_text()
    snippet = next(b for b in _blocks(REPORT_GUIDE, "yaml") if "notebook:" in b)
    programme = project / "programme.yml"
    programme.write_text(programme.read_text().rstrip("\n") + "\n" + snippet)
    assert f"Parameters of {name}.ipynb" in run("describe", name).stdout
    planned = run("run", "--period", "latest", "--dry-run").stdout.splitlines()
    assert any(line.split()[:2] == [name, "city"] and "would run" in line for line in planned)


def _fenced(guide: Path) -> list[tuple[str, str, str]]:
    """The guide's code blocks: (language, label, text); the label follows the language
    (```` ```python schema ````)."""
    return re.findall(r"(?ms)^```(\w*) ?(\w*)\n(.*?)^```", guide.read_text(encoding="utf-8"))


def _labelled(guide: Path, lang: str) -> dict[str, str]:
    """The guide's labelled code blocks of ``lang``, by label."""
    return {label: body for kind, label, body in _fenced(guide) if kind == lang and label}


def _follow_the_data_source_guide(project: Path, run) -> None:
    """``docs/adding_a_data_source.md``: the fire callouts added as it says, built, then a bad file."""
    csv_, py = _labelled(DATA_GUIDE, "csv"), _labelled(DATA_GUIDE, "python")
    callouts = project / "data" / "raw" / "fire" / "callouts.csv"
    callouts.parent.mkdir(parents=True)
    callouts.write_text(csv_["callouts"])  # 1. the files
    catalogue = project / "data" / "catalogue.yml"  # 2. the entry, under sources: (its last key)
    catalogue.write_text(
        catalogue.read_text().rstrip("\n") + "\n" + _labelled(DATA_GUIDE, "yaml")["catalogue"]
    )
    specs_py = (
        project / "lsp_research" / "data" / "specs.py"
    )  # 3. the schema, at the end of specs.py
    specs_py.write_text(specs_py.read_text().rstrip("\n") + "\n\n\n" + py["schema"])
    sources_py = project / "lsp_research" / "data" / "sources.py"  # 4. the one declaration
    head, tail = sources_py.read_text().split("\nDECLARED: ", 1)
    body, rest = tail.split("\n)\n", 1)
    sources_py.write_text(
        head + "\nDECLARED: " + body + "\n" + py["declaration"].rstrip("\n") + "\n)\n" + rest
    )
    built = run("data", "build").stdout  # 5. built, and readable by name
    shown = re.search(
        r"\(`(fire +built: fire_callouts \(3 rows\))`\)", DATA_GUIDE.read_text()
    ).group(1)
    assert shown in built
    table = project / "data" / "processed" / "fire_callouts.parquet"
    script = "from lsp_research import data; print(data.load('fire_callouts')['period'].tolist())"
    loaded = subprocess.run([sys.executable, "-c", script], cwd=project, env=run.env,
                            capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert loaded.strip() == "['2009Q1', '2009Q1', '2009Q3']"
    before = table.read_bytes()
    callouts.write_text(csv_["bad"])  # a bad file: refused whole, with file, row, column and rule
    refused = run("data", "build", code=2)
    for line in _labelled(DATA_GUIDE, "text")["refused"].splitlines():
        assert line in refused.stderr, (line, refused.stderr)
    assert table.read_bytes() == before  # the previous table is kept
    callouts.write_text(csv_["callouts"])
    run("data", "build")


def _follow_the_real_data_guide(project: Path, run) -> None:
    """``docs/real_data.md``: real files kept outside the data folder, with their own catalogue, in
    their published layouts (police.uk crimes, the IoD 2019 by LSOA with the ONS lookup, from
    tests/fixtures/published), built by the same command as the default data."""
    from fixtures.tiny_raw import write_tiny_raw

    guide = REAL_DATA.read_text()
    secure = project / "secure"
    exports = dict(re.findall(r"(?m)^export (LSP_\w+)=(\S+)", guide))
    assert set(exports) == {"LSP_RAW_DIR", "LSP_PROCESSED_DIR", "LSP_REPORTS_DIR"}
    env = {**run.env, **{k: str(secure / Path(v).name) for k, v in exports.items()}}
    raw = write_tiny_raw(secure / "raw")  # "holds catalogue.yml and the files"
    cat = yaml.safe_load((raw / "catalogue.yml").read_text())
    deprivation = next(b for k, _, b in _fenced(REAL_DATA) if k == "yaml" and "imd_lsoa" in b)
    cat["sources"]["deprivation"]["files"] = yaml.safe_load(deprivation)["deprivation"]["files"]
    police = re.search(r"`(\{path: \"police/[^`]+format: police_uk\})`", guide).group(1)
    cat["sources"]["police"]["files"] = [yaml.safe_load(police)]
    (raw / "catalogue.yml").write_text(yaml.safe_dump(cat, sort_keys=False))
    published = Path(__file__).parent / "fixtures" / "published"
    for f in cat["sources"]["deprivation"]["files"]:
        shutil.copy(published / Path(f["path"]).name, raw / f["path"])
    for street in published.glob("*-street.csv"):
        shutil.copy(street, raw / "police" / street.name)
    files = sorted(p for p in raw.rglob("*") if p.is_file())
    sums = [p.read_bytes() for p in files]
    for line in re.findall(r"(?m)^lsp-research (data \w+)", guide.split("## 2.", 1)[0]):
        run(*line.split(), env=env)
    processed = Path(env["LSP_PROCESSED_DIR"])
    manifest = json.loads((processed / "manifest.json").read_text())
    assert manifest["catalogue"]["path"] == str(raw / "catalogue.yml")  # the raw folder's own
    script = (
        "from lsp_research import data; import json\n"
        "i = data.load('incidents'); w = data.load('wards').set_index('ward_code')\n"
        "print(json.dumps([i['ward_code'].tolist(), round(w.loc['E05001153', 'imd2010_score'], 3)]))"
    )
    got = subprocess.run([sys.executable, "-c", script], cwd=project, env=env,
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    barnes = round((20.5 * 1500 + 30.1 * 1700) / 3200, 3)  # population-weighted, as the guide says
    assert json.loads(got) == [
        ["E05001153", "E05001154", "E05001154", "E05001156", "E05001155", "E05001156"],
        barnes,
    ]
    assert [p.read_bytes() for p in files] == sums  # the raw folder is never changed


#: The test modules that check the project as a whole: every indicator of the registry and its returns,
#: every catalogue source and its schema, every topic package, notebook and programme entry, the lint,
#: the declared imports and the error contract.
PROJECT_CHECKS = (
    "test_performance_registry", "test_performance_routing", "test_assessment_record",
    "test_data_catalogue", "test_data_default", "test_data_build", "test_data_loaders",
    "test_shape", "test_scaffold", "test_notebooks_hygiene", "test_parameters",
    "test_programme_index", "test_dry_run", "test_errors", "test_environment", "test_lint",
)  # fmt: skip


@pytest.mark.slow
def test_following_the_guides_in_a_copy_leaves_the_project_checks_green(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("needs git to list the project's files")
    project = copy_project(tmp_path / "project")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LSP_")}
    env["PYTHONPATH"] = str(project)  # the copy's package, registry, catalogue and notebooks
    exe = Path(sys.executable).with_name("lsp-research")

    def run(*args, code=0, env=env):
        done = subprocess.run(
            [str(exe), *args], cwd=project, env=env, capture_output=True, text=True, timeout=900
        )
        said = f"lsp-research {' '.join(args)}:\n{done.stdout}{done.stderr}"
        assert done.returncode == code, said
        return done

    run.env = env

    code = _follow_the_indicator_guide(project, run)
    pages = list((project / "reports").glob("*/performance/city/performance-operational.html"))
    assert len(pages) == 1, "no operational report was published"
    html = pages[0].read_text()
    spaced = re.sub(r"^([A-Z]+)(\d+)$", r"\1 \2", code)
    assert "Attractive City" in html and "Improved street and environmental cleanliness" in html
    assert code in html or spaced in html
    script = (
        "import json\nfrom lsp_research.performance import run_assessment\n"
        "m = run_assessment('latest').meeting\n"
        f"f = m.assessment.flags[m.assessment.flags['indicator_code'] == {code!r}]\n"
        f"e = m.exceptions[m.exceptions['indicator_code'] == {code!r}]\n"
        "print(json.dumps([f['period'].tolist(), sorted(set(f['rule'])),"
        " e[['period', 'signal', 'routed']].values.tolist()]))"
    )
    found = subprocess.run(
        [sys.executable, "-c", script], cwd=project, env=env, capture_output=True, text=True,
        check=True,
    ).stdout  # fmt: skip
    # as the guide says: the six quarters without a return are flagged, the latest routed back
    assert json.loads(found) == [
        ["2008Q3", "2008Q4", "2009Q1", "2009Q2", "2009Q3", "2009Q4"],
        ["missing_return"],
        [["2009Q4", "missing_return", "owner"]],
    ]
    assert "2008Q3: missing return - no return for 2008Q3" in " ".join(
        re.sub(r"<[^>]+>", " ", html).split()
    )

    _follow_the_report_guide(project, run)
    _follow_the_data_source_guide(project, run)
    _follow_the_real_data_guide(project, run)

    quick = subprocess.run(
        [sys.executable, "-m", "pytest", *(f"tests/{m}.py" for m in PROJECT_CHECKS),
         "-m", "not slow and not browser", "-q", "-x",
         "-p", "no:randomly", "-n", "2", "-o", "addopts=-p no:cacheprovider"],
        cwd=project, env=env, capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    tail = "\n".join(quick.stdout.splitlines()[-30:])
    assert quick.returncode == 0, (
        f"the project's checks failed in the copy after following the guides:\n{tail}"
    )


# ------------------------------------------------------------------- docs/getting_started.md, as written

GETTING_STARTED = DOCS / "getting_started.md"


@pytest.mark.slow
@pytest.mark.xdist_group("default_run")
def test_getting_started_as_a_new_user_follows_it(getting_started):
    project, output, period_dir = getting_started
    guide = GETTING_STARTED.read_text()
    # 1. `make report` printed the index page's path; every page in it says the data are synthetic
    assert "make report" in guide and (period_dir / "index.html").is_file()
    pages = sorted(period_dir.rglob("*.html"))
    assert len(pages) > 30
    notice = "synthetic"
    assert all(notice in p.read_text(encoding="utf-8").lower() for p in pages)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LSP_")}
    env["PYTHONPATH"] = str(project)

    def make(*args):
        return subprocess.run(["make", "-o", ".venv/.installed", *args], cwd=project, env=env,
                              capture_output=True, text=True, timeout=600)  # fmt: skip

    # "2009-10 Q3 is accepted too"; a mistyped period is refused before any data is built
    manifest = project / "data" / "processed" / "manifest.json"
    before = manifest.stat().st_mtime_ns
    bad = make("report", "PERIOD=2009Q7")
    assert bad.returncode != 0 and "2009Q7" in bad.stdout + bad.stderr
    assert manifest.stat().st_mtime_ns == before
    exe = Path(sys.executable).with_name("lsp-research")
    said = subprocess.run([str(exe), "period", "2009-10 Q3"], cwd=project, env=env,
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert said.startswith("2009Q3") and "1 October 2009 to 31 December 2009" in said
    # 3. `make lab` roots Lab at the project and opens the notebooks folder
    lab = make("-n", "lab").stdout
    assert "--ServerApp.root_dir=." in lab and "/lab/tree/notebooks" in lab
    # 4. every command in the guide's table exists and answers --help
    table = re.findall(
        r"^\| `lsp-research ([a-z]+(?: (?:build|status|synth|report|check))?)", guide, re.M
    )
    assert len(table) >= 10
    for cmd in dict.fromkeys(table):
        words = cmd.split()
        done = subprocess.run([str(exe), *words, "--help"], cwd=project, env=env,
                              capture_output=True, text=True)  # fmt: skip
        assert done.returncode == 0 and "usage:" in done.stdout, cmd


# -------------------------------------------------------------- docs/adding_a_data_source.md, as written


def test_the_data_source_guide_declares_the_source_once_where_the_build_reads_it():
    """The guide's one registration is where the build takes every source from: the built-in
    sources are declared there, and each table the build reads is derived from the declarations."""
    guide = DATA_GUIDE.read_text()
    assert "`DECLARED`" in guide and "`lsp_research/data/sources.py`" in guide
    police = sources.SOURCE["police"]
    assert police in sources.DECLARED and police.tables == {"incidents": sources.specs.incidents}
    assert sources.SOURCE_TABLES["police"] == ("incidents",) and "incidents" in sources.TABLE_NAMES
    assert catalogue.Catalogue({}).files("police")[0].path == police.files[0][0]
    assert loaders.TABLE_NAMES is sources.TABLE_NAMES  # a contract file is named after one of them
    assert sources.TABLES["incidents"] == "police"
    for helper in re.findall(r"`(\w+)`", guide.split("## 3.", 1)[1].split("## 4.", 1)[0]):
        if helper.endswith(("_col", "_in")) or helper == "isin":
            assert callable(getattr(sources.specs, helper)), helper
