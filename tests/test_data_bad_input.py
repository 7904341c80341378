"""Bad input, tried as a user would: ``lsp-research data build`` with LSP_RAW_DIR / LSP_PROCESSED_DIR set.

Each case breaks one raw file of a copy of the default data and checks that the command exits with 2,
that its one message names the file, the row (the header is row 1), the column and the rule, and that the
previous processed folder stays byte-identical.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import subprocess
import sys

import pytest

from lsp_research.cli import main
from lsp_research.config import PROJ_ROOT

DEFAULT_RAW = PROJ_ROOT / "data" / "raw"


def _has_default_raw() -> bool:
    return any(p.is_file() and p.name != ".gitkeep" for p in DEFAULT_RAW.rglob("*"))


def _hashes(folder):
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def env(request, tmp_path, monkeypatch):
    """(raw, processed): a writable raw copy and a processed folder already built from it."""
    from lsp_research.data import build

    processed = tmp_path / "processed"
    if _has_default_raw():
        raw = request.getfixturevalue("raw_copy")
        shutil.copytree(request.getfixturevalue("processed_data"), processed)
    else:
        raw = request.getfixturevalue("tiny_raw")
        build(raw_dir=raw, processed_dir=processed)
    monkeypatch.setenv("LSP_RAW_DIR", str(raw))
    monkeypatch.setenv("LSP_PROCESSED_DIR", str(processed))
    return raw, processed


def _read(path) -> str:
    data = path.read_bytes()
    return (gzip.decompress(data) if path.suffix == ".gz" else data).decode("utf-8")


def _write(path, text: str) -> None:
    data = text.encode("utf-8")
    path.write_bytes(gzip.compress(data, mtime=0) if path.suffix == ".gz" else data)


def _set_cell(path, line: int, column: str, value: str) -> None:
    """Set one cell (line numbers as in the file: header = 1). Assumes no quoted commas on that line."""
    lines = _read(path).splitlines()
    header = lines[0].split(",")
    cells = lines[line - 1].split(",")
    cells[header.index(column)] = value
    lines[line - 1] = ",".join(cells)
    _write(path, "\n".join(lines) + "\n")


def _run_build(capsys) -> tuple[int, str]:
    code = main(["data", "build"])
    err = capsys.readouterr().err
    return code, err


def _check(env, capsys, *expected: str) -> str:
    raw, processed = env
    before = _hashes(processed)
    raw_before = _hashes(raw)
    code, err = _run_build(capsys)
    assert code == 2, err
    for text in expected:
        assert text in err, f"{text!r} not in:\n{err}"
    assert _hashes(processed) == before, "processed data changed after a failed build"
    assert _hashes(raw) == raw_before, "the build modified a raw file"
    return err


def test_missing_column(env, capsys):
    raw, _ = env
    f = raw / "hospital" / "admissions.csv.gz"
    lines = _read(f).splitlines()
    i = lines[0].split(",").index("age")
    _write(
        f,
        "\n".join(",".join(c for j, c in enumerate(ln.split(",")) if j != i) for ln in lines)
        + "\n",
    )
    _check(env, capsys, "hospital/admissions.csv.gz, column 'age': required column is missing")


def test_wrong_type(env, capsys):
    raw, _ = env
    _set_cell(raw / "population" / "mid_year_estimates.csv", 3, "population", "12a")
    _check(
        env,
        capsys,
        "population/mid_year_estimates.csv, row 3, column 'population': wrong type: expected a whole number (got '12a')",
    )


def test_unknown_ward_code(env, capsys):
    raw, _ = env
    _set_cell(raw / "wellness" / "referrals.csv.gz", 2, "ward_code", "E05009999")
    _check(
        env,
        capsys,
        "wellness/referrals.csv.gz, row 2, column 'ward_code': not a ward code of the boundary file",
        "(got 'E05009999')",
    )


def test_negative_count(env, capsys):
    raw, _ = env
    _set_cell(raw / "mortality" / "deaths.csv", 2, "deaths", "-3")
    _check(
        env,
        capsys,
        "mortality/deaths.csv, row 2, column 'deaths': count must be a non-negative number (got -3)",
    )


def test_numerator_above_denominator(env, capsys):
    raw, _ = env
    f = raw / "indicators" / "returns.csv"
    lines = _read(f).splitlines()
    header = lines[0].split(",")
    n, d = header.index("numerator"), header.index("denominator")
    line = next(
        i for i, ln in enumerate(lines[1:], start=2) if ln.split(",")[n] and ln.split(",")[d]
    )
    den = float(lines[line - 1].split(",")[d])
    _set_cell(f, line, "numerator", f"{den + 5:g}")
    _check(
        env,
        capsys,
        f"indicators/returns.csv, row {line}, column 'numerator': numerator is above denominator",
    )


def test_duplicated_row(env, capsys):
    raw, _ = env
    f = raw / "police" / "incidents.csv.gz"
    lines = _read(f).splitlines()
    _write(f, "\n".join(lines + [lines[1]]) + "\n")
    _check(
        env,
        capsys,
        f"police/incidents.csv.gz, row {len(lines) + 1}, column 'incident_id': duplicated row: same incident_id as row 2",
    )


def test_date_outside_period(env, capsys):
    raw, _ = env
    _set_cell(raw / "hospital" / "admissions.csv.gz", 2, "admission_date", "2003-01-01")
    _check(
        env,
        capsys,
        "hospital/admissions.csv.gz, row 2, column 'admission_date': date outside the data period (2004-04-01 to ",
    )


def test_wrongly_encoded_file(env, capsys):
    raw, _ = env
    f = raw / "indicators" / "returns.csv"
    lines = f.read_bytes().split(b"\n")
    lines[2] = lines[2] + "Caf\u00e9".encode("latin-1")  # a Latin-1 byte 0xe9 on row 3
    f.write_bytes(b"\n".join(lines))
    _check(
        env,
        capsys,
        "indicators/returns.csv, row 3: wrong encoding: byte 0xe9",
        "Expected encoding: UTF-8",
    )


def test_unreadable_file(env, capsys):
    raw, _ = env
    (raw / "hospital" / "admissions.csv.gz").write_bytes(b"this is not gzip data\n")
    _check(env, capsys, "hospital/admissions.csv.gz: cannot be read: not a valid gzip file")


def test_empty_file(env, capsys):
    raw, _ = env
    (raw / "indicators" / "targets.csv").write_bytes(b"")
    _check(env, capsys, "indicators/targets.csv: file is empty (0 bytes)")


def test_boundary_file_without_ward_codes(env, capsys):
    raw, _ = env
    f = raw / "geography" / "wards.geojson"
    gj = json.loads(f.read_text(encoding="utf-8"))
    for feat in gj["features"]:
        props = feat["properties"]
        for key in [k for k in props if k.upper().startswith("WD") and k.upper().endswith("CD")]:
            props["CODE"] = props.pop(key)
    f.write_text(json.dumps(gj), encoding="utf-8")
    _check(
        env,
        capsys,
        "geography/wards.geojson, column 'WDyyCD': the boundary file has no ward code column",
        "columns found:",
    )


def test_every_problem_in_a_file_is_listed(env, capsys):
    raw, _ = env
    f = raw / "mortality" / "deaths.csv"
    _set_cell(f, 2, "deaths", "-1")
    _set_cell(f, 3, "sex", "X")
    _set_cell(f, 4, "year", "1999")
    err = _check(
        env,
        capsys,
        "3 problems",
        "mortality/deaths.csv, row 2, column 'deaths'",
        "mortality/deaths.csv, row 3, column 'sex': sex must be M or F (got 'X')",
        "mortality/deaths.csv, row 4, column 'year': year outside the data period",
        "the header is row 1",
    )
    assert err.count("mortality/deaths.csv") == 3


def test_problems_in_several_files_come_in_one_message(env, capsys):
    raw, _ = env
    _set_cell(raw / "mortality" / "deaths.csv", 2, "deaths", "-1")
    (raw / "indicators" / "targets.csv").write_bytes(b"")
    _check(
        env,
        capsys,
        "2 problems",
        "mortality/deaths.csv, row 2",
        "indicators/targets.csv: file is empty",
    )


def test_real_command_exits_2(env):
    """The installed console script, in a subprocess, as a user runs it."""
    raw, processed = env
    (raw / "indicators" / "targets.csv").write_bytes(b"")
    before = _hashes(processed)
    exe = [sys.executable, "-m", "lsp_research.cli", "data", "build"]
    proc = subprocess.run(exe, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "indicators/targets.csv: file is empty" in proc.stderr
    assert _hashes(processed) == before
