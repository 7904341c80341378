"""The joint view for the champions: admission ratios beside incident ratios."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as st

from ....errors import DataValidationError, ParameterError, Problem
from ....stats import z_value


def correlation(x, y, method: str = "pearson", confidence: float = 0.95) -> dict:
    """Correlation of two area measures with a Fisher-z confidence interval.

    Parameters
    ----------
    x, y : array_like
        Paired values (pairs with a missing value are dropped); at least 4 pairs.
    method : {"pearson", "spearman"}
        Pearson's r (standard error of z ``1 / sqrt(n - 3)``), or Spearman's rho with the Bonett-Wright
        standard error ``sqrt((1 + rho^2 / 2) / (n - 3))``.
    confidence : float

    Returns
    -------
    dict
        ``r``, ``lowercl``, ``uppercl``, ``n``, ``method``, ``confidence``.

    Examples
    --------
    >>> c = correlation([1, 2, 3, 4, 5, 6], [2.1, 3.9, 6.2, 8.1, 9.8, 12.2])
    >>> round(c["r"], 3), round(c["lowercl"], 3), c["n"]
    (0.999, 0.991, 6)
    """
    if method not in ("pearson", "spearman"):
        raise ParameterError(
            f"method: {method!r} is not allowed; allowed values: pearson, spearman"
        )
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    ok = ~(np.isnan(x) | np.isnan(y))
    x, y = x[ok], y[ok]
    n = len(x)
    if n < 4:
        raise DataValidationError(
            [
                Problem(
                    "x, y", None, None, f"a correlation interval needs at least 4 pairs, got {n}"
                )
            ],
            context="the correlation of area measures",
        )
    r = float(st.pearsonr(x, y)[0] if method == "pearson" else st.spearmanr(x, y)[0])
    se = 1 / np.sqrt(n - 3) if method == "pearson" else np.sqrt((1 + r**2 / 2) / (n - 3))
    zr = np.arctanh(np.clip(r, -0.9999999, 0.9999999))
    z = z_value(confidence)
    return {
        "r": r,
        "lowercl": float(np.tanh(zr - z * se)),
        "uppercl": float(np.tanh(zr + z * se)),
        "n": int(n),
        "method": method,
        "confidence": confidence,
    }


def joint_view(
    admission_ratios: pd.DataFrame, incident_table: pd.DataFrame, area: str
) -> pd.DataFrame:
    """Areas' admission ratios beside their incident ratios, flagging where both are significantly high.

    Returns
    -------
    pandas.DataFrame
        ``area``, ``sar`` with ``sar_lower``/``sar_upper`` (95%) and ``sar_significance``,
        ``incident_ratio`` with ``inc_lower``/``inc_upper`` and ``incident_significance``, and
        ``both_high`` (both 95% intervals wholly above 100).
    """
    a = admission_ratios[[area, "value", "lower95_0cl", "upper95_0cl", "significance"]].rename(
        columns={"value": "sar", "lower95_0cl": "sar_lower", "upper95_0cl": "sar_upper",
                 "significance": "sar_significance"}
    )  # fmt: skip
    b = incident_table[[area, "ratio", "lower95_0cl", "upper95_0cl", "significance"]].rename(
        columns={"ratio": "incident_ratio", "lower95_0cl": "inc_lower", "upper95_0cl": "inc_upper",
                 "significance": "incident_significance"}
    )  # fmt: skip
    out = a.merge(b, on=area, how="outer")
    out["both_high"] = (out["sar_lower"] > 100) & (out["inc_lower"] > 100)
    return out.sort_values(area, ignore_index=True)
