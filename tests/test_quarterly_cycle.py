"""The quarterly cycle: a new quarter, late and corrected returns, sources of different ages, the Board's
decisions carried forward.

Each test starts from a copy of the default raw data and does what a partner analyst would: drop files
into the documented returns folder (``data/raw/indicators/returns/``) or the Board's decisions file, run
``lsp-research data build``, then read the quarter's meeting or run the reports.
"""

from __future__ import annotations

import hashlib
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from lsp_research.cli import main
from lsp_research.config import PROJ_ROOT
from lsp_research.performance import load_registry
from lsp_research.performance.pipeline import run_assessment
from lsp_research.performance.readiness import latest_ready
from lsp_research.performance.report import show_corrections, show_red_flags, show_routed_back
from lsp_research.reporting.programme import load_programme
from lsp_research.reporting.runner import programme_reach

PARTNER_COLUMNS = [
    "indicator_code", "period", "area_code", "value", "numerator", "denominator", "submitted_on",
    "submitted_by",
]  # fmt: skip


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def write_quarter(raw: Path, period: str, submitted_on: str, factor: float = 1.01) -> list[Path]:
    """A complete quarter of returns, one file per partner, as the returns folder's README asks.

    Each indicator's value is its last returned value times ``factor`` (numerators scaled alike).
    """
    hist = pd.read_csv(raw / "indicators" / "returns.csv", dtype={"submitted_by": str})
    last = hist.sort_values("period").groupby("indicator_code").tail(1).copy()
    last["period"] = period
    last["value"] = (last["value"] * factor).round(1)
    last["numerator"] = (last["numerator"] * factor).round(0)
    last["submitted_on"] = submitted_on
    folder = raw / "indicators" / "returns"
    folder.mkdir(exist_ok=True)
    paths = []
    for partner, rows in last.groupby("submitted_by"):
        path = folder / f"{period}_{_slug(partner)}.csv"
        rows[PARTNER_COLUMNS].to_csv(path, index=False)
        paths.append(path)
    return paths


@pytest.fixture
def project(raw_copy, tmp_path, monkeypatch):
    """A copy of the default raw data with its own processed and reports folders."""
    processed, reports = tmp_path / "processed", tmp_path / "reports"
    monkeypatch.setenv("LSP_RAW_DIR", str(raw_copy))
    monkeypatch.setenv("LSP_PROCESSED_DIR", str(processed))
    monkeypatch.setenv("LSP_REPORTS_DIR", str(reports))
    return {"raw": raw_copy, "processed": processed, "reports": reports, "tmp": tmp_path}


def _hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_a_new_quarter_of_partner_files_builds_with_no_edit(project, capsys):
    assert main(["data", "build"]) == 0
    files = write_quarter(project["raw"], "2010Q1", "2010-07-30")
    assert len(files) >= 5  # one file per partner
    capsys.readouterr()
    assert main(["data", "build"]) == 0
    out = capsys.readouterr().out
    assert "indicators  built" in out and "hospital    unchanged" in out
    ret = pd.read_parquet(project["processed"] / "indicator_returns.parquet")
    assert ret[ret["period"] == "2010Q1"]["indicator_code"].nunique() == 14
    # the new quarter is the latest meeting; the hospital, police and wellness extracts end earlier,
    # so the reports that read them run as at 2009Q4 and say how far each source reaches
    reg = load_registry()
    q = latest_ready(ret, reg)
    assert str(q) == "2010Q1"
    reach = programme_reach(load_programme(), q, project["processed"])
    assert str(reach["performance"].quarter) == "2010Q1"
    assert reach["performance"].data_to == {"indicators": "2010Q1"}
    assert str(reach["alcohol_misuse"].quarter) == "2009Q4"
    # the alcohol report also reads the indicator returns (NI 39 as returned, issue 22)
    assert reach["alcohol_misuse"].data_to == {
        "hospital": "2009Q4",
        "police": "2009Q4",
        "indicators": "2010Q1",
    }
    assert str(reach["wellness_uptake"].quarter) == "2009Q4"
    assert reach["wellness_uptake"].data_to["wellness"] == "2009Q4"
    assert all(not r.missing for r in reach.values())


