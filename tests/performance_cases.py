"""Check planted cases (the generator's answer file, or a hand-made one) against the escalation log.

A case is ``{"indicator_code", "area_code", "kind", "periods", "expected_layer"}`` (docs/data_contract.md).
Each is checked at the meetings that could see it: those of its periods, and the next quarter's (a spike is
only known to revert, and a definition change to persist, one quarter later).

- ``owner`` cases (data anomalies): some exception about one of the case's quarters was routed back to
  the owner by a rule that fits the kind; and no exception on that series reached the Board at those
  meetings unless a planted board case on the same series covers them.
- ``board`` cases: the series reached the Board as a red flag at one of the case's meetings.
- ``executive`` cases: the series was handled at executive level at one of the case's meetings, as a
  performance exception, and never reached the Board there.
"""

from __future__ import annotations

from lsp_research.performance import meeting
from lsp_research.periods import Quarter, quarter_range

#: Rules that may route each kind of planted anomaly back to its owner.
RULES_FOR_KIND = {
    "missing_return": {"missing_return"},
    "late_return": {"late_return"},
    "denominator_definition_change": {"denominator_jump", "definition_change"},
    "keying_error": {
        "one_quarter_spike",
        "unconfirmed_jump",
        "value_mismatch",
        "implausible_value",
    },
    "implausible_value": {
        "implausible_value",
        "value_mismatch",
        "unconfirmed_jump",
        "one_quarter_spike",
    },
}


class Meetings:
    """Meetings held on demand and cached (each one sees only the data known at its quarter)."""

    def __init__(self, returns, registry, targets=None, comparators=None, last=None):
        self.args = (returns, registry)
        self.kw = {"targets": targets, "comparators": comparators}
        self.last = (
            Quarter.parse(last) if last else max(Quarter.parse(p) for p in returns["period"])
        )
        self.cache = {}

    def __call__(self, period):
        q = Quarter.parse(period)
        if q not in self.cache:
            self.cache[q] = meeting(*self.args, q, **self.kw)
        return self.cache[q]


def _rules(signal: str) -> set[str]:
    return {s.strip() for s in str(signal).split(",")}


def check_cases(meetings: Meetings, cases: list[dict]) -> list[str]:
    """Every case that did not stop where expected, in words (empty when all did)."""
    problems = []
    board_cover = {}
    for c in cases:
        if c["expected_layer"] == "board":
            key = (c["indicator_code"], c["area_code"])
            board_cover.setdefault(key, set()).update(c["periods"])
    for c in cases:
        key = (c["indicator_code"], c["area_code"])
        periods = sorted({str(Quarter.parse(p)) for p in c["periods"]}, key=Quarter.parse)
        first, last = Quarter.parse(periods[0]), Quarter.parse(periods[-1])
        window = [q for q in quarter_range(first, last + 1) if q <= meetings.last]
        name = f"{c['kind']} {c['indicator_code']} {c['area_code']} {periods[0]}..{periods[-1]}"
        rows = []
        for q in window:
            log = meetings(q).log
            sel = log[(log["indicator_code"] == key[0]) & (log["area_code"] == key[1])]
            rows += sel.to_dict("records")
        in_periods = [r for r in rows if r["raised_in"] in periods]
        board_rows = [
            r
            for r in in_periods
            if r["layer"] == "board" and r["raised_in"] not in board_cover.get(key, set())
        ]
        layer = c["expected_layer"]
        if layer == "owner":
            ok = [
                r
                for r in rows
                if r["layer"] == "owner"
                and r["period"] in periods
                and _rules(r["signal"]) & RULES_FOR_KIND[c["kind"]]
            ]
            if not ok:
                seen = [(r["raised_in"], r["period"], r["signal"], r["layer"]) for r in rows]
                problems.append(
                    f"{name}: not routed back to the owner by a fitting rule; log: {seen}"
                )
            if board_rows:
                problems.append(
                    f"{name}: reached the Board at {[r['raised_in'] for r in board_rows]}"
                )
        elif layer == "board":
            if not any(r["layer"] == "board" for r in in_periods):
                seen = [(r["raised_in"], r["signal"], r["layer"]) for r in in_periods]
                problems.append(f"{name}: never reached the Board; log: {seen}")
        elif layer == "executive":
            if not any(
                r["layer"] == "executive" and r["source"] == "performance" for r in in_periods
            ):
                seen = [(r["raised_in"], r["signal"], r["layer"]) for r in in_periods]
                problems.append(f"{name}: never handled at executive level; log: {seen}")
            if board_rows:
                problems.append(
                    f"{name}: reached the Board at {[r['raised_in'] for r in board_rows]}"
                )
        else:
            problems.append(f"{name}: unknown expected_layer {layer!r}")
    return problems


def unexpected_red_flags(meetings: Meetings, cases: list[dict], period) -> list[str]:
    """Red flags at ``period``'s meeting on a series with no planted board case."""
    board = {(c["indicator_code"], c["area_code"]) for c in cases if c["expected_layer"] == "board"}
    red = meetings(period).red_flags
    return [
        f"{r.label} {r.area_code}: {r.reason}"
        for r in red.itertuples(index=False)
        if (r.indicator_code, r.area_code) not in board
    ]
