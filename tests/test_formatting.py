"""Property tests of the one number formatter (seeded random values over many magnitudes)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from lsp_research.formatting import (
    ROUNDING_NOTE,
    change,
    count,
    decimals_for,
    estimate,
    interval,
    number,
    table_formats,
)

RNG = np.random.default_rng(22)
#: values from 1e-4 to 1e7, both signs, plus the awkward ones
VALUES = np.concatenate(
    [
        RNG.choice([-1, 1], 3000) * 10 ** RNG.uniform(-4, 7, 3000),
        [0.0, -0.0, -0.04, -0.0049, 0.0049, -0.5, 0.5, 999.5, -999.5, 1e6, 252.94, 2682.7],
    ]
)
NUMBER = re.compile(r"^[+-]?\d{1,3}(,\d{3})*(\.\d+)?$")


def _decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def _parse(text: str) -> float:
    return float(text.replace(",", ""))


@pytest.mark.parametrize("decimals", [None, 0, 1, 2, 3])
def test_thousands_separators_and_the_value_read_back(decimals):
    for x in VALUES:
        text = number(x, decimals)
        assert NUMBER.match(text), (x, text)
        d = decimals_for(x) if decimals is None else decimals
        assert _decimals(text) == d
        assert _parse(text) == pytest.approx(round(float(x), d), abs=10 ** (-d) / 2 + 1e-9)


@pytest.mark.parametrize("decimals", [None, 0, 1, 2, 3])
def test_no_negative_zero(decimals):
    for x in VALUES:
        for text in (number(x, decimals), number(x, decimals, sign=True)):
            if text.startswith("-"):
                assert _parse(text) != 0, (x, text)
    assert number(-0.04, 1) == "0.0" and number(-0.0) == "0"


def test_point_and_interval_have_the_same_decimals():
    for x in VALUES[:1000]:
        width = abs(x) * RNG.uniform(0.001, 0.5)
        lo, hi = x - width, x + RNG.uniform(0.5, 2) * width
        text = estimate(x, lo, hi)
        m = re.match(r"^(\S+) \((\S+) to (\S+)\)$", text)
        assert m, text
        assert {_decimals(g) for g in m.groups()} == {decimals_for(x)}, text
        for d in (0, 1, 3):
            assert {_decimals(g) for g in re.findall(r"[-\d,.]+", estimate(x, lo, hi, d))} == {d}
    # the examples of issue 22
    assert estimate(0.581, 0.5504, 0.6141) == "0.581 (0.550 to 0.614)"
    assert interval(78.88, 102.04, 1) == "78.9 to 102.0"


def test_changes_come_from_unrounded_values():
    # 2.4 and 2.4 shown as whole numbers are "2" and "2"; 2.6 - 2.4 = 0.2 -> "0", not "3 - 2 = 1"
    assert change(2.6, 2.4, 0) == "0" and number(2.6, 0) == "3" and number(2.4, 0) == "2"
    for a, b in RNG.uniform(-1000, 1000, (500, 2)):
        assert _parse(change(a, b, 1)) == pytest.approx(round(a - b, 1), abs=0.051)
    assert "may not add up" in ROUNDING_NOTE


def test_counts_and_table_columns():
    assert count(226999) == "226,999"
    df = pd.DataFrame({"Adults": [226999, 5], "Ratio": [252.9, 90.0], "Change": [-0.04, 1.25]})
    f = table_formats(df, counts=["Adults"])
    assert "Adults" not in f  # counts are formatted by disclosure control
    assert [f["Ratio"](v) for v in df["Ratio"]] == ["252.9", "90.0"]
    assert [f["Change"](v) for v in df["Change"]] == ["-0.04", "1.25"]
    assert table_formats(df)["Adults"](226999) == "226,999"