def test_latest_is_not_a_quarter_with_one_early_return(project):
    assert main(["data", "build"]) == 0
    write_quarter(project["raw"], "2010Q1", "2010-07-30")
    early = project["raw"] / "indicators" / "returns" / "2010Q2_council_early.csv"
    pd.DataFrame(
        [["NI8", "2010Q2", "E08000024", 24.0, 24, 100, "2010-10-01", "Sunderland City Council"]],
        columns=PARTNER_COLUMNS,
    ).to_csv(early, index=False)
    assert main(["data", "build"]) == 0
    ret = pd.read_parquet(project["processed"] / "indicator_returns.parquet")
    assert ret["period"].max() == "2010Q2"
    assert str(latest_ready(ret, load_registry())) == "2010Q1"
    assert str(run_assessment("latest").meeting.period) == "2010Q1"


def test_a_corrected_return_replaces_the_figure_and_resolves_the_query(project, capsys):
    """NI 40's 2009Q3 return was keyed a digit short (169); the DAAT resubmits 1,271 after the
    2009Q3 meeting. The 2009Q4 meeting uses 1,271, logs 169 as replaced, and shows the query that the
    2009Q3 meeting routed back as resolved."""
    folder = project["raw"] / "indicators" / "returns"
    folder.mkdir(exist_ok=True)
    pd.DataFrame(
        [["NI40", "2009Q3", "E08000024", 1271.0, 1271, None, "2010-04-01",
          "Sunderland Drug and Alcohol Action Team"]],
        columns=PARTNER_COLUMNS,
    ).to_csv(folder / "2009Q3_daat_correction.csv", index=False)  # fmt: skip
    assert main(["data", "build"]) == 0
    corr = pd.read_parquet(project["processed"] / "indicator_corrections.parquet")
    assert corr[["indicator_code", "period", "old_value", "new_value"]].values.tolist() == [
        ["NI40", "2009Q3", 169.0, 1271.0]
    ]
    assert corr["file"].tolist() == ["indicators/returns/2009Q3_daat_correction.csv"]
    assert corr["old_file"].tolist() == ["indicators/returns.csv"]

    run = run_assessment("2009Q4")
    s = run.meeting.assessment.series[("NI40", "E08000024")]
    assert s.loc[s["period"] == "2009Q3", "value"].item() == 1271.0
    # the 2009Q4 meeting no longer queries 2009Q3 as a spike: the figure is right now
    now = run.meeting.log
    assert not ((now["indicator_code"] == "NI40") & (now["period"] == "2009Q3")).any()
    # the 2009Q3 meeting, as it was held, routed the keying error back; it is resolved now
    held = run.year_log[
        (run.year_log["raised_in"] == "2009Q3") & (run.year_log["layer"] == "owner")
    ]
    assert "NI40" in set(held["indicator_code"])
    st = run.followup.routed_back.set_index(["raised_in", "indicator_code"])
    assert st.loc[("2009Q3", "NI40"), "status"] == "resolved"
    assert st.loc[("2009Q3", "NI40"), "resubmitted_on"] == "2010-04-01"
    assert st.loc[("2009Q3", "NI152"), "status"] == "open"  # nothing resubmitted for that one
    html = show_corrections(run, display=False)
    assert "169" in html and "1,271" in html and "2010-04-01" in html
    assert "resolved" in show_routed_back(run, display=False)


def test_same_key_same_date_two_figures_is_an_error_naming_both(project, capsys):
    folder = project["raw"] / "indicators" / "returns"
    folder.mkdir(exist_ok=True)
    pd.DataFrame(
        [["NI40", "2009Q3", "E08000024", 1271.0, 1271, None, "2010-01-21", "DAAT"]],
        columns=PARTNER_COLUMNS,
    ).to_csv(folder / "2009Q3_daat.csv", index=False)
    assert main(["data", "build"]) == 2
    err = capsys.readouterr().err
    assert (
        "indicators/returns/2009Q3_daat.csv, row 2, column 'submitted_on': two different figures "
        "for indicator_code NI40, period 2009Q3, area_code E08000024 submitted on the same date "
        "(here and in indicators/returns.csv row" in err
    )


