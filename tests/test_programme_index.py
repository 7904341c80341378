"""Index contributions are registered in programme.yml (``index:``), not imported by the runner."""

import pytest

from lsp_research.errors import ProgrammeError
from lsp_research.reporting.programme import load_programme
from lsp_research.topics import profiles


def _programme(tmp_path, *indexes):
    (tmp_path / "notebooks").mkdir(exist_ok=True)
    (tmp_path / "notebooks" / "ward_profile.ipynb").write_text('{"cells": [], "metadata": {}}')
    entries = "".join(
        f"  - notebook: ward_profile.ipynb\n    name: p{i}\n    over: wards\n"
        + (f"    index: {ix}\n" if ix else "")
        for i, ix in enumerate(indexes)
    )
    path = tmp_path / "programme.yml"
    path.write_text(f"version: 1\nnotebooks:\n{entries}")
    return path


def test_a_function_named_by_several_entries_is_called_once(tmp_path):
    path = _programme(tmp_path, "lsp_research.topics.profiles:index_context", None,
                      "lsp_research.topics.profiles:index_context")  # fmt: skip
    prog = load_programme(path)
    assert [e.index for e in prog.notebooks] == [
        "lsp_research.topics.profiles:index_context", None,
        "lsp_research.topics.profiles:index_context",
    ]  # fmt: skip
    assert prog.index_contributions() == [profiles.index_context]
    assert load_programme(_programme(tmp_path, None)).index_contributions() == []


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("lsp_research.no_such_module:f", "module lsp_research.no_such_module does not import"),
        ("lsp_research.topics.profiles:no_such", "has no function 'no_such'"),
        (
            "lsp_research.topics.profiles.index_context",
            "must name a function as package.module:function",
        ),
    ],
)
def test_an_index_that_does_not_import_is_a_programme_error_naming_the_entry(
    tmp_path, value, message
):
    with pytest.raises(ProgrammeError) as err:
        load_programme(_programme(tmp_path, value))
    assert "notebooks[0] (p0): index:" in str(err.value) and message in str(err.value)


def test_the_default_programme_registers_the_profiles_index():
    prog = load_programme()
    assert prog.get("ward_profile").index == "lsp_research.topics.profiles:index_context"
    assert prog.get("area_profile").index == "lsp_research.topics.profiles:index_context"
    assert prog.index_contributions() == [profiles.index_context]


def test_the_runner_imports_no_topic():
    from lsp_research.config import PROJ_ROOT

    runner = (PROJ_ROOT / "lsp_research" / "reporting" / "runner.py").read_text()
    assert "topics" not in runner


def test_loading_the_programme_and_a_dry_run_import_no_topic(processed_data):
    """The index function is checked from its module's source on load and imported only by a run
    that runs reports, so a dry run or a no-change rerun does not load the profiles and their charts."""
    import subprocess
    import sys

    script = (
        "import sys\nfrom lsp_research.cli import main\n"
        "from lsp_research.reporting.programme import load_programme\n"
        "load_programme()\nassert main(['run', '--period', 'latest', '--dry-run']) == 0\n"
        "print(sorted(m for m in ('lsp_research.topics.profiles', 'matplotlib') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[]"


def test_an_index_module_that_fails_to_import_stops_the_run_before_any_report(
    tmp_path, monkeypatch
):
    from runner_helpers import setup_env

    from lsp_research.reporting.runner import run_programme

    (tmp_path / "planted_index.py").write_text(
        "raise RuntimeError('planted')\n\n\ndef index_context(entries):\n    return {}\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    env = setup_env(
        tmp_path, monkeypatch, [{"notebook": "good.ipynb", "index": "planted_index:index_context"}]
    )

    def no_executor(**kwargs):
        raise AssertionError("a report ran although the index function cannot be imported")

    with pytest.raises(
        ProgrammeError, match=r"planted_index does not import \(RuntimeError: planted"
    ):
        run_programme("latest", quiet=True, executor_factory=no_executor)
    assert not (env["reports"] / "2009Q4").exists()
