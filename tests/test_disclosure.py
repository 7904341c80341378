"""Disclosure control: primary and secondary suppression, the 2018 rule, the DSR threshold."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from lsp_research import disclosure
from lsp_research.disclosure import SUPPRESSED, count_text, dsr_allowed, protect, round_to_5


def hidden_positions(out: pd.DataFrame, col: str) -> list[int]:
    return [i for i, v in enumerate(out[col].tolist()) if v == SUPPRESSED]


def test_hes2008_primary_thresholds_with_secondary_off_by_design():
    # One column of 0..7 plus two large cells: 1-5 hidden, 0, 6 and 7 shown (two or more hidden, so
    # no secondary suppression is needed).
    t = pd.DataFrame({"g": list("abcdefghij"), "n": [0, 1, 2, 3, 4, 5, 6, 7, 100, 200]})
    out = protect(t, ["n"])
    assert out["n"].tolist() == [0, "*", "*", "*", "*", "*", 6, 7, 100, 200]
    info = out.attrs["disclosure"]
    assert (info["primary"], info["secondary"], info["derived"]) == (5, 0, 0)
    assert info["rule"] == "hes2008"


def test_secondary_hides_next_smallest_including_total_row():
    t = pd.DataFrame({"ward": ["A", "B", "C", "D", "Total"], "n": [4, 50, 9, 30, 93]})
    out = protect(t, ["n"])
    # 4 is hidden; 9 is the next-smallest, so 93 - 50 - 30 = 13 = 4 + 9 cannot be split.
    assert out["n"].tolist() == ["*", 50, "*", 30, 93]
    assert out.attrs["disclosure"]["secondary"] == 1
    assert "cannot be worked out from totals" in out.attrs["disclosure"]["note"]


def test_secondary_prefers_non_zero_then_zero_then_total():
    # only zeros left (no total row: the column total is published elsewhere): a zero is hidden
    out = protect(pd.DataFrame({"g": ["a", "b", "c"], "n": [3, 0, 0]}), ["n"])
    assert out["n"].tolist() == ["*", "*", 0]
    # a single component and a larger total (e.g. records with no ward): the total must go
    out = protect(pd.DataFrame({"g": ["a", "Total"], "n": [3, 10]}), ["n"])
    assert out["n"].tolist() == ["*", "*"]
    # a small total is hidden by the primary rule already
    out = protect(pd.DataFrame({"g": ["a", "b", "Total"], "n": [3, 0, 3]}), ["n"])
    assert out["n"].tolist() == ["*", 0, "*"]


def test_single_row_without_total_needs_no_secondary():
    out = protect(pd.DataFrame({"g": ["a"], "n": [3]}), ["n"])
    assert out["n"].tolist() == ["*"]
    assert out.attrs["disclosure"]["secondary"] == 0


def test_by_groups_protect_within_each_group():
    t = pd.DataFrame(
        {
            "ward": ["A", "A", "A", "B", "B", "B"],
            "sex": ["M", "F", "All persons", "M", "F", "All persons"],
            "n": [2, 40, 42, 30, 31, 61],
        }
    )
    out = protect(t, ["n"], by="ward")
    assert out["n"].tolist() == ["*", "*", 42, 30, 31, 61]
    # without `by` the whole column is one relation: one more cell goes elsewhere as well
    whole = protect(t, ["n"], total_rows=False)
    assert hidden_positions(whole, "n") == [0, 3]


def test_row_total_relations():
    t = pd.DataFrame({"area": ["x", "y"], "m": [3, 20], "f": [40, 22], "all": [43, 42]})
    out = protect(t, ["m", "f", "all"], row_total="all", total_rows=False)
    # m[x] = 3 is hidden; column m then hides m[y], row x hides f[x], row y hides f[y].
    assert out[["m", "f", "all"]].values.tolist() == [["*", "*", 43], ["*", "*", 42]]


def relations_for(t, counts, row_total=None, total_mask=None):
    n = len(t)
    total_mask = np.zeros(n, bool) if total_mask is None else total_mask
    rels = []
    for c in counts:
        rels.append([(i, c) for i in range(n)])
    if row_total:
        for i in range(n):
            rels.append([(i, c) for c in counts])
    return rels


@pytest.mark.parametrize("seed", range(40))
def test_no_relation_is_left_with_a_single_hidden_cell(seed):
    """Property: after protection, every row and column relation hides 0 or at least 2 cells."""
    rng = np.random.default_rng(seed)
    n_rows = int(rng.integers(2, 8))
    m = rng.choice([0, 1, 2, 3, 4, 5, 6, 8, 12, 25, 60], size=n_rows)
    f = rng.choice([0, 1, 2, 3, 4, 5, 6, 8, 12, 25, 60], size=n_rows)
    t = pd.DataFrame({"area": [f"a{i}" for i in range(n_rows)], "m": m, "f": f, "all": m + f})
    out = protect(t, ["m", "f", "all"], row_total="all", total_rows=False)
    hidden = {(i, c) for i in range(n_rows) for c in ("m", "f", "all") if out[c].iat[i] == "*"}
    for rel in relations_for(t, ["m", "f", "all"], row_total=True):
        assert sum(cell in hidden for cell in rel) != 1, (seed, out)
    # every small cell is hidden, every visible cell keeps its value
    for i, c in itertools.product(range(n_rows), ("m", "f", "all")):
        v = t[c].iat[i]
        if 1 <= v <= 5:
            assert (i, c) in hidden
        elif (i, c) not in hidden:
            assert out[c].iat[i] == v


def test_nhsd2018_rounding_and_percentages():
    t = pd.DataFrame(
        {
            "g": ["a", "b", "c", "d", "e"],
            "n": [0, 7, 8, 12, 13],
            "d": [10, 40, 52, 99, 100],
            "pct": 0.0,
        }
    )
    out = protect(t, ["n", "d"], rule="nhsd2018", percent={"pct": ("n", "d")})
    assert out["n"].tolist() == [0, "*", 10, 10, 15]
    assert out["d"].tolist() == [10, 40, 50, 100, 100]
    assert out["pct"].tolist() == [0.0, "*", 20.0, 10.0, 15.0]
    info = out.attrs["disclosure"]
    assert (info["primary"], info["secondary"], info["derived"]) == (1, 0, 1)
    assert "rounded to the nearest 5" in info["note"] and "1 to 7" in info["note"]


def test_dependent_columns_follow_their_counts():
    t = pd.DataFrame({"w": ["a", "b", "c"], "n": [2, 3, 50], "rate": [10.5, 12.0, 200.0]})
    out = protect(t, ["n"], dependent={"rate": "n"})
    assert out["rate"].tolist() == ["*", "*", 200.0]
    assert out.attrs["disclosure"]["derived"] == 2
    assert "percentages, rates" in out.attrs["disclosure"]["note"]


def test_missing_counts_stay_missing_and_input_is_untouched():
    t = pd.DataFrame({"w": ["a", "b", "c"], "n": [np.nan, 30.0, 40.0]})
    before = t.copy()
    out = protect(t, ["n"])
    assert out["n"].tolist() == [None, 30, 40]
    pd.testing.assert_frame_equal(t, before)
    assert out.attrs["disclosure"]["note"] == ""


def test_index_total_label_is_detected():
    t = pd.DataFrame({"n": [4, 20, 24]}, index=pd.Index(["a", "b", "Total"], name="ward"))
    assert protect(t, ["n"])["n"].tolist() == ["*", "*", 24]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"counts": ["n"], "rule": "hes2009"}, "rule:"),
        ({"counts": ["missing"]}, "counts: no column 'missing'"),
        ({"counts": ["n"], "by": "nope"}, "by: no column"),
        ({"counts": ["n"], "row_total": "w"}, "row_total"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, message):
    t = pd.DataFrame({"w": ["a"], "n": [1]})
    with pytest.raises(ValueError, match=message):
        protect(t, **kwargs)


@pytest.mark.parametrize("bad", [-1, 2.5, "three"])
def test_non_counts_are_refused(bad):
    t = pd.DataFrame({"w": ["a", "b"], "n": [bad, 10]})
    with pytest.raises(ValueError, match="counts"):
        protect(t, ["n"])


def test_already_protected_table_is_refused():
    out = protect(pd.DataFrame({"w": ["a", "b", "c"], "n": [1, 20, 30]}), ["n"])
    with pytest.raises(ValueError, match="already protected"):
        protect(out, ["n"])


def test_dsr_threshold():
    assert dsr_allowed(10) and not dsr_allowed(9) and not dsr_allowed(None)
    assert dsr_allowed(pd.Series([0, 9, 10, np.nan])).tolist() == [False, False, True, False]
    assert disclosure.DSR_MIN_EVENTS == 10


def test_count_text_and_rounding():
    assert [round_to_5(v) for v in (8, 10, 12, 13, 17, 18)] == [10, 10, 10, 15, 15, 20]
    assert count_text(5) == "fewer than 6" and count_text(6) == "6"
    assert count_text(8, rule="nhsd2018") == "about 10" and count_text(0, rule="nhsd2018") == "0"


def test_a_decision_taken_elsewhere_is_withheld_too():
    t = pd.DataFrame({"ward": ["a", "b", "c"], "n": [40, 12, 30], "rate": [4.0, 1.2, 3.0]})
    out = protect(t, ["n"], withhold={"n": [False, True, False]}, dependent={"rate": "n"},
                  total_rows=False)  # fmt: skip
    # b is withheld by the outside decision; the column's secondary suppression then hides c too
    assert out["n"].tolist() == [40, "*", "*"] and out["rate"].tolist() == [4.0, "*", "*"]
    assert out.attrs["disclosure"]["primary"] == 0 and out.attrs["disclosure"]["secondary"] == 2
    with pytest.raises(ValueError, match="withhold"):
        protect(t, ["n"], withhold={"rate": [True, False, False]})


def test_withheld_across_levels_leaves_no_relation_with_one_hidden_cell():
    from lsp_research.disclosure import withheld

    counts = {"w1": 2, "w2": 30, "w3": 25, "w4": 40, "w5": 41, "A": 57, "B": 81, "city": 138}
    rels = [(["w1", "w2", "w3"], ["A"]), (["w4", "w5"], ["B"]), (["A", "B"], ["city"]),
            (["w1", "w2", "w3", "w4", "w5"], ["city"])]  # fmt: skip
    hidden = withheld(counts, rels)
    assert "w1" in hidden
    for comps, totals in rels:
        assert sum(k in hidden for k in comps + totals) != 1


def _bounds_by_sweeps(values, hidden, rels):
    """The bounds by sweeping every line until a sweep narrows nothing (the reference for the work
    list of ``disclosure._bounds``)."""
    unknown = hidden | np.isnan(values)
    lo = np.where(unknown, 0.0, values)
    hi = np.where(unknown, np.inf, values)
    lines = [(np.array([i for (i,) in c]), [i for (i,) in t]) for c, t in rels if c]
    changed = True
    while changed:
        changed = False
        for comps, totals in lines:
            for t in totals:
                c_lo, c_hi = lo[comps], hi[comps]
                inf = np.isinf(c_hi)
                others_hi = np.where(
                    (inf.sum() - inf) > 0, np.inf, c_hi[~inf].sum() - np.where(inf, 0.0, c_hi)
                )
                new_hi = np.minimum(c_hi, hi[t] - (c_lo.sum() - c_lo))
                new_lo = np.maximum(c_lo, lo[t] - others_hi)
                t_lo, t_hi = max(lo[t], c_lo.sum()), min(hi[t], c_hi.sum())
                if (new_hi < c_hi).any() or (new_lo > c_lo).any():
                    hi[comps], lo[comps] = new_hi, np.maximum(new_lo, 0.0)
                    changed = True
                if t_lo > lo[t] or t_hi < hi[t]:
                    lo[t], hi[t] = t_lo, t_hi
                    changed = True
    return lo, hi


def _crossed_table(rng, rows, cols):
    """A rows x cols table of counts with its row, column and grand totals, as keys and lines."""
    cells = rng.integers(0, 30, (rows, cols)).astype(float)
    cell = lambda r, c: r * cols + c  # noqa: E731
    row_total = lambda r: rows * cols + r  # noqa: E731
    col_total = lambda c: rows * cols + rows + c  # noqa: E731
    grand = rows * cols + rows + cols
    values = np.concatenate([cells.ravel(), cells.sum(1), cells.sum(0), [cells.sum()]])
    rels = [([(cell(r, c),) for c in range(cols)], [(row_total(r),)]) for r in range(rows)]
    rels += [([(cell(r, c),) for r in range(rows)], [(col_total(c),)]) for c in range(cols)]
    rels += [([(row_total(r),) for r in range(rows)], [(grand,)])]
    rels += [([(col_total(c),) for c in range(cols)], [(grand,)])]
    return values, rels


def test_the_bounds_work_list_ends_where_sweeping_every_line_ends():
    rng = np.random.default_rng(2026)
    narrowed = 0
    for trial in range(60):
        values, rels = _crossed_table(rng, int(rng.integers(2, 7)), int(rng.integers(2, 7)))
        hidden = rng.random(len(values)) < (0.15 + 0.5 * (trial % 4) / 4)
        if trial % 5 == 0:
            values[rng.integers(0, len(values))] = np.nan  # a missing count is unknown too
        lo, hi = disclosure._bounds(values, hidden, rels)
        ref_lo, ref_hi = _bounds_by_sweeps(values, hidden, rels)
        assert lo.tolist() == ref_lo.tolist() and hi.tolist() == ref_hi.tolist(), trial
        known = ~np.isnan(values)
        assert (lo[known] <= values[known]).all() and (values[known] <= hi[known]).all()
        narrowed += int(((lo > 0) | np.isfinite(hi))[hidden].sum())
    assert narrowed > 50  # the tables were ones where differencing tells something


def test_a_line_is_looked_at_again_only_when_one_of_its_keys_narrowed(monkeypatch):
    rng = np.random.default_rng(7)
    values, rels = _crossed_table(rng, 6, 6)
    visits = []
    narrow = disclosure._narrow
    monkeypatch.setattr(disclosure, "_narrow", lambda *a: visits.append(a[2]) or narrow(*a))
    hidden = np.zeros(len(values), dtype=bool)
    hidden[[0, 7]] = True  # two cells in different rows and columns of a 6 x 6 table
    lo, hi = disclosure._bounds(values, hidden, rels)
    assert lo[[0, 7]].tolist() == hi[[0, 7]].tolist() == values[[0, 7]].tolist()  # each is pinned
    rows = [tuple(range(0, 6)), tuple(range(6, 12))]
    cols = [tuple(range(0, 36, 6)), tuple(range(1, 36, 6))]
    # the four lines through a withheld cell once each, then the two rows again because their cell
    # narrowed; the other ten lines hold visible counts only and are never looked at
    assert [tuple(v) for v in visits] == rows + cols + rows