def test_the_board_sees_what_it_decided_and_the_movement_since(processed_data):
    """The default data records a 2009Q3 Board decision on NI 123 (a red flag since 2008): the
    2009Q4 Board report shows the decision, who leads, the review and how NI 123 moved since."""
    run = run_assessment("2009Q4")
    b = run.followup.board.set_index("indicator_code")
    assert b.loc["NI123", "decided_in"] == "2009Q3"
    assert b.loc["NI123", "lead_partner"] == "Sunderland Teaching PCT"
    assert b.loc["NI123", "review_quarter"] == "2010Q1"
    assert b.loc["NI123", "action"] == "open, review due 2010Q1"
    s = run.meeting.assessment.series[("NI123", "E08000024")].set_index("period")["value"]
    assert (
        b.loc["NI123", "value_then"] == s["2009Q3"] and b.loc["NI123", "value_now"] == s["2009Q4"]
    )
    drop = s["2009Q3"] - s["2009Q4"]  # NI 123 (quitters, higher is better) fell: worse
    assert drop > 0
    # at the precision NI 123 is shown in (whole quitters), computed from the unrounded values
    assert b.loc["NI123", "movement"] == f"since 2009Q3: ↓ down {drop:,.0f} (worse)"
    assert b.loc["NI39", "action"] == "review due at this meeting"  # decided 2009Q2, review 2009Q4
    html = show_red_flags(run, display=False)
    # the decision's words are in the table of earlier decisions, which the flag links to
    assert "Board decision in 2009Q3 (lead: Sunderland Teaching PCT; its words in" in html
    assert 'class="lsp-xref" href="#board-decisions"' in html
    assert f"since 2009Q3: ↓ down {drop:,.0f} (worse)" in html
    # the escalation log marks repeat escalations and open actions
    log = run.year_log
    ni123 = log[(log["indicator_code"] == "NI123") & (log["raised_in"] == "2009Q4")].iloc[0]
    assert ni123["follow_up"].startswith("repeat: 5+ meetings running")
    assert "action open: decided 2009Q3, review 2010Q1" in ni123["follow_up"]


def test_bad_decisions_and_unknown_codes_name_file_row_and_column(project, capsys):
    assert main(["data", "build"]) == 0
    before = _hashes(project["processed"])
    decisions = project["raw"] / "board" / "decisions.csv"
    text = decisions.read_text(encoding="utf-8")
    decisions.write_text(
        text
        + "2009Q3,NI999,E08000024,Look again,Council,2010Q1\n"
        + "2011Q2,NI39,E08000024,Not yet met,PCT,2011Q3\n"
        + "2009Q3,NI8,E08000024,Review,Council,2009Q1\n",
        encoding="utf-8",
    )
    capsys.readouterr()
    assert main(["data", "build"]) == 2
    err = capsys.readouterr().err
    assert (
        "board/decisions.csv, row 4, column 'indicator_code': not an indicator of the registry"
        in err
    )
    assert (
        "board/decisions.csv, row 5, column 'meeting_quarter': no meeting has been held for this "
        "quarter: the indicator returns reach 2009Q4" in err
    )
    assert "board/decisions.csv, row 6, column 'meeting_quarter': review_quarter is before" in err
    assert _hashes(project["processed"]) == before  # nothing already processed is lost
    decisions.write_text(text, encoding="utf-8")

    # an unknown indicator in a return: a warning naming file, row and column; routed back
    folder = project["raw"] / "indicators" / "returns"
    folder.mkdir(exist_ok=True)
    pd.DataFrame(
        [["NI900", "2009Q4", "E08000024", 3.0, 3, 100, "2010-05-01", "Sunderland City Council"]],
        columns=PARTNER_COLUMNS,
    ).to_csv(folder / "2009Q4_council.csv", index=False)
    capsys.readouterr()
    assert main(["data", "build"]) == 0
    out = capsys.readouterr().out
    assert (
        "warning: indicators/returns/2009Q4_council.csv, row 2, column 'indicator_code': not an "
        "indicator of the registry" in out
    )
    assert main(["data", "build"]) == 0  # unchanged: the warning is still shown
    assert "2009Q4_council.csv, row 2" in capsys.readouterr().out
    before = _hashes(project["processed"])
    assert main(["data", "build", "--strict"]) == 2
    assert "2009Q4_council.csv, row 2, column 'indicator_code'" in capsys.readouterr().err
    assert _hashes(project["processed"]) == before
    run = run_assessment("2009Q4")
    routed = run.meeting.log[run.meeting.log["signal"] == "unknown_indicator"]
    assert routed[["indicator_code", "owner", "layer"]].values.tolist() == [
        ["NI900", "Sunderland City Council", "owner"]
    ]


