"""Which cells of the alcohol tables and charts are withheld (one decision shared with the ward profiles)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .analysis import AlcoholResults


def ward_withhold(res: AlcoholResults, frame: pd.DataFrame, count: str) -> np.ndarray | None:
    """For ward tables: which rows the ward profiles withhold for the same counts (one decision over
    wards, area committees and the city, so no page reveals what another withholds)."""
    if res.params.geography != "ward" or res.wards is None:
        return None
    # topics.profiles imports this package; importing it at call time keeps the two free of a cycle
    from ..profiles import ward_decision

    wards = pd.DataFrame(res.wards.drop(columns="geometry", errors="ignore"))
    codes = frame["ward_code"].astype(str)
    hidden = ward_decision(dict(zip(codes, frame[count], strict=True)), wards)
    return codes.isin(hidden).to_numpy()


def joint_withheld(res: AlcoholResults, j: pd.DataFrame):
    """(admission ratio withheld, incident ratio withheld) per row of the joint view, or None."""
    adm_mask = ward_withhold(res, res.ratios, "episodes")
    inc_mask = ward_withhold(res, res.incidents, "incidents")
    if adm_mask is None or inc_mask is None:
        return None
    codes = j["ward_code"].astype(str)
    hid_adm = codes.isin(res.ratios["ward_code"].astype(str)[adm_mask]).to_numpy()
    hid_inc = codes.isin(res.incidents["ward_code"].astype(str)[inc_mask]).to_numpy()
    return hid_adm, hid_inc
