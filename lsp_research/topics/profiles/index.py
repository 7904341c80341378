"""The period's index: a clickable ward map and league tables, from the figures each profile run recorded.

Registered in ``programme.yml`` (``index: lsp_research.topics.profiles:index_context``); the runner calls
it with every run's index entry.
"""

from __future__ import annotations

import pandas as pd

from ... import data
from ...disclosure import SUPPRESSED
from ...errors import LspError
from ...plots.maps import ward_map_svg
from ...tables import show_table
from .text import WITHHELD_NOTE

LEAGUE_COLUMNS = {
    "area": "Ward",
    "population": "Residents",
    "imd2007_score": "IMD 2007 score",
    "life_expectancy_male": "Life expectancy, males (years)",
    "life_expectancy_female": "Life expectancy, females (years)",
    "alcohol_admissions_ratio": "Alcohol admissions ratio (city = 100)",
    "alcohol_incidents_per_1000": "Alcohol incidents per 1,000 a year",
    "wellness_referrals_per_1000": "Wellness referrals per 1,000 adults a year",
    "wellness_completion_pct": "Wellness 12-week completion (%)",
}


def league_table(summaries: list[dict], kind: str = "ward") -> pd.DataFrame:
    """One row per area of ``kind`` from the headline figures the profile runs recorded.

    Sorted by IMD score (most deprived first); columns renamed for reading.

    >>> rows = [{"kind": "ward", "area": "A", "imd2007_score": 10.0, "population": 9000},
    ...         {"kind": "ward", "area": "B", "imd2007_score": 40.0, "population": 12000},
    ...         {"kind": "area_committee", "area": "North", "imd2007_score": 20.0}]
    >>> league_table(rows)[["Ward", "IMD 2007 score"]].to_dict("list")
    {'Ward': ['B', 'A'], 'IMD 2007 score': [40.0, 10.0]}
    """
    frame = pd.DataFrame([s for s in summaries if s.get("kind") == kind])
    if frame.empty:
        return pd.DataFrame(columns=list(LEAGUE_COLUMNS.values()))
    cols = [c for c in LEAGUE_COLUMNS if c in frame.columns]
    frame = frame.sort_values("imd2007_score", ascending=False)[cols]
    if kind != "ward":
        frame = frame.rename(columns={"area": "Area"})
    return frame.rename(columns=LEAGUE_COLUMNS).reset_index(drop=True)


def index_context(entries: list[dict], wards=None) -> dict:
    """The period index's ward map and league tables, from the figures the profile runs recorded.

    ``entries`` are the index entries (``files``, ``summary``) of every run; those whose summary came
    from a profile (it has ``kind`` and ``area_code``) feed a clickable ward map (each ward linking to
    its executive profile) and league tables of wards and area committees. Their summaries are taken
    off the entries, so the index does not show them twice. Returns ``{}`` when no profile ran.
    """
    profiles_run = [
        e
        for e in entries
        if isinstance(e.get("summary"), dict) and {"kind", "area_code"} <= set(e["summary"])
    ]
    if not profiles_run:
        return {}
    summaries = [e["summary"] for e in profiles_run]
    for e in profiles_run:
        e["summary"] = None
    out = {}
    tables = []
    for kind, what in (("ward", "wards"), ("area_committee", "area committees")):
        league = league_table(summaries, kind)
        if len(league):
            withheld_any = bool((league.astype(object) == SUPPRESSED).to_numpy().any())
            tables.append(
                show_table(
                    league,
                    caption=f"League table of {what}, most deprived first (figures recorded by each profile run)",
                    counts=["Residents"],
                    display=False,
                    notes=[WITHHELD_NOTE] if withheld_any else [],
                )
            )
    if tables:
        out["league_table"] = "\n".join(tables)
    if wards is None:
        try:
            wards = data.load("wards")
        except (
            LspError,
            OSError,
        ):  # no (or an unreadable) processed wards table: no map, the links and tables still stand
            wards = None
    if wards is not None:
        links, values = {}, {}
        for e, s in zip(profiles_run, summaries, strict=True):
            if s.get("kind") == "ward" and e.get("files"):
                files = e["files"]
                href = files.get("executive") or next(iter(files.values()))
                links[s["area_code"]] = href
                if s.get("imd2007_score") is not None:
                    values[s["area_code"]] = s["imd2007_score"]
        if links:
            out["ward_map"] = ward_map_svg(wards, links, values, "IMD 2007 score")
    return out
