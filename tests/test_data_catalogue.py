"""The catalogue, the status table and the data CLI (status, synth guards)."""

from __future__ import annotations

import datetime

import pytest

from lsp_research import data
from lsp_research.cli import main
from lsp_research.data.catalogue import Catalogue, load_catalogue, parse_refresh
from lsp_research.errors import ConfigError


def test_catalogue_accepts_list_of_sources_and_file_spellings():
    cat = Catalogue.from_dict(
        {
            "sources": [
                {
                    "name": "geography",
                    "owner": "Council",
                    "refresh_days": 365,
                    "last_update": datetime.date(2009, 6, 1),
                    "files": [
                        "geography/WD09.geojson",
                        {"path": "geography/x.csv", "table": "area_committees"},
                    ],
                }
            ],
            "period": "2005Q1/2008Q4",
        }
    )
    src = cat.sources["geography"]
    assert src.refresh_days == 365 and src.last_updated == datetime.date(2009, 6, 1)
    assert [(f.path, f.format) for f in src.files] == [
        ("geography/WD09.geojson", "ons_boundary"),
        ("geography/x.csv", "contract_csv"),
    ]
    assert src.files[1].options == {"table": "area_committees"}
    assert (cat.period_start, cat.period_end) == (
        datetime.date(2005, 4, 1),
        datetime.date(2009, 3, 31),
    )
    # sources not in the catalogue fall back to the contract layout
    assert cat.files("hospital")[0].path == "hospital/admissions.csv.gz"


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        (
            {"sources": {"h": {"refresh_cycle": "sometimes"}}},
            "refresh cycle 'sometimes' is not understood",
        ),
        (
            {"sources": {"h": {"files": [{"path": "a.csv", "format": "sas"}]}}},
            "format 'sas' is not one of",
        ),
        ({"sources": {"h": {"last_updated": "May 2010"}}}, "not an ISO date"),
        ({"sources": {"h": {"files": [{"format": "fingertips"}]}}}, "needs a 'path'"),
        ({"period": "2009Q7/2010Q1"}, "period must be"),
        ({"sources": 3}, "'sources' must be a mapping"),
    ],
)
def test_catalogue_errors_say_what_is_allowed(bad, match):
    with pytest.raises(ConfigError, match=match):
        Catalogue.from_dict(bad)


def test_refresh_cycles():
    assert [parse_refresh(x) for x in ("weekly", "monthly", "annual", "6 weeks", 14)] == [
        7,
        31,
        365,
        42,
        14,
    ]


def test_catalogue_file_errors(tmp_path, monkeypatch):
    bad = tmp_path / "c.yml"
    bad.write_text("sources: [unclosed")
    with pytest.raises(ConfigError, match="not valid UTF-8 YAML"):
        load_catalogue(bad)
    monkeypatch.setenv("LSP_CATALOGUE", str(tmp_path / "missing.yml"))
    with pytest.raises(ConfigError, match="does not exist"):
        load_catalogue()


def test_raw_folder_catalogue_is_used_unless_lsp_catalogue_is_set(tiny_raw, tmp_path, monkeypatch):
    monkeypatch.delenv("LSP_CATALOGUE", raising=False)
    assert load_catalogue(raw_dir=tiny_raw).path == tiny_raw / "catalogue.yml"
    other = tmp_path / "other.yml"
    other.write_text("synthetic: true\nsources: {}\n")
    monkeypatch.setenv("LSP_CATALOGUE", str(other))
    assert load_catalogue(raw_dir=tiny_raw).synthetic is True


def test_synthetic_flag_reaches_the_manifest(tiny_raw, tmp_path, monkeypatch):
    cat = tiny_raw / "catalogue.yml"
    cat.write_text(cat.read_text().replace("synthetic: false", "synthetic: true"))
    data.build(raw_dir=tiny_raw, processed_dir=tmp_path / "p")
    assert data.is_synthetic(tmp_path / "p") is True


def test_status_command_prints_a_table_with_stale_flags(tiny_raw, monkeypatch, capsys):
    monkeypatch.setenv("LSP_RAW_DIR", str(tiny_raw))
    monkeypatch.delenv("LSP_CATALOGUE", raising=False)
    assert main(["data", "status", "--as-of", "2010-12-31"]) == 0
    out = capsys.readouterr().out
    lines = {ln.split()[0]: ln for ln in out.splitlines() if ln.strip()}
    assert "STALE" in lines["police"]  # monthly, last updated 2010-01-05
    assert "ok" in lines["deprivation"].split()  # 3-yearly, last updated 2008-01-15
    assert "sources stale as of 2010-12-31" in out


def test_status_as_of_accepts_dates_and_periods(tiny_raw, monkeypatch):
    monkeypatch.setenv("LSP_RAW_DIR", str(tiny_raw))
    monkeypatch.delenv("LSP_CATALOGUE", raising=False)
    a = data.status(as_of="2009Q4").set_index("source")["age_days"]
    b = data.status(as_of=datetime.date(2010, 3, 31)).set_index("source")["age_days"]
    assert a.equals(b)
    assert a["hospital"] == (datetime.date(2010, 3, 31) - datetime.date(2010, 2, 10)).days


def test_synth_refuses_to_overwrite_or_scale_into_the_default_raw(tmp_path, monkeypatch, capsys):
    calls = []
    import lsp_research.data.commands as commands

    monkeypatch.setattr(
        commands,
        "_generator",
        lambda: lambda out, seed, scale, **kw: calls.append((out, seed, scale)),
    )
    raw = tmp_path / "raw"
    raw.mkdir()
    monkeypatch.setenv("LSP_RAW_DIR", str(raw))
    (raw / "x.csv").write_text("a\n")
    assert main(["data", "synth"]) == 2
    assert "not empty; use --force" in capsys.readouterr().err
    assert main(["data", "synth", "--scale", "10"]) == 2
    assert "--out DIR" in capsys.readouterr().err
    assert main(["data", "synth", "--force"]) == 0
    assert (
        main(["data", "synth", "--scale", "10", "--seed", "7", "--out", str(tmp_path / "big")]) == 0
    )
    assert calls == [(raw, 20090401, 1.0), (tmp_path / "big", 7, 10.0)]
