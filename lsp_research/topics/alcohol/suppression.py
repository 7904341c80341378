"""Which cells of the alcohol tables and charts are withheld.

One decision, shared with the ward and area profiles: the episodes and incidents by ward go through
:func:`lsp_research.topics.profiles.ward_decision` (wards, area committees and the city, with secondary
suppression across the levels), whatever the report's geography; a rate, ratio or interval is withheld
with its count. The city and deprivation tables use :func:`.analysis.withheld_rows`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .analysis import AlcoholResults, withheld_rows


def area_withhold(res: AlcoholResults, frame: pd.DataFrame, count: str) -> np.ndarray | None:
    """Which rows of an area table (wards or area committees) are withheld, or None without wards.

    Parameters
    ----------
    res : AlcoholResults
    frame : pandas.DataFrame
        Rows by ``res.area`` (``ward_code`` or ``area_committee``).
    count : {"episodes", "incidents"}
        Which counts decide.
    """
    by_ward = res.ward_episodes if count == "episodes" else res.ward_incidents
    if res.wards is None or by_ward is None:
        return None
    # topics.profiles imports this package; importing it at call time keeps the two free of a cycle
    from ..profiles import ward_decision

    wards = pd.DataFrame(res.wards.drop(columns="geometry", errors="ignore"))
    hidden = ward_decision(by_ward.to_dict(), wards)
    return frame[res.area].astype(str).isin(hidden).to_numpy()


def joint_withheld(res: AlcoholResults, j: pd.DataFrame):
    """(admission ratio withheld, incident ratio withheld) per row of the joint view, or None."""
    adm_mask = area_withhold(res, res.ratios, "episodes")
    inc_mask = area_withhold(res, res.incidents, "incidents")
    if adm_mask is None or inc_mask is None:
        return None
    codes = j[res.area].astype(str)
    hid_adm = codes.isin(res.ratios[res.area].astype(str)[adm_mask]).to_numpy()
    hid_inc = codes.isin(res.incidents[res.area].astype(str)[inc_mask]).to_numpy()
    return hid_adm, hid_inc


def trend_withheld(res: AlcoholResults, freq: str = "financial_year") -> np.ndarray:
    """Which rows of the city trend have no published rate: under 10 weighted admissions, or counts
    withheld.
    """
    t = res.trend_year if freq == "financial_year" else res.trend_quarter
    return ~t["shown"].to_numpy(dtype=bool) | withheld_rows(t)


def gradient_withheld(res: AlcoholResults) -> np.ndarray:
    """Which rows of ``res.gradient`` (IMD quintiles) have no published rate."""
    return ~res.gradient["shown"].to_numpy(dtype=bool) | withheld_rows(res.gradient)
