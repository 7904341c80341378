"""Which quarter is ``latest``: the newest quarter whose returns are complete enough to hold the meeting.

A quarter with one early return is not ready: its meeting would see nearly every indicator "missing".
``latest`` is the newest quarter for which at least ``latest_min_share`` (a registry setting, default
0.75) of the expected returns have come in. A return is expected for a quarter from every registered
indicator-area series that was returned in the year before it (quarterly indicators every quarter;
annual ones in the quarter of their return a year earlier).

>>> import pandas as pd
>>> from lsp_research.performance.registry import parse_registry
>>> reg = parse_registry({"indicators": [dict(code=f"NI{i}", title="t", theme="safe",
...     partnership="Safe City", owner="Police", lead="L", unit="%", measure="proportion",
...     multiplier=100, polarity="higher", frequency="quarterly", source="s") for i in (1, 2, 3, 4)]})
>>> rows = [(f"NI{i}", q) for i in (1, 2, 3, 4) for q in ("2009Q3", "2009Q4")] + [("NI1", "2010Q1")]
>>> ret = pd.DataFrame(rows, columns=["indicator_code", "period"]).assign(
...     area_code="E08999901", value=1.0)
>>> r = readiness(ret, reg)
>>> r[["period", "expected", "received"]].values.tolist()
[['2009Q3', 0, 0], ['2009Q4', 4, 4], ['2010Q1', 4, 1]]
>>> str(latest_ready(ret, reg))
'2009Q4'
"""

from __future__ import annotations

import pandas as pd

from ..errors import PeriodError
from ..periods import Quarter
from .registry import Registry, normalise_code


def readiness(returns: pd.DataFrame, registry: Registry) -> pd.DataFrame:
    """Per quarter of the returns: returns expected, expected ones received, all returned, share."""
    df = returns[["indicator_code", "period", "area_code", "value"]].copy()
    df["indicator_code"] = df["indicator_code"].map(normalise_code)
    df = df[df["indicator_code"].isin(registry.codes) & df["value"].notna()]
    df["qi"] = df["period"].map(lambda s: Quarter.parse(str(s)).index)
    have = set(zip(df["indicator_code"], df["area_code"], df["qi"], strict=True))
    series = df.groupby(["indicator_code", "area_code"])["qi"].apply(set).to_dict()
    rows = []
    for qi in sorted(df["qi"].unique()):
        expected = received = 0
        for (code, area), quarters in series.items():
            annual = registry[code].frequency == "annual"
            if annual:
                due = (qi - 4) in quarters
            else:
                due = any(qi - k in quarters for k in (1, 2, 3, 4))
            if due:
                expected += 1
                received += (code, area, qi) in have
        rows.append(
            {
                "period": str(Quarter(qi // 4, qi % 4 + 1)),
                "expected": expected,
                "received": received,
                "returned": sum((c, a, qi) in have for c, a in series),
                "share": received / expected if expected else float("nan"),
            }
        )
    return pd.DataFrame(rows, columns=["period", "expected", "received", "returned", "share"])


def latest_ready(returns: pd.DataFrame, registry: Registry) -> Quarter:
    """The newest quarter with at least ``latest_min_share`` of its expected returns.

    A quarter with nothing expected of it (the first of a series) counts as ready when any return came
    in. When no quarter is ready, or no return is for a registered indicator, the newest quarter with
    returns.

    Raises
    ------
    PeriodError
        When there are no returns at all.
    """
    r = readiness(returns, registry)
    if r.empty:
        periods = returns["period"].dropna().astype(str)
        if periods.empty:
            raise PeriodError(
                "there are no indicator returns; build the data first (lsp-research data build)"
            )
        return max(Quarter.parse(p) for p in periods.unique())
    need = registry.settings.latest_min_share
    ok = r[(r["share"] >= need) | (r["expected"] == 0)]
    row = ok.iloc[-1] if len(ok) else r.iloc[-1]
    return Quarter.parse(row["period"])


def readiness_text(returns: pd.DataFrame, registry: Registry, chosen: Quarter) -> str:
    """Why ``latest`` is the quarter it is, in one sentence (for the run log)."""
    r = readiness(returns, registry).set_index("period")
    need = registry.settings.latest_min_share
    if str(chosen) not in r.index:
        return f"latest is {chosen}, the newest quarter in the returns (none is for a registered indicator)"
    if str(chosen) not in r.index:
        return f"latest is {chosen}, the newest quarter in the returns (none is a registered indicator)"
    row = r.loc[str(chosen)]
    text = f"latest is {chosen}: {int(row['received'])} of {int(row['expected'])} expected returns"
    newer = r[r.index.map(lambda p: Quarter.parse(p) > chosen)]
    if len(newer):
        n = newer.iloc[-1]
        text += (
            f"; {newer.index[-1]} has {int(n['received'])} of {int(n['expected'])}, below the "
            f"{need:.0%} the registry asks before a quarter's meeting (settings.latest_min_share)"
        )
    return text
