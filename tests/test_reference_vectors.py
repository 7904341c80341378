"""Every worked value in the reference vectors (PHEindicatormethods 2.1.0, NHSRplotthedots 0.2.2,
nhspy-plotthedots) is reproduced by lsp_research.stats to the vector's own tolerance.

The vectors are read from ``tests/fixtures/reference_vectors.json`` (a verbatim copy of
``../shared/methods/reference_vectors.json``, whose meta block records sources and licences), so the test
runs from any clone; when the shared copy sits beside the clone it must be identical to the fixture.
"""

from __future__ import annotations

import importlib
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lsp_research.stats import (
    assurance_type,
    byars_ci,
    crude_rate,
    dsr,
    funnel_significance,
    funnel_table,
    israte,
    isratio,
    life_expectancy,
    mean_ci,
    proportion,
    spc,
    wilson_ci,
    xmr_points,
)

spc_module = importlib.import_module("lsp_research.stats.spc")

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "reference_vectors.json"
SHARED = REPO.parent / "shared" / "methods" / "reference_vectors.json"
DATA = json.loads(FIXTURE.read_text())
VECTORS = DATA["vectors"]

# Vectors we believe are wrong: id -> reason (they are still run, as strict xfails). None at present.
KNOWN_WRONG: dict[str, str] = {}


