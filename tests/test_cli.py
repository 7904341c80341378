"""Start-up and help of ``lsp-research``: ``--help`` imports no command module, a command imports only
its own, mistyped names get the closest ones, help text has no reStructuredText markup, ``data build
--quiet`` is silent when nothing changed, and ``make report`` refuses a bad period before building."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from lsp_research.cli import COMMANDS, main
from lsp_research.config import PROJ_ROOT


def _modules_after(argv: list[str]) -> set[str]:
    code = (
        "import sys\nfrom lsp_research.cli import main\n"
        f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
        "print(' '.join(sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(done.stdout.split())


def test_help_lists_every_command_and_imports_none_of_their_modules(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert all(name in out for name in COMMANDS)
    loaded = _modules_after(["--help"])
    heavy = {"pandas", "nbformat", "pyarrow", "lsp_research.data", "lsp_research.reporting.runner"}
    assert not heavy & loaded, heavy & loaded
    assert not {m for _, (m, _) in COMMANDS.items()} & loaded


def test_a_command_imports_only_its_own_module():
    loaded = _modules_after(["audit", "--help"])
    assert "lsp_research.reporting.audit_commands" in loaded
    assert "lsp_research.data.commands" not in loaded and "pandas" not in loaded


def test_a_mistyped_command_gets_the_closest_names(capsys):
    assert main(["rnu", "--period", "2009Q3"]) == 2
    err = capsys.readouterr().err
    assert "unknown command 'rnu': did you mean 'run'?" in err
    assert "The commands are: audit, data, describe" in err
    assert main(["indicator", "list"]) == 2
    assert "did you mean 'indicators'" in capsys.readouterr().err  # (or 'init')


def test_a_mistyped_notebook_gets_the_closest_names(capsys):
    assert main(["describe", "welness_uptake"]) == 2
    err = capsys.readouterr().err
    assert "no notebook 'welness_uptake': did you mean 'wellness_uptake'?" in err
    assert main(["describe", "performance"]) == 0
    assert "Parameters of performance.ipynb" in capsys.readouterr().out


def test_help_text_has_no_restructuredtext_markup(capsys):
    for argv in (["data", "--help"], ["run", "--help"], ["audit", "--help"]):
        with pytest.raises(SystemExit):
            main(argv)
        out = capsys.readouterr().out
        assert "``" not in out and ":func:" not in out, argv
    with pytest.raises(SystemExit):
        main(["data", "--help"])
    assert "validate data/raw (LSP_RAW_DIR)" in capsys.readouterr().out


def test_period_command_checks_the_form_and_reads_nothing(capsys):
    assert main(["period", "2009-10 Q3"]) == 0
    assert capsys.readouterr().out == "2009Q3 = 2009-10 Q3: 1 October 2009 to 31 December 2009\n"
    assert main(["period", "2009Q7"]) == 2
    assert "'2009Q7' is not a period: the quarter must be 1-4" in capsys.readouterr().err


def test_data_build_quiet_prints_nothing_when_nothing_changed(
    tiny_raw, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("LSP_RAW_DIR", str(tiny_raw))
    monkeypatch.setenv("LSP_PROCESSED_DIR", str(tmp_path / "processed"))
    catalogue = tiny_raw / "catalogue.yml"
    if catalogue.exists():
        monkeypatch.setenv("LSP_CATALOGUE", str(catalogue))
    assert main(["data", "build", "--quiet"]) == 0
    first = capsys.readouterr().out
    assert "built" in first and "unchanged" not in first
    assert main(["data", "build", "--quiet"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["data", "build"]) == 0
    assert "unchanged" in capsys.readouterr().out


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_report_refuses_a_bad_period_before_building_data(tmp_path):
    processed = tmp_path / "processed"
    env = {
        **os.environ,
        "LSP_PROCESSED_DIR": str(processed),
        "LSP_REPORTS_DIR": str(tmp_path / "reports"),
    }
    done = subprocess.run(
        ["make", "-o", ".venv/.installed", "report", "PERIOD=2009Q7"],
        cwd=PROJ_ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0
    assert "'2009Q7' is not a period" in done.stderr
    assert "data build" not in done.stdout and not processed.exists()
