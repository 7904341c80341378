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
  more can be learnt, and any withheld count pinned to one value, or to 1-5, fails;
- **the wellness report**: every table of both tiers and every CSV beside them (city, centres, age
  bands, sexes, deprivation quintiles, wards, need), the findings and the alt text of every chart (and
  the text of any SVG) are read back. A count is shown everywhere or withheld everywhere; every
  published rate and its Poisson interval (with the adults shown beside it), every percentage and every
  figure in words is inverted to the counts it allows, and none allows a withheld count only one value
  or only 1-5; a funnel plots no withheld ward or centre; the need flags say nothing of a withheld
  uptake. Then the counts are differenced (wards within quintiles, quintiles, wards, centres, age bands
  and sexes to the city, each count bounded by the one before: completers with BMI <= completers <=
  those taking up <= referrals) and no withheld count may be pinned. (Differencing the per-centre and
  per-group runs, which the programme does not publish by default, is attacked in
  ``test_wellness_disclosure``.)
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
from lsp_research.reporting.audit import audit_path
from lsp_research.reporting.audit_rules import parse_html, table_grid
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
    return {"counts": counts, "withheld": withheld, "names": names, "wards": wards,
            "wellness": _wellness_truth()}  # fmt: skip


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
        for node in parse_html(html).iter():  # parsed as a browser would: escaped text is text
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
        root = parse_html(html)
        page_area = None
        for table in root.iter("table"):
            headers, body, caption = table_grid(table)
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


# --------------------------------------------------------------------------------------------------
# The wellness report: every table (HTML and CSV), the findings, the alt text of every chart.

#: Published count columns of the wellness tables -> the count; each is at most the one before
#: (completers with a BMI change completed, completers took up, those taking up were referred).
WELLNESS_COUNTS = {"Referrals": "referrals", "Took up": "took_up",
                   "Completed 12 weeks": "completed", "Completers with BMI": "bmi_change_n"}  # fmt: skip
CHAIN = ("referrals", "took_up", "completed", "bmi_change_n")
#: Caption words -> the dimension of the table's rows.
WELLNESS_DIMENSIONS = (
    ("city total", "city"), ("by age band", "age"), ("by sex", "sex"),
    ("by deprivation quintile", "quintile"), ("by centre", "centre"),
    ("by ward of residence", "ward"), ("Need against uptake by ward", "ward"),
)  # fmt: skip
#: Rate columns (per 1,000 adults, 2 decimals) -> (count, interval column).
WELLNESS_RATES = {"Referrals per 1,000 adults": ("referrals", "Referral rate 95% CI"),
                  "Uptake per 1,000 adults": ("took_up", "Uptake 95% CI")}  # fmt: skip
#: Percentage columns (1 decimal) -> (numerator, denominator).
WELLNESS_PERCENTAGES = {"Take-up (%)": ("took_up", "referrals"),
                        "Completion (% of referrals)": ("completed", "referrals")}  # fmt: skip


def _wellness_truth():
    """The counts behind every wellness figure: {(count, (dimension, value))}, and ward names."""
    from lsp_research.topics import wellness

    res = wellness.analyse(wellness.validate_params(PERIOD, coverage=False),
                           wellness.load_inputs(wellness.validate_params(PERIOD)))  # fmt: skip
    counts = {}
    frames = {
        "city": (res.city, None), "age": (res.by_age, "age_band"),
        "sex": (res.by_sex.assign(sex=res.by_sex["sex"].map({"M": "Men", "F": "Women"})), "sex"),
        "quintile": (res.by_quintile, "imd_quintile"), "centre": (res.by_centre, "centre_name"),
        "ward": (res.wards, "ward_code"),
    }  # fmt: skip
    for dim, (frame, col) in frames.items():
        for i in range(len(frame)):
            key = (dim,) if col is None else (dim, str(frame[col].iloc[i]))
            for c in CHAIN:
                counts[(c, key)] = int(frame[c].iloc[i])
    quintile_of = {str(c): str(q) for c, q in zip(res.wards["ward_code"], res.wards["imd_quintile"], strict=True)}  # fmt: skip
    return {
        "counts": counts,
        "quintile_of": quintile_of,
        "city_uptake": float(res.city["uptake_rate"].iloc[0]),
    }


