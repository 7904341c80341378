"""``lsp-research preview``: one report rendered to a scratch folder, nothing published; ``--watch``
renders again on a notebook change and starts again on a package module change."""

from __future__ import annotations

import os

import pytest
from runner_helpers import FIXTURE_NOTEBOOKS, setup_env

from lsp_research.cli import main
from lsp_research.config import PACKAGE_DIR
from lsp_research.reporting import preview

LEAKS = ("LSP_CATALOGUE", "LSP_REGISTRY", "LSP_RAW_DIR", "LSP_PROCESSED_DIR")


@pytest.fixture
def project(tmp_path, monkeypatch):
    return setup_env(
        tmp_path,
        monkeypatch,
        [{"notebook": "good.ipynb", "over": "areas", "tiers": ["board", "operational"]}],
    )


@pytest.mark.slow
def test_preview_renders_one_report_and_publishes_nothing(project, capsys):
    # 2009Q4 totals (10 + 4) + (20 + 4) + (30 + 4) = 72 for the city code the fixture data holds
    before = {k: os.environ.get(k) for k in LEAKS}
    assert main(["preview", "good", "--area", "Coalfield", "--tier", "board"]) == 0
    out = capsys.readouterr().out
    folder = project["reports"] / ".preview" / "good" / "Coalfield"
    page = folder / "good-Coalfield-board.html"
    assert str(page) in out and "(not published)" in out
    assert sorted(p.name for p in folder.iterdir()) == [
        "good-Coalfield-board.html",
        "good-Coalfield.ipynb",
    ]
    html = page.read_text()
    assert "Total value for 2009Q4 in Coalfield" in html and "Operational detail" not in html
    assert sorted(p.name for p in project["reports"].iterdir()) == [
        ".preview"
    ]  # no period, no cache
    # the kernel's environment (run_task sets LSP_CATALOGUE and friends) does not leak into the caller
    assert {k: os.environ.get(k) for k in LEAKS} == before


def test_bad_names_areas_and_tiers_are_refused_with_the_closest_names(project, capsys):
    assert main(["preview", "godo"]) == 2
    assert "no notebook 'godo': did you mean 'good'?" in capsys.readouterr().err
    assert main(["preview", "good", "--tier", "bord"]) == 2
    assert "--tier 'bord' is not a tier of good: did you mean 'board'?" in capsys.readouterr().err
    assert main(["preview", "good", "--area", "Coalfeld"]) == 2
    assert "did you mean 'Coalfield'" in capsys.readouterr().err
    assert not project["reports"].exists()


def test_watched_files_are_the_notebook_and_the_package_modules_it_uses():
    imports = preview.package_imports(FIXTURE_NOTEBOOKS / "good.ipynb")
    assert {"lsp_research", "lsp_research.data", "lsp_research.reporting"} <= imports
    files = {p.relative_to(PACKAGE_DIR).as_posix() for p in preview.module_files(imports)}
    # what data imports in turn (build, catalogue, schemas, periods) is watched; the cli is not
    assert {"data/__init__.py", "data/build.py", "data/schemas.py", "periods.py"} <= files
    assert "cli.py" not in files and "stats/spc.py" not in files


def test_watch_renders_again_on_a_notebook_change_and_restarts_on_a_code_change(tmp_path):
    notebook, module = tmp_path / "r.ipynb", tmp_path / "m.py"
    notebook.write_text("{}")
    module.write_text("")
    calls: list[str] = []
    changes = iter([notebook, None, module, None])

    def tick(_seconds):  # each poll: touch the next file (None: nothing changes)
        path = next(changes)
        if path is not None:
            st = path.stat()
            os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))

    preview.watch(
        [notebook],
        lambda: [module],
        lambda: calls.append("render"),
        lambda: calls.append("restart"),
        sleep=tick,
        rounds=4,
    )
    assert calls == ["render", "restart"]