def _nan(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def check(got, expected, tol: dict, where: str) -> None:
    """Compare one value or list to the vector's tolerance (None means missing/NA)."""
    if isinstance(expected, list):
        got = list(got)
        assert len(got) == len(expected), f"{where}: length {len(got)} != {len(expected)}"
        for i, (g, e) in enumerate(zip(got, expected, strict=True)):
            check(g, e, tol, f"{where}[{i}]")
        return
    if expected is None:
        assert _nan(got), f"{where}: expected missing, got {got!r}"
        return
    if isinstance(expected, (str, bool)) or tol["type"] == "exact":
        if isinstance(expected, bool) or isinstance(got, (bool, np.bool_)):
            assert bool(got) == expected, f"{where}: {got!r} != {expected!r}"
        elif isinstance(expected, (int, float)) and not isinstance(expected, bool):
            assert float(got) == float(expected), f"{where}: {got!r} != {expected!r}"
        else:
            assert got == expected, f"{where}: {got!r} != {expected!r}"
        return
    assert not _nan(got), f"{where}: got missing, expected {expected!r}"
    diff = abs(float(got) - float(expected))
    allowed = tol["value"] * abs(expected) if tol["type"] == "relative" else tol["value"]
    assert diff <= allowed, (
        f"{where}: got {got!r}, expected {expected!r} (diff {diff:.3g} > {allowed:.3g})"
    )


# expected key -> output column, by number of confidence levels
def _col(key: str, levels: int) -> str:
    table = {
        "lower": "lowercl",
        "upper": "uppercl",
        "lower95": "lowercl" if levels == 1 else "lower95_0cl",
        "upper95": "uppercl" if levels == 1 else "upper95_0cl",
        "lower99_8": "lower99_8cl",
        "upper99_8": "upper99_8cl",
    }
    return table.get(key, key)


def _levels(conf) -> int:
    return len(conf) if isinstance(conf, list) else 1


def _conf(conf):
    return tuple(conf) if isinstance(conf, list) else conf


def _check_row(row: pd.Series, vec: dict, skip=()) -> None:
    n = _levels(vec["inputs"].get("confidence", 0.95))
    for key, exp in vec["expected"].items():
        if key in skip:
            continue
        check(row[_col(key, n)], exp, vec["tolerance"], f"{vec['id']}:{key}")


def _num(values):
    return [np.nan if v is None else v for v in values]


# --------------------------------------------------------------------------------------------------
def run_byars(vec):
    i = vec["inputs"]
    lo, hi = byars_ci(i["x"], i["confidence"])
    check(lo, vec["expected"]["lower"], vec["tolerance"], vec["id"] + ":lower")
    check(hi, vec["expected"]["upper"], vec["tolerance"], vec["id"] + ":upper")


def run_wilson(vec):
    i = vec["inputs"]
    lo, hi = wilson_ci(i["x"], i["n"], i["confidence"])
    check(lo, vec["expected"]["lower"], vec["tolerance"], vec["id"] + ":lower")
    check(hi, vec["expected"]["upper"], vec["tolerance"], vec["id"] + ":upper")


def run_rate_or_prop(vec):
    i = vec["inputs"]
    f = crude_rate if vec["method"] == "crude_rate" else proportion
    df = pd.DataFrame({"x": [i["x"]], "n": [i["n"]]})
    out = f(df, "x", "n", multiplier=i["multiplier"], confidence=_conf(i["confidence"]))
    _check_row(out.iloc[0], vec)


def run_mean(vec):
    i = vec["inputs"]
    out = mean_ci(pd.DataFrame({"v": i["values"]}), "v", confidence=_conf(i["confidence"]))
    _check_row(out.iloc[0], vec)


def run_dsr(vec):
    i = vec["inputs"]
    df = pd.DataFrame({"band": i["ageband"], "x": _num(i["x"]), "n": i["n"]})
    out = dsr(
        df,
        "x",
        "n",
        stdpop=i["stdpop"],
        multiplier=i["multiplier"],
        confidence=_conf(i["confidence"]),
    )
    _check_row(out.iloc[0], vec)
    # the same with the bands checked by label
    out2 = dsr(
        df, "x", "n", stdpop=dict(zip(i["ageband"], i["stdpop"], strict=True)), ageband="band",
        multiplier=i["multiplier"], confidence=_conf(i["confidence"]),
    )  # fmt: skip
    _check_row(out2.iloc[0], vec)


def run_dsr_nonind(vec):
    i = vec["inputs"]
    df = pd.DataFrame(i["records"])
    df["persons"] = _num(df["persons"].tolist())
    out = dsr(
        df, "persons", "n", stdpop="stdpop", ageband="ageband", eventfreq="eventfreq",
        independent_events=False, multiplier=i["multiplier"], confidence=_conf(i["confidence"]),
    )  # fmt: skip
    _check_row(out.iloc[0], vec)


def run_isr(vec):
    i = vec["inputs"]
    df = pd.DataFrame({"x": i["x"], "n": i["n"], "xr": i["x_ref"], "nr": i["n_ref"]})
    conf = _conf(i["confidence"])
    if vec["method"] == "isratio":
        kw = {"refvalue": i["refvalue"], "confidence": conf}
        f = isratio
    else:
        kw = {"multiplier": i["multiplier"], "confidence": conf}
        f = israte
    _check_row(f(df, "x", "n", i["x_ref"], i["n_ref"], **kw).iloc[0], vec)  # reference as vectors
    _check_row(f(df, "x", "n", "xr", "nr", **kw).iloc[0], vec)  # reference as columns


def _check_rows(table: pd.DataFrame, vec: dict, rename=None) -> None:
    rows = vec["expected"]["rows"]
    assert len(table) == len(rows), f"{vec['id']}: {len(table)} rows != {len(rows)}"
    for r, (_, got) in enumerate(table.iterrows()):
        for key, exp in rows[r].items():
            col = (rename or {}).get(key, key)
            check(got[col], exp, vec["tolerance"], f"{vec['id']}:row{r}:{key}")


def run_funnel_limits_proportion(vec):
    i = vec["inputs"]
    df = pd.DataFrame({"num": i["numerator"], "den": i["denominator"]})
    t = funnel_table(df, "num", "den", kind="proportion", multiplier=i["multiplier"])
    check(
        t.attrs["axis_minimum"],
        vec["expected"]["axis_minimum"],
        vec["tolerance"],
        vec["id"] + ":axis_min",
    )
    check(
        t.attrs["axis_maximum"],
        vec["expected"]["axis_maximum"],
        vec["tolerance"],
        vec["id"] + ":axis_max",
    )
    _check_rows(t, vec)


def run_funnel_limits_ratio(vec):
    i = vec["inputs"]
    df = pd.DataFrame({"obs": i["obs"], "exp": i["expected"]})
    count = funnel_table(df, "obs", "exp", kind="ratio", ratio_type="count")
    isr = funnel_table(df, "obs", "exp", kind="ratio", ratio_type="isr")
    check(
        count.attrs["axis_minimum"],
        vec["expected"]["axis_minimum"],
        vec["tolerance"],
        vec["id"] + ":min",
    )
    check(
        count.attrs["axis_maximum"],
        vec["expected"]["axis_maximum"],
        vec["tolerance"],
        vec["id"] + ":max",
    )
    both = count.copy()
    for tag in ("lower_2s", "upper_2s", "lower_3s", "upper_3s"):
        both[f"{tag}_count"] = count[f"{tag}_limit"]
        both[f"{tag}_isr"] = isr[f"{tag}_limit"]
    _check_rows(both, vec)


def run_funnel_limits_rate(vec):
    i = vec["inputs"]
    df = pd.DataFrame({"num": i["numerator"], "rate": i["rate"]})
    den = None
    if "denominator" in i:
        df["den"] = i["denominator"]
        den = "den"
    t = funnel_table(
        df, "num", den, kind="rate", multiplier=i["multiplier"], rate="rate",
        rate_type=i["rate_type"], years_of_data=i["years_of_data"],
    )  # fmt: skip
    _check_rows(t, vec)


def run_funnel_significance(vec):
    i = vec["inputs"]
    kind = vec["method"].rsplit("_", 1)[1]
    if kind == "proportion":
        df = pd.DataFrame({"num": i["numerator"], "den": i["denominator"]})
        out = funnel_significance(df, "num", "den", kind="proportion")
    elif kind == "ratio":
        df = pd.DataFrame({"num": i["obs"], "den": i["expected"]})
        out = funnel_significance(df, "num", "den", kind="ratio")
    else:
        df = pd.DataFrame({"num": i["count"], "rate": _num(i["rate"]), "pop": i["pop"]})
        out = funnel_significance(
            df,
            "num",
            "pop",
            kind="rate",
            rate="rate",
            rate_type=i["rate_type"],
            multiplier=i["multiplier"],
        )
    check(
        out["significance"].tolist(), vec["expected"]["significance"], vec["tolerance"], vec["id"]
    )


def run_life_expectancy(vec):
    i = vec["inputs"]
    df = pd.DataFrame({"startage": i["startage"], "pops": i["pops"], "deaths": i["deaths"]})
    out = life_expectancy(df, "deaths", "pops", confidence=i["confidence"])
    for key, exp in vec["expected"].items():
        check(out[_col(key, 1)].tolist(), exp, vec["tolerance"], f"{vec['id']}:{key}")


def run_spc_limits(vec):
    i = vec["inputs"]
    pts = spc(i["y"], screen_outliers=i["screen_outliers"]).points
    e = vec["expected"]
    cols = {"mean": "mean", "lpl": "lpl", "upl": "upl", "nlpl": "near_lpl", "nupl": "near_upl"}
    for key, exp in e.items():
        if key in cols:
            check(pts[cols[key]].iloc[0], exp, vec["tolerance"], f"{vec['id']}:{key}")
        elif key == "all_points":
            assert set(pts["point_type"]) == {exp}, f"{vec['id']}: {set(pts['point_type'])}"
        elif key == "n":
            assert len(pts) == exp
        elif key == "common_cause":
            assert int((pts["point_type"] == "common_cause").sum()) == exp
        elif key.startswith("point"):
            assert pts["point_type"].iloc[int(key[5:]) - 1] == exp, f"{vec['id']}: {key}"
        else:
            raise AssertionError(f"{vec['id']}: unhandled expected key {key!r}")


def run_spc_rules(vec):
    i = vec["inputs"]
    r = spc(i["y"], improvement=i["improvement_direction"])
    check(
        r.points["point_type"].tolist()[-2:],
        vec["expected"]["point_type_last2"],
        vec["tolerance"],
        vec["id"],
    )


RULE_HELPERS = {
    "ptd_seven_point_one_side_mean": lambda i: spc_module.seven_point_one_side_mean(i["v"]),
    "ptd_part_of_seven_trend": lambda i: spc_module.part_of_seven_trend(i["v"]),
    "ptd_seven_point_trend": lambda i: spc_module.seven_point_trend(i["v"]),
    "ptd_two_in_three": lambda i: spc_module.two_in_three(
        i["close_to_limits"], i["relative_to_mean"]
    ),
    "ptd_part_of_two_in_three": lambda i: spc_module.part_of_two_in_three(
        spc_module.two_in_three(i["close_to_limits"], i["relative_to_mean"]), i["close_to_limits"]
    ),
}


def run_spc_rule_helper(vec):
    got = RULE_HELPERS[vec["function"]](vec["inputs"])
    check([int(v) for v in got], vec["expected"]["result"], vec["tolerance"], vec["id"])


def run_spc_assurance(vec):
    i = vec["inputs"]
    got = assurance_type(i["lpl"], i["upl"], i["target"], i["improvement_direction"])
    check(list(got), vec["expected"]["assurance_type"], vec["tolerance"], vec["id"])


def run_spc_full(vec):
    i = vec["inputs"]
    pts = xmr_points(i["y"], fix_after_n_points=i.get("fix_after_n_points"))
    for key, exp in vec["expected"].items():
        got = pts[key].iloc[0] if not isinstance(exp, list) else pts[key].tolist()
        check(got, exp, vec["tolerance"], f"{vec['id']}:{key}")


RUNNERS = {
    "byars_count_ci": run_byars,
    "wilson_proportion_ci": run_wilson,
    "crude_rate": run_rate_or_prop,
    "proportion": run_rate_or_prop,
    "mean": run_mean,
    "dsr": run_dsr,
    "dsr_nonindependent": run_dsr_nonind,
    "isratio": run_isr,
    "israte": run_isr,
    "life_expectancy": run_life_expectancy,
    "funnel_limits_proportion": run_funnel_limits_proportion,
    "funnel_limits_rate": run_funnel_limits_rate,
    "funnel_limits_ratio": run_funnel_limits_ratio,
    "funnel_significance_proportion": run_funnel_significance,
    "funnel_significance_rate": run_funnel_significance,
    "funnel_significance_ratio": run_funnel_significance,
    "spc_xmr_limits": run_spc_limits,
    "spc_rules": run_spc_rules,
    "spc_rule_helper": run_spc_rule_helper,
    "spc_assurance": run_spc_assurance,
    "spc_xmr_full": run_spc_full,
}


# Ids that the vector file uses twice for two different vectors (both are run, the second as "<id>#2").
# phe.dsr.testdata_tiny.per100000 is used for results rows 4 and 8 of testresults_DSR.
DUPLICATE_IDS = {"phe.dsr.testdata_tiny.per100000"}


def _params():
    seen: dict[str, int] = {}
    for v in VECTORS:
        seen[v["id"]] = seen.get(v["id"], 0) + 1
        pid = v["id"] if seen[v["id"]] == 1 else f"{v['id']}#{seen[v['id']]}"
        marks = []
        if v["id"] in KNOWN_WRONG:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_WRONG[v["id"]]))
        yield pytest.param(v, id=pid, marks=marks)


PARAMS = list(_params())


@pytest.mark.parametrize("vec", PARAMS)
def test_vector(vec):
    assert vec["method"] in RUNNERS, (
        f"no runner for method {vec['method']!r}: every vector must be checked"
    )
    RUNNERS[vec["method"]](vec)


def test_every_vector_is_run():
    assert len(PARAMS) == len(VECTORS)
    assert len({p.id for p in PARAMS}) == len(VECTORS), "parametrised ids must be unique"
    repeated = {i for i in (v["id"] for v in VECTORS) if sum(w["id"] == i for w in VECTORS) > 1}
    assert repeated == DUPLICATE_IDS, (
        f"new duplicate ids in the vector file: {repeated - DUPLICATE_IDS}"
    )
    assert {v["method"] for v in VECTORS} <= set(RUNNERS)
    assert DATA["meta"]["sources"], "meta block (sources, licences) must stay intact"


def test_fixture_matches_shared_copy():
    if not SHARED.exists():
        pytest.skip("shared/methods is not beside this clone")
    assert json.loads(SHARED.read_text()) == DATA, (
        "tests/fixtures/reference_vectors.json is stale: recopy it"
    )