def _wellness_tables(folder):
    """(file, caption, headers, rows of cell text) of every table of the wellness pages and CSVs."""
    import csv
    import html as _html
    import json

    for path, html in _pages(folder):
        for table in parse_html(html).iter("table"):
            headers, body, caption = table_grid(table)
            rows = [[c.text().strip() for c, _ in row] for row in body]
            yield path.name, caption, [h.text().strip() for h in headers], rows
    for path in sorted(folder.rglob("*.csv")):
        meta_path = path.with_name(path.name + "-metadata.json")
        if not meta_path.exists():  # a table with no count column (the inequality table)
            continue
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        with path.open(encoding="utf-8", newline="") as f:
            grid = [[_html.unescape(c) for c in row] for row in csv.reader(f)]
        yield path.name, meta["title"], grid[0], grid[1:]


def _row_key(dim, label, names):
    if dim == "city":
        return ("city",)
    if dim == "ward":
        return ("ward", names[label])
    return (dim, str(int(label)) if dim == "quintile" else label)


def _rate_counts(v, ci, pop, nd=2):
    """The counts a rate per 1,000 adults (printed to ``nd`` decimals, with its Poisson interval
    when given) allows, for ``pop`` adults."""
    tol = 0.5 * 10**-nd
    ks = set(
        range(max(0, math.ceil((v - tol) * pop / 1000)), math.floor((v + tol) * pop / 1000) + 1)
    )
    if ci and v > 0:
        lo, hi = (float(x) for x in ci.split(" to "))
        ks &= _allowed_counts(v, lo, hi, kmax=max(ks | {10}) + 10, tol=tol) | ({0} & ks)
    return ks


def _pct_counts(v, n, nd=1):
    tol = 0.5 * 10**-nd + 1e-9
    return {k for k in range(n + 1) if abs(100 * k / n - v) <= tol} if n else set()


def _narrow(bounds, relations, orders):
    """Differencing with inequalities: ``bounds`` {key: [lo, hi]} narrowed by the relations
    (components, total) and the orders (smaller, larger) until nothing more can be learnt."""
    changed = True
    while changed:
        changed = False

        def tighten(k, lo, hi):
            nonlocal changed
            b = bounds[k]
            if lo > b[0] + 1e-9 or hi < b[1] - 1e-9:
                b[0], b[1] = max(b[0], lo), min(b[1], hi)
                changed = True

        for comps, total in relations:
            for c in comps:
                others = [o for o in comps if o != c]
                tighten(c, bounds[total][0] - sum(bounds[o][1] for o in others),
                        bounds[total][1] - sum(bounds[o][0] for o in others))  # fmt: skip
            tighten(total, sum(bounds[o][0] for o in comps), sum(bounds[o][1] for o in comps))
        for small, large in orders:
            tighten(small, 0, bounds[large][1])
            tighten(large, bounds[small][0], math.inf)
    return bounds