def test_every_problem_of_every_file_in_one_pass(project, capsys):
    folder = project["raw"] / "indicators" / "returns"
    folder.mkdir(exist_ok=True)
    row = ["NI8", "2009Q4", "E05009999", 22.0, 22, 100, "2010-05-01", "Council"]
    pd.DataFrame([row], columns=PARTNER_COLUMNS).to_csv(folder / "a_bad_ward.csv", index=False)
    dup = ["NI20", "2009Q4", "E08000024", 5.0, 5, 1000, "2010-05-02", "Police"]
    pd.DataFrame([dup], columns=PARTNER_COLUMNS).to_csv(folder / "b.csv", index=False)
    dup2 = [*dup[:3], 6.0, 6, 1000, *dup[6:]]
    pd.DataFrame([dup2], columns=PARTNER_COLUMNS).to_csv(folder / "c.csv", index=False)
    assert main(["data", "build"]) == 2
    err = capsys.readouterr().err
    assert "a_bad_ward.csv, row 2, column 'area_code'" in err
    assert "c.csv, row 2, column 'submitted_on': two different figures" in err


def _scheduled_command() -> str:
    """The cron line of docs/scheduling.md, minus its ``cd``."""
    doc = (PROJ_ROOT / "docs" / "scheduling.md").read_text(encoding="utf-8")
    line = next(x for x in doc.splitlines() if x.startswith("30 6 * * 1"))
    command = line.split("&&", 1)[1].strip()
    assert "--period" not in command or "--period latest" in command
    return command


@pytest.mark.slow
def test_the_scheduled_command_publishes_each_quarter_as_returns_arrive(project):
    """The cron command of docs/scheduling.md, run before and after a new quarter's returns arrive,
    publishes 2009Q4 and then 2010Q1 with no edit; the 2010Q1 performance report is assessed on
    2010Q1, every other report runs as at 2009Q4 and says how far its data reaches."""
    programme = yaml.safe_load((PROJ_ROOT / "programme.yml").read_text(encoding="utf-8"))
    programme["notebooks_dir"] = str(PROJ_ROOT / "notebooks")
    keep = []
    for entry in programme["notebooks"]:
        if entry.get("name") == "area_profile":
            continue
        if entry.get("name") == "ward_profile":
            entry["over"] = ["E05001158"]  # one ward keeps the test short
        keep.append(entry)
    programme["notebooks"] = keep
    prog_path = project["tmp"] / "programme.yml"
    prog_path.write_text(yaml.safe_dump(programme), encoding="utf-8")
    bin_dir = Path(sys.executable).parent
    command = _scheduled_command().replace(".venv/bin/", f"{bin_dir}/")
    env = {
        **{k: v for k, v in __import__("os").environ.items()},
        "LSP_RAW_DIR": str(project["raw"]),
        "LSP_PROCESSED_DIR": str(project["processed"]),
        "LSP_REPORTS_DIR": str(project["reports"]),
        "LSP_PROGRAMME": str(prog_path),
        "SOURCE_DATE_EPOCH": "1262304000",
    }

    def scheduled() -> subprocess.CompletedProcess:
        return subprocess.run(
            ["bash", "-c", command], env=env, capture_output=True, text=True, timeout=900
        )

    first = scheduled()
    assert first.returncode == 0, first.stdout + first.stderr
    q4 = project["reports"] / "2009Q4"
    assert (q4 / "index.html").is_file()
    before = _hashes(q4)

    write_quarter(project["raw"], "2010Q1", "2010-07-30")
    second = scheduled()
    assert second.returncode == 0, second.stdout + second.stderr
    q1 = project["reports"] / "2010Q1"
    assert _hashes(q4) == before  # the earlier quarter stays as published
    board = (q1 / "performance" / "city" / "performance-board.html").read_text(encoding="utf-8")
    assert re.search(
        r'<meta (content="2010Q1" name="lsp-period"|name="lsp-period" content="2010Q1")', board
    )
    assert "2010-11 Q1" in board and "Data to:</strong> indicator returns 2010Q1." in board
    executive = (q1 / "performance" / "city" / "performance-executive.html").read_text("utf-8")
    assert "2010-11 Q1 meeting" in executive  # assessed on 2010Q1
    for name in ("alcohol_misuse", "wellness_uptake", "ward_profile"):
        pages = sorted((q1 / name).rglob("*.html"))
        assert pages, name
        for page in pages:
            text = page.read_text(encoding="utf-8")
            assert "This report is as at 2009Q4 (2009-10 Q4)" in text, page
            assert "the period of this run is 2010Q1" in text, page
    index = (q1 / "index.html").read_text(encoding="utf-8")
    assert index.count("This report is as at 2009Q4") == 3
    assert "Data to: indicator returns 2010Q1." in index
    assert shlex.split(command)  # the documented command is one shell line
