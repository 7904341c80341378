"""Reading raw files: encodings, line endings, row numbers, malformed and unreadable files."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest

from lsp_research.data.loaders import (
    age_column,
    esp_band,
    fingertips_period,
    load_file,
    read_csv,
)
from lsp_research.data.schemas import Context
from lsp_research.errors import FileProblem

CTX = Context(ward_codes=frozenset({"E05001153", "E05001154"}))
HEADER = "ward_code,area_committee"


def _problems(path, fmt="contract_csv"):
    return [str(p) for p in load_file(path, fmt, CTX, label=path.name)[1]]


def test_bom_and_windows_line_endings_are_read(tmp_path):
    f = tmp_path / "area_committees.csv"
    f.write_bytes(b"\xef\xbb\xbf" + f"{HEADER}\r\nE05001153,West\r\nE05001154,North\r\n".encode())
    df, rows = read_csv(f, "f")
    assert list(df.columns) == ["ward_code", "area_committee"]
    assert df["area_committee"].tolist() == ["West", "North"] and rows.tolist() == [2, 3]


def test_quoted_commas_and_blank_lines_keep_file_row_numbers(tmp_path):
    f = tmp_path / "area_committees.csv"
    f.write_text(f'{HEADER}\nE05001153,"West, upper"\n\nE05009999,North\n')
    tables, problems = load_file(f, "contract_csv", CTX, label="ac.csv")
    assert tables["area_committees"]["area_committee"].tolist() == ["West, upper", "North"]
    # the blank line 3 is skipped, so the bad code is reported on line 4 where it is
    assert [str(p) for p in problems] == [
        "ac.csv, row 4, column 'ward_code': not a ward code of the boundary file "
        "(2 wards: E05001153 to E05001154) (got 'E05009999')"
    ]


def test_every_malformed_line_is_reported(tmp_path):
    f = tmp_path / "area_committees.csv"
    f.write_text(f"{HEADER}\nE05001153,West\nE05001154,North,extra\nE05001153\n")
    probs = _problems(f)
    assert "area_committees.csv, row 3: malformed CSV: 3 fields where the header has 2" in probs[0]
    assert "area_committees.csv, row 4: malformed CSV: 1 fields where the header has 2" in probs[1]


def test_latin1_lines_are_each_named(tmp_path):
    f = tmp_path / "area_committees.csv"
    f.write_bytes(
        f"{HEADER}\nE05001153,Caf".encode() + b"\xe9\nE05001154,North\nE05001153,S\xf8r\n"
    )
    probs = _problems(f)
    assert len(probs) == 2
    assert probs[0].startswith("area_committees.csv, row 2: wrong encoding: byte 0xe9")
    assert "in Latin-1/Windows-1252 it reads 'E05001153,Café'" in probs[0]
    assert probs[1].startswith("area_committees.csv, row 4: wrong encoding: byte 0xf8")


def test_binary_and_excel_saved_as_csv(tmp_path):
    f = tmp_path / "area_committees.csv"
    pd.DataFrame({"ward_code": ["E05001153"], "area_committee": ["West"]}).to_excel(
        f.with_suffix(".xlsx")
    )
    f.write_bytes(f.with_suffix(".xlsx").read_bytes())
    assert (
        "binary content, not a UTF-8 CSV text file (it looks like an Excel workbook)"
        in _problems(f)[0]
    )


def test_header_only_and_blank_files(tmp_path):
    f = tmp_path / "area_committees.csv"
    f.write_text(f"{HEADER}\n")
    assert _problems(f) == [
        "area_committees.csv: no data rows below the header (columns: ward_code, area_committee)"
    ]
    f.write_text("\n\n")
    assert "file is empty (only blank lines)" in _problems(f)[0]
    g = tmp_path / "admissions.csv.gz"
    g.write_bytes(gzip.compress(b"", mtime=0))
    assert "file is empty (no data after decompression)" in _problems(g)[0]


def test_missing_file_and_unknown_table(tmp_path):
    assert _problems(tmp_path / "targets.csv") == [
        "targets.csv: file not found (the catalogue lists it)"
    ]
    f = tmp_path / "whatever.csv"
    f.write_text("a\n1\n")
    assert "cannot tell which contract table this file holds" in _problems(f)[0]


def test_corrupt_excel_workbook(tmp_path):
    f = tmp_path / "r.xlsx"
    f.write_bytes(b"PK\x03\x04 not really a zip")
    assert "cannot be read as an Excel workbook (.xlsx)" in _problems(f, "partner_return")[0]


def test_missing_required_value_and_extra_columns(tmp_path):
    f = tmp_path / "area_committees.csv"
    f.write_text(f"{HEADER},note\nE05001153,,x\n")
    tables, problems = load_file(f, "contract_csv", CTX, label="ac.csv")
    assert [str(p) for p in problems] == [
        "ac.csv, row 2, column 'area_committee': missing value (this column is required)"
    ]
    assert "note" not in tables["area_committees"].columns


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Age 0", (None, 0, 0)),
        ("M90+", ("M", 90, None)),
        ("females_85-89", ("F", 85, 89)),
        ("Ward Code 1", None),
    ],
)
def test_sape_age_columns(name, expected):
    assert age_column(name) == expected


def test_esp_bands_and_fingertips_periods():
    assert [esp_band(a, a) for a in (0, 4, 5, 89, 90, 100)] == [
        "0-4",
        "0-4",
        "5-9",
        "85-89",
        "90+",
        "90+",
    ]
    assert fingertips_period("2009/10", annual_quarter=2) == ("2009Q2", "2009-10")
    assert fingertips_period("2009/11") == (None, None)  # not a financial year
    with pytest.raises(FileProblem):
        read_csv(Path("/nonexistent/x.csv"), "x.csv")