def _wellness_observations(folder, truth, names):
    """Every published wellness count: {(count, key): [(value or None, file)]}, and what the
    published rates, percentages, words and alt text allow for each: {(count, key): set}."""
    obs, allowed, pops = defaultdict(list), defaultdict(list), {}
    tables = list(_wellness_tables(folder))
    for _, caption, headers, rows in tables:  # the adults behind each row, for the rates in words
        dim = next((d for words, d in WELLNESS_DIMENSIONS if words in caption), None)
        if dim and "Adults (16+)" in headers:
            for cells in rows:
                pops[_row_key(dim, cells[0], names)] = int(float(cells[headers.index("Adults (16+)")].replace(",", "")))  # fmt: skip
    for name, caption, headers, rows in tables:
        dim = next((d for words, d in WELLNESS_DIMENSIONS if words in caption), None)
        if dim is None:
            continue
        for cells in rows:
            key = _row_key(dim, cells[0], names)
            vals = dict(zip(headers, cells, strict=True))
            shown = {}
            for col, count in WELLNESS_COUNTS.items():
                if col in vals:
                    v = None if vals[col] == "*" else int(float(vals[col].replace(",", "")))
                    obs[(count, key)].append((v, name))
                    shown[count] = v
            for col, (count, ci_col) in WELLNESS_RATES.items():
                if vals.get(col, "*") not in ("*", "..", ""):
                    ks = _rate_counts(float(vals[col]), vals.get(ci_col), pops[key])
                    allowed[(count, key)].append((ks, f"{name}: {col}"))
            for col, (num, den) in WELLNESS_PERCENTAGES.items():
                if vals.get(col, "*") not in ("*", "..", ""):
                    # a percentage is shown only with both its counts
                    assert shown.get(num) is not None and shown.get(den) is not None, (
                        name,
                        key,
                        col,
                    )
            for col in ("Uptake against city", "High need, low uptake"):
                if col in vals and shown.get("took_up") is None:
                    assert vals[col] == "*", (name, key, col, vals[col])
    words = []
    for path, html in _pages(folder):
        root = parse_html(html)
        words += [(path.name, li.text()) for li in root.iter("li")]
        words += [(path.name, img.attrs.get("alt", "")) for img in root.iter("img")]
        words += [(path.name, t.text()) for t in root.iter("text")]  # inline SVG, if any
    for path in sorted(folder.rglob("*.svg")):
        words += [
            (path.name, t.text()) for t in parse_html(path.read_text(encoding="utf-8")).iter("text")
        ]
    return obs, allowed, pops, words


def _words_allow(words, names, pops, shown):
    """What the findings and the alt text allow: [(count, key), allowed counts, where]."""
    out = []
    q = {"least": ("quintile", "5"), "most": ("quintile", "1")}
    for where, text in words:
        m = re.search(r"run from ([\d.]+) per 1,000 adults in the least deprived fifth of wards to "
                      r"([\d.]+) in the most deprived", text)  # fmt: skip
        if m:
            for v, k in zip(m.groups(), (q["least"], q["most"]), strict=True):
                out.append((("referrals", k), _rate_counts(float(v), None, pops[k], 1), where))
        m = re.search(
            r"completion is ([\d.]+)% in the most deprived fifth against ([\d.]+)% in the least",
            text,
        )
        if m:
            for v, k in zip(m.groups(), (q["most"], q["least"]), strict=True):
                n = shown.get(("referrals", k))
                out.append((("completed", k), _pct_counts(float(v), n) if n else set(), where))
        if text.startswith("Bar chart of") and "by deprivation quintile" in text:
            count = "referrals" if text.startswith("Bar chart of referrals") else "completed"
            for qn, v in re.findall(r"quintile (\d) (-?\d+(?:\.\d+)?)", text):
                k = ("quintile", qn)
                n = shown.get(("referrals", k))
                ks = (_rate_counts(float(v), None, pops[k], 1) if count == "referrals"
                      else _pct_counts(float(v), n) if n else set())  # fmt: skip
                out.append(((count, k), ks, where))
        if text.startswith("Map of") and "shaded by Uptake per 1,000 adults" in text:
            for label, v in re.findall(r"(?:Highest|lowest): (.+?) \(([\d.]+)\)", text):
                k = ("ward", names[label])
                out.append((("took_up", k), _rate_counts(float(v), None, pops[k], 1), where))
        m = re.match(r"Funnel plot of 12-week completion by (ward|centre), .* for (\d+) areas, .*"
                     r"\(([\d,.]+) to ([\d,.]+)\)", text)  # fmt: skip
        if m:
            dim, n, lo, hi = m.group(1), int(m.group(2)), float(m.group(3).replace(",", "")), float(m.group(4).replace(",", ""))  # fmt: skip
            plotted = [k for (c, k), v in shown.items() if c == "completed" and k[0] == dim
                       and v is not None and shown.get(("referrals", k))]  # fmt: skip
            assert n == len(plotted), (
                where,
                text[:80],
                len(plotted),
            )  # no marker for a withheld unit
            refs = [shown[("referrals", k)] for k in plotted]
            assert (lo, hi) == (min(refs), max(refs)), (where, lo, hi)
        m = re.search(r"Outlined and hatched: (.+)\.$", text)
        if m:
            for label in m.group(1).split(", "):
                assert shown.get(("took_up", ("ward", names[label]))) is not None, (where, label)
    return out


