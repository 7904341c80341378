"""The whole programme on a small-area Sunderland, then attacked as an outside reviewer would attack it.

One run (slow): ``data synth --scale 0.03`` with HTML and script planted in every free-text field of the
raw data (:mod:`small_area`), ``data build``, ``run`` for 2009Q4. Then:

- **active content**: no page of the shareable folder holds a script, an event handler, a
  ``javascript:`` URL, a form or a frame, whatever the partners' files said; the whole folder passes the
  audit; every page carries the Content-Security-Policy;
- **suppression happened**: many cells are withheld;
- **the attack**: every figure of the ward and area profiles and the index (key-indicator tables, the
  spine charts' alt text, the wards tables, what-changed tables, the topic text, the league tables) is
  read back per area, indicator and time window. The attacker is granted every count behind a visible
  figure exactly (a published interval pins its count: every published Poisson interval is inverted to
  the counts it allows, and none allows only counts of 1-5). A count withheld on one page and shown on
  another fails; then totals are differenced across wards, area committees and the city until nothing
  more can be learnt, and any withheld count pinned to one value, or to 1-5, fails.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict

import numpy as np
import pandas as pd
import pytest
from small_area import PAYLOADS, make_small_area

from lsp_research import config
from lsp_research.reporting.audit import _parse, _table_grid, audit_path
from lsp_research.reporting.sanitise import CSP

PERIOD = "2009Q4"
#: Columns of the wards and league tables -> indicator.
COLUMN_INDICATOR = {
    "Alcohol admissions (episodes)": "alcohol_sar",
    "Alcohol admissions ratio (city = 100)": "alcohol_sar",
    "Alcohol incidents": "incident_rate",
    "Incidents per 1,000 a year": "incident_rate",
    "Alcohol incidents per 1,000 a year": "incident_rate",
    "Wellness referrals": "referral_rate",
    "Referrals per 1,000 adults a year": "referral_rate",
    "Wellness referrals per 1,000 adults a year": "referral_rate",
    "Wellness 12-week completion (%)": "completion_pct",
    "Life expectancy, males (years)": "le_male",
    "Life expectancy, females (years)": "le_female",
}
#: Topic text and summary lines -> indicator.
TEXT_INDICATOR = [
    ("Alcohol-related admissions", "alcohol_sar"),
    ("Alcohol-specific admissions", "alcohol_specific_sar"),
    ("Alcohol-related police incidents", "incident_rate"),
    ("Wellness referrals", "referral_rate"),
    ("Wellness 12-week completion", "completion_pct"),
    ("Life expectancy at birth, men", "le_male"),
    ("Life expectancy at birth, women", "le_female"),
]
ALCOHOL_WARD_TABLES = ("Alcohol-related police incidents", "Alcohol-related admissions")
POISSON = ("incident_rate", "referral_rate", "alcohol_specific_sar")


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """Run the programme once on the small-area data with planted payloads."""
    root = tmp_path_factory.mktemp("small_area")
    mp = pytest.MonkeyPatch()
    try:
        env = make_small_area(root)
        for k, v in env.items():
            mp.setenv(k, v)
        from lsp_research.cli import main
        from lsp_research.reporting.runner import run_programme

        assert main(["data", "build"]) == 0
        summary = run_programme(PERIOD, out=root / "reports", jobs=2, quiet=True)
        truth = _truth()
        yield summary, root / "reports" / PERIOD, truth
    finally:
        mp.undo()


def _truth():
    """The counts behind every figure, per (window, indicator, area code), and the ward names."""
    from lsp_research import periods
    from lsp_research.topics import profiles

    inputs = profiles.load_inputs(profiles.validate_params("E05001158", PERIOD))
    q = periods.Quarter.parse(PERIOD)
    deaths_years = sorted(int(y) for y in inputs["deaths"]["year"].unique())
    start = q - 11
    le_years = [y for y in deaths_years if start.year <= y <= q.year]
    counts, withheld = {}, {}
    for window, (a, b) in {
        "pooled": (start, q),
        "now": (q - 3, q),
        "before": (q - 7, q - 4),
    }.items():
        t = profiles.analysis.area_indicators(inputs, a, b, le_years).table
        for r in t.itertuples():
            counts[(window, r.indicator, r.area_code)] = r.numerator
            withheld[(window, r.indicator, r.area_code)] = bool(r.withheld)
    wards = pd.DataFrame(inputs["wards"].drop(columns="geometry"))
    names = {n: c for c, n in zip(wards["ward_code"], wards["ward_name"], strict=True)}
    for ac in wards["area_committee"].unique():
        names[f"{ac} area committee"] = ac
    names["Sunderland"] = config.LAD_CODE
    return {"counts": counts, "withheld": withheld, "names": names, "wards": wards}


def _pages(period_dir):
    for path in sorted(period_dir.rglob("*.html")):
        yield path, path.read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.xdist_group("small_area")
def test_planted_markup_is_inert_and_the_folder_passes_the_audit(published):
    summary, period_dir, truth = published
    assert summary.exit_code == 0, summary.table()
    assert audit_path(period_dir) == []
    pages = list(_pages(period_dir))
    assert len(pages) >= 60
    for path, html in pages:
        assert f'content="{CSP}"' in html, path
        for node in _parse(html).iter():  # parsed as a browser would: escaped text is text
            assert node.tag not in ("script", "iframe", "form", "object", "embed", "button"), (
                path,
                node.tag,
            )
            for attr, value in node.attrs.items():
                assert not attr.startswith("on"), (path, node.tag, attr)
                if attr in ("href", "src", "action", "xlink:href", "srcdoc"):
                    assert not re.match(r"\s*(javascript|data:text)", value or "", re.I), (
                        path,
                        value,
                    )
    text = "\n".join(html for _, html in pages)
    # the payloads reached the pages, as text
    planted_ward = truth["wards"]["ward_name"].iloc[0]
    assert PAYLOADS["ward"] in planted_ward
    assert planted_ward.split(" <")[0] in text
    assert "&lt;script&gt;alert(4)&lt;/script&gt;" in text  # an indicator title, escaped in a table


def _number(text):
    t = text.strip().replace(",", "")
    try:
        return float(t)
    except ValueError:
        return None


def _observations(period_dir, truth):
    """Every published figure: (window, indicator, area code) -> list of (visible?, page, what)."""
    from lsp_research.topics import profiles

    names = truth["names"]
    spine = {v[0]: k for k, v in profiles.analysis.SPINE_INDICATORS.items()}
    obs = defaultdict(list)
    intervals = []

    def area_of(caption_name):
        return names.get(caption_name.strip())

    for path, html in _pages(period_dir):
        rel = path.relative_to(period_dir).as_posix()
        if not (
            rel.startswith(("ward_profile/", "area_profile/", "alcohol_misuse/"))
            or rel == "index.html"
        ):
            continue
        root = _parse(html)
        page_area = None
        for table in root.iter("table"):
            headers, body, caption = _table_grid(table)
            caption = re.sub(r"^Table \d+: ", "", caption)  # the page's number for the table
            cols = [h.text().strip() for h in headers]
            if ": key indicators," in caption:
                area = page_area = area_of(caption.split(": key indicators,")[0])
                for row in body:
                    cells = [c.text().strip() for c, _ in row]
                    key = spine.get(cells[0])
                    if key is None or area is None:
                        continue
                    vals = dict(zip(cols, cells, strict=False))
                    seen = vals["Value"] != "*"
                    obs[("pooled", key, area)].append((seen, rel, "key indicators"))
                    if seen and key in POISSON:
                        v, lo, hi = (
                            _number(vals[c]) for c in ("Value", "Lower 95% CI", "Upper 95% CI")
                        )
                        intervals.append((("pooled", key, area), v, lo, hi, rel))
            elif (
                ": its wards," in caption
                or ": every ward," in caption
                or caption.startswith("League table of")
            ):
                for row in body:
                    cells = [c.text().strip() for c, _ in row]
                    area = area_of(cells[0])
                    if area is None:
                        continue
                    for col, cell in zip(cols, cells, strict=False):
                        key = COLUMN_INDICATOR.get(col)
                        if key and cell not in ("..", ""):
                            obs[("pooled", key, area)].append((cell != "*", rel, col))
            elif caption.startswith(ALCOHOL_WARD_TABLES) and " by ward, " in caption:
                # the alcohol report's ward tables: the same counts over the same three years
                key = "incident_rate" if "police incidents" in caption else "alcohol_sar"
                for row in body:
                    cells = [c.text().strip() for c, _ in row]
                    area = area_of(cells[0])
                    for col, cell in zip(cols, cells, strict=False):
                        if area and col in ("Episodes", "Incidents", "Ratio (city = 100)"):
                            obs[("pooled", key, area)].append((cell != "*", rel, col))
            elif caption.startswith("Admissions and police incidents by ward"):
                for row in body:
                    cells = [c.text().strip() for c, _ in row]
                    area = area_of(cells[0])
                    for col, cell in zip(cols, cells, strict=False):
                        key = {
                            "Admission ratio": "alcohol_sar",
                            "Incident ratio": "incident_rate",
                        }.get(col)
                        if area and key:
                            obs[("pooled", key, area)].append((cell != "*", rel, col))
            elif "the latest 12 months against the 12 months before" in caption:
                area = area_of(caption.split(": the latest 12 months")[0])
                for row in body:
                    cells = [c.text().strip() for c, _ in row]
                    key = spine.get(cells[0])
                    vals = dict(zip(cols, cells, strict=False))
                    if key is None or area is None:
                        continue
                    for window, cs in (("before", ("Events, year before", "Year before")),
                                       ("now", ("Events, latest year", "Latest year"))):  # fmt: skip
                        for c in cs:
                            obs[(window, key, area)].append((vals[c] != "*", rel, c))
        if page_area is None:
            continue
        # the spine chart's alt text and the words of the page
        for img in root.iter("img"):
            alt = img.attrs.get("alt", "")
            if alt.startswith("Spine chart"):
                for part in alt.split(". ", 1)[-1].split("; "):
                    name, _, rest = part.partition(": ")
                    key = spine.get(name.strip())
                    if key:
                        seen = bool(re.match(r"\s*-?\d", rest))
                        obs[("pooled", key, page_area)].append((seen, rel, "spine chart alt text"))
        for li in root.iter("li"):
            text = li.text()
            for words, key in TEXT_INDICATOR:
                if text.startswith(words):
                    seen = "withheld" not in text and bool(re.search(r":\s*\d", text))
                    obs[("pooled", key, page_area)].append((seen, rel, "text"))
    return obs, intervals


def _allowed_counts(v, lo, hi, kmax=3000, tol=0.05):
    """Every count k whose exact/Byar Poisson interval, scaled to the published value, prints as
    (v, lo, hi) to one decimal place."""
    from lsp_research.stats.intervals import poisson_ci

    k = np.arange(1, kmax + 1)
    lk, hk, _ = poisson_ci(k)
    s_lo = np.maximum.reduce(
        [(v - tol) / k, (lo - tol) / np.where(lk > 0, lk, np.nan), (hi - tol) / hk]
    )
    s_hi = np.minimum.reduce(
        [(v + tol) / k, (lo + tol) / np.where(lk > 0, lk, np.inf), (hi + tol) / hk]
    )
    if lo <= tol:  # a lower limit printed as 0.0 allows any small lower limit
        s_lo = np.maximum((v - tol) / k, (hi - tol) / hk)
        s_hi = np.minimum.reduce(
            [(v + tol) / k, (hi + tol) / hk, (lo + tol) / np.maximum(lk, 1e-12)]
        )
    return set(k[s_lo <= s_hi].tolist())


def _difference(known: dict, relations, keys) -> dict:
    """What differencing tells about each key: ``{key: (lowest, highest)}`` from the exactly known
    counts and the relations ``(components, total)`` (the components add up to the total)."""
    lo = defaultdict(float)
    hi = defaultdict(lambda: math.inf)
    for a, n in known.items():
        if n is not None and not pd.isna(n):
            lo[a] = hi[a] = float(n)
    changed = True
    while changed:
        changed = False
        for comps, total in relations:
            for c in comps:
                others = [o for o in comps if o != c]
                new_hi = hi[total] - sum(lo[o] for o in others)
                new_lo = max(0.0, lo[total] - sum(hi[o] for o in others))
                if new_hi < hi[c] - 1e-9 or new_lo > lo[c] + 1e-9:
                    hi[c], lo[c] = min(hi[c], new_hi), max(lo[c], new_lo)
                    changed = True
            s_lo, s_hi = sum(lo[o] for o in comps), sum(hi[o] for o in comps)
            if s_lo > lo[total] + 1e-9 or s_hi < hi[total] - 1e-9:
                lo[total], hi[total] = max(lo[total], s_lo), min(hi[total], s_hi)
                changed = True
    return {k: (lo[k], hi[k]) for k in keys}


def _pinned(bounds) -> bool:
    lo, hi = bounds
    return lo == hi or (lo >= 1 and hi <= 5)


def test_the_attacker_pins_what_single_suppression_leaves_open():
    # one withheld ward in a committee whose total is shown: pinned by difference
    rels = [(["w1", "w2", "w3"], "ac"), (["ac", "ac2"], "city")]
    assert _difference({"w2": 40, "w3": 12, "ac": 55}, rels, ["w1"]) == {"w1": (3.0, 3.0)}
    # two withheld: the pair's sum is known, neither count is
    assert not _pinned(_difference({"w2": 40, "ac": 55}, rels, ["w1"])["w1"])
    # the committee withheld but the city and the other committee shown: pinned through the city
    b = _difference({"w2": 40, "w3": 12, "ac2": 60, "city": 115}, rels, ["ac", "w1"])
    assert b == {"ac": (55.0, 55.0), "w1": (3.0, 3.0)}


def test_an_exact_poisson_interval_on_a_small_area_pins_its_count():
    from lsp_research.stats.intervals import poisson_ci

    # 3 incidents over 1,000 person-years: 3.0 per 1,000 (0.6 to 8.8), as the old profiles printed it
    lo, hi, _ = poisson_ci(3)
    allowed = _allowed_counts(3.0, round(lo, 1), round(hi, 1))
    assert 3 in allowed and allowed <= set(range(1, 6))
    lo, hi, _ = poisson_ci(40)
    assert 40 in _allowed_counts(round(40 / 7.3, 1), round(lo / 7.3, 1), round(hi / 7.3, 1))


@pytest.mark.slow
@pytest.mark.xdist_group("small_area")
def test_an_attacker_pins_no_withheld_count(published):
    summary, period_dir, truth = published
    assert summary.exit_code == 0, summary.table()
    obs, intervals = _observations(period_dir, truth)
    counts = truth["counts"]

    # suppression happened, on many cells
    withheld_keys = {k for k, seen in obs.items() if not all(s for s, *_ in seen)}
    assert len(withheld_keys) >= 40, len(withheld_keys)
    hidden_cells = sum(
        html.count('title="suppressed to protect confidentiality"')
        for _, html in _pages(period_dir)
    )
    assert hidden_cells >= 300, hidden_cells

    # one verdict: a count withheld on one page is withheld on every page
    for key, seen in obs.items():
        shown = [(p, w) for s, p, w in seen if s]
        hidden = [(p, w) for s, p, w in seen if not s]
        assert not (shown and hidden), (key, "shown in", shown[:3], "withheld in", hidden[:3])
        assert not hidden or truth["withheld"][key], (
            key
        )  # withheld exactly when the decision says so

    # every published interval, inverted: it allows the true count and never only counts of 1-5
    pinned_exactly = 0
    for key, v, lo, hi, rel in intervals:
        if v is None or v <= 0 or any(x is None for x in (lo, hi)):
            continue
        allowed = _allowed_counts(v, lo, hi)
        assert not allowed or not allowed <= set(range(1, 6)), (key, rel, sorted(allowed)[:10])
        true = counts[key]
        if float(true).is_integer() and key[1] != "alcohol_specific_sar":
            assert int(true) in allowed, (key, v, lo, hi, true)
        pinned_exactly += len(allowed) <= 3
    assert pinned_exactly >= 20  # the attack is real: intervals do pin counts

    # differencing across wards, area committees and the city, per indicator and window
    wards = truth["wards"]
    relations = [(list(g["ward_code"]), ac) for ac, g in wards.groupby("area_committee")] + [
        (sorted(wards["area_committee"].unique()), config.LAD_CODE),
        (list(wards["ward_code"]), config.LAD_CODE),
    ]
    series = {(w, i) for w, i, _ in counts}
    checked = 0
    for window, ind in sorted(series):
        known = {}
        for (w, i, a), seen in obs.items():
            if (w, i) == (window, ind) and all(s for s, *_ in seen):
                known[a] = counts[(w, i, a)]
        # the city's figure is on every profile (the comparator): the attacker knows its count
        known.setdefault(config.LAD_CODE, counts.get((window, ind, config.LAD_CODE)))
        hidden = [a for (w, i, a), seen in obs.items()
                  if (w, i) == (window, ind) and not all(s for s, *_ in seen)]  # fmt: skip
        bounds = _difference(known, relations, hidden)
        for (w, i, a), seen in obs.items():
            if (w, i) != (window, ind) or all(s for s, *_ in seen):
                continue
            checked += 1
            assert not _pinned(bounds[a]), (w, i, a, "pinned to", bounds[a])
    assert checked >= 40
