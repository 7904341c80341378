"""The error contract at the command line: every deliberate error reaches the user as a message and an
exit code, never a traceback (``lsp_research.errors``)."""

from __future__ import annotations

import shutil

import pytest

from lsp_research import errors
from lsp_research.cli import main
from lsp_research.reporting import commands
from lsp_research.stats import funnel_limits


def test_bad_input_is_a_value_error_too():
    # callers that catch ValueError keep working where a function now raises InputError
    with pytest.raises(ValueError, match="kind: 'rat' is not allowed") as caught:
        funnel_limits(0.1, [10, 100], kind="rat")
    assert isinstance(caught.value, errors.InputError)


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (errors.FileProblem([errors.Problem("wards.csv", None, None, "the file is empty")]), 2),
        (errors.InputError("weights: must be 0 or more"), 2),
        (errors.RunError("some reports failed; see run.log"), 1),
    ],
)
def test_a_deliberate_error_from_a_command_is_one_line_and_its_exit_code(
    monkeypatch, capsys, error, code
):
    def fails(args):
        raise error

    monkeypatch.setattr(commands, "_cmd_period", fails)
    assert main(["period", "2009Q3"]) == code
    captured = capsys.readouterr()
    assert captured.err == f"lsp-research: error: {error}\n"
    assert "Traceback" not in captured.out + captured.err


@pytest.mark.slow
def test_a_missing_processed_table_reaches_the_user_as_a_message(
    processed_data, tmp_path, monkeypatch, capsys
):
    # the wellness report reads deaths (life expectancy): without the table its run fails, and the
    # user reads which table is missing and what to do, with the executed notebook kept
    processed = tmp_path / "processed"
    shutil.copytree(processed_data, processed)
    (processed / "deaths.parquet").unlink()
    monkeypatch.setenv("LSP_PROCESSED_DIR", str(processed))
    monkeypatch.setenv("LSP_REPORTS_DIR", str(tmp_path / "reports"))
    assert main(["preview", "wellness_uptake"]) == 1
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert lines[0].startswith("preview of wellness_uptake for Sunderland, ")
    assert "LspError: the processed table 'deaths' is missing from" in lines[0]
    assert "run 'lsp-research data build'" in lines[0]
    assert lines[1].startswith("  executed notebook (error marked): ")
    assert len(lines) == 2 and "Traceback" not in captured.out + captured.err