@pytest.mark.slow
@pytest.mark.xdist_group("small_area")
def test_an_attacker_pins_no_withheld_wellness_count(published):
    summary, period_dir, truth = published
    assert summary.exit_code == 0, summary.table()
    folder = period_dir / "wellness_uptake"
    w = truth["wellness"]
    names = {n: c for n, c in truth["names"].items()}
    obs, allowed, pops, words = _wellness_observations(folder, w, names)
    assert {p.name for p, _ in _pages(folder)} >= {"wellness_uptake-executive.html",
                                                   "wellness_uptake-operational.html"}  # fmt: skip

    # one verdict: a count is shown everywhere or withheld everywhere, and shown truly
    shown = {}
    for key, seen in obs.items():
        values = {v for v, _ in seen}
        assert len(values) == 1, (key, seen)
        shown[key] = values.pop()
        if shown[key] is not None:
            assert shown[key] == w["counts"][key], (key, shown[key])
    withheld_keys = [k for k, v in shown.items() if v is None]
    assert len(withheld_keys) >= 60, len(withheld_keys)  # suppression happened, on many cells
    assert {k[1][0] for k in withheld_keys} >= {"ward", "centre", "age"}

    # every published rate, interval, percentage and figure in words, inverted to the counts it allows
    found = [(k, ks, where) for k, lst in allowed.items() for ks, where in lst]
    found += _words_allow(words, names, pops, shown)
    assert len(found) >= 100, len(found)
    bounds = {k: [0.0, math.inf] for k in w["counts"]}
    for k, v in shown.items():
        if v is not None:
            bounds[k] = [float(v), float(v)]
    for key, ks, where in found:
        assert w["counts"][key] in ks, (key, where, sorted(ks)[:10])  # the attack reads them right
        if shown.get(key) is None:
            assert not (len(ks) == 1 or ks <= set(range(1, 6))), (key, where, sorted(ks)[:10])
        bounds[key] = [max(bounds[key][0], min(ks)), min(bounds[key][1], max(ks))]

    # differencing rows, columns and tables: wards within quintiles, quintiles, wards, centres, age
    # bands and sexes to the city, and each count bounded by the one before it
    keys = {k for _, k in w["counts"]}
    relations = []
    for count in CHAIN:
        for dim in ("ward", "quintile", "centre", "age", "sex"):
            comps = [(count, k) for k in keys if k[0] == dim]
            relations.append((comps, (count, ("city",))))
        for qn in {w["quintile_of"][k[1]] for k in keys if k[0] == "ward"}:
            comps = [(count, k) for k in keys if k[0] == "ward" and w["quintile_of"][k[1]] == qn]
            relations.append((comps, (count, ("quintile", qn))))
    orders = [
        ((small, k), (large, k))
        for k in keys
        for large, small in zip(CHAIN, CHAIN[1:], strict=False)
    ]
    _narrow(bounds, relations, orders)
    for key in withheld_keys:
        lo, hi = bounds[key]
        assert lo <= w["counts"][key] <= hi, (key, lo, hi)
        assert not _pinned((lo, hi)), (key, "pinned to", (lo, hi))
