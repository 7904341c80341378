"""A profile's words: the title, the summary, the changes and topics in sentences, the methods.

Each function takes the :class:`~.analysis.Profile` (``res``) and returns Markdown.
"""

from __future__ import annotations

import pandas as pd

from ... import config
from ...disclosure import SUPPRESSED, count_text
from ...formatting import interval, number
from ...reporting.programme import set_id
from ...reporting.sanitise import md_escape
from .analysis import Profile

_CITY = config.LAD_NAME
#: The anchor of the key indicators table (:func:`.tables.spine_table`), which the text refers to.
KEY_INDICATORS_ID = "key-indicators"


def spine_caption(res: Profile) -> str:
    """Under the key indicators chart: what a row shows, with the number of wards in the data (the
    wards whose range the chart draws).

    >>> from types import SimpleNamespace
    >>> "'s 400 wards (light bar" in spine_caption(SimpleNamespace(wards=range(400)))
    True
    """
    return (
        f"Each row: the range across {_CITY}'s {len(res.wards)} wards (light bar; darker: middle "
        f"half), {_CITY}'s value at the centre line, and this area's value coloured by comparison "
        f"with {_CITY} (95% interval)."
    )


#: The caption of the population pyramid.
PYRAMID_CAPTION = f"Mid-year population estimate; bars: this area, dashed line: {_CITY}."

#: Under each compare-areas chart.
COMPARE_CAPTION = (
    "Each dot: one area's value with its 95% interval, coloured and shaped by comparison with the "
    "city (the dashed line); this area is in bold on a shaded row. A withheld area is named and not drawn."
)

#: Under the trend chart.
TREND_CAPTION = (
    "Each year: the 12 months to the same quarter; dots: this area with its 95% interval; dashed "
    "line: the city. A withheld year is not drawn."
)


def benchmark_gaps(res: Profile) -> dict[str, str]:
    """Why each of the profile's key indicators has no regional or national figure beside it, in
    words, by indicator key (the data's comparators, England and the region, cover the partnership's
    performance indicators, and none of those is one of these measures as defined here).
    """
    return {key: _benchmark_gap(key) for key in res.spine["key"]}


def _benchmark_gap(key: str) -> str:
    """The reason for one indicator (:func:`benchmark_gaps`).

    >>> _benchmark_gap("alcohol_sar").startswith("none exists: a ratio to ")
    True
    """
    city = config.place().name
    local = {
        "alcohol_sar": f"none exists: a ratio to {city} ({city} = 100)",
        "alcohol_specific_sar": f"none exists: a ratio to {city} ({city} = 100)",
        "incident_rate": f"not in the data: the police incidents cover {city} only",
        "referral_rate": f"none exists: {city}'s own wellness service",
        "completion_pct": f"none exists: {city}'s own wellness service",
        "pct_65plus": f"not in the data: the population estimates cover {city}'s wards only",
    }
    return local.get(key, "not in the data: its comparators hold no life expectancy")


def compare_text(res: Profile) -> str:
    """What the compare-areas charts show, and which benchmarks the data have (Markdown)."""
    place = config.place()
    level = "area committee" if res.area.kind == "area_committee" else "ward"
    who = (f"Every {level} of {md_escape(place.name)}" if res.area.kind == "city"
           else f"{md_escape(res.area.name)} against every other {level} of {md_escape(place.name)}")  # fmt: skip
    return (
        f"{who}, over {window_label(res)}, with {md_escape(place.name)}'s own value as a dashed line. "
        f"No {md_escape(place.region_name)} or England figure is shown: the data hold none for these "
        "measures, and the last column of the key indicators table "
        f'([the table above](#{KEY_INDICATORS_ID} "cross-reference")) says why for each.'
    )


#: The footnote of a table or text in which a figure is withheld because of the count behind it.
WITHHELD_NOTE = (
    f"{SUPPRESSED} Withheld to protect confidentiality: the count behind the figure is from 1 to 5, or "
    f"would let one be worked out from the figures for other wards, the area committee or {_CITY} "
    "(2008 hospital statistics rule). Its rate, ratio, percentage and interval are withheld with it."
)


#: Why the population table shows small numbers.
POPULATION_NOTE = (
    "Residents are mid-year population estimates, not counts of records about people: they are shown "
    "in full, as the Office for National Statistics publishes them for wards."
)


#: The change test in words, printed under the table.
CHANGE_METHOD = (
    "A change is called significant when a test of the difference itself gives a two-sided p-value "
    "below 0.05: ratios to the city and rates by a z test of the log rate ratio (variance 1/O1 + 1/O2 "
    "from the two Poisson counts; for a ratio, the observed admissions over the expected); percentages "
    "by a two-proportion z test. Whether the two 95% intervals overlap is not used: they can overlap "
    "when the difference is significant."
)


def window_label(res: Profile) -> str:
    """The profile's window in words (first to last quarter)."""
    return f"{res.start.label} to {res.quarter.label}"


def heading(res: Profile) -> str:
    """The report's title block."""
    kind = {
        "ward": "Ward profile",
        "area_committee": "Area profile",
        "city": "City profile",
    }
    return (
        f"# {kind[res.area.kind]}: {md_escape(res.area.name)}\n\n"
        f"**{window_label(res)}** ({res.years} financial year{'s' if res.years > 1 else ''} "
        f"pooled) | area code {res.area.code}"
    )


#: Where the programme publishes a ward's and an area committee's profile, relative to another profile's
#: page: ``programme.yml`` runs them as ``ward_profile`` (over wards) and ``area_profile`` (over areas).
WARD_PAGE = "../../ward_profile/{id}/ward_profile-{id}-executive.html"
AREA_PAGE = "../../area_profile/{id}/area_profile-{id}-executive.html"


def places(res: Profile) -> str:
    """Links between the places: an area committee's profile lists and links its wards, a ward's
    profile links to its area committee's (Markdown; empty for the city).
    """
    wards = pd.DataFrame(res.wards.drop(columns="geometry", errors="ignore")).set_index("ward_code")
    if res.area.kind == "area_committee":
        members = wards.loc[list(res.area.ward_codes), "ward_name"].sort_values()
        items = [
            f"- [{md_escape(name)}]({WARD_PAGE.format(id=set_id(code))})"
            for code, name in members.items()
        ]
        return (
            f"**The {len(items)} wards of {md_escape(res.area.name)}** (each links to its profile):"
            "\n\n" + "\n".join(items)
        )
    if res.area.kind == "ward":
        committee = str(wards.loc[res.area.code, "area_committee"])
        return (
            f"{md_escape(res.area.name)} is one of the wards of the "
            f"[{md_escape(committee)} area committee]({AREA_PAGE.format(id=set_id(committee))})."
        )
    return ""


def summary_text(res: Profile) -> str:
    """Who lives here and how deprived the area is, in words."""
    d = res.deprivation
    lines = [f"- **Residents:** {res.population:,} (mid-year estimate)."]
    if res.area.kind == "ward":
        lines.append(
            f"- **Deprivation:** IMD 2007 score {number(d['imd2007_score'], 1)}, ranked {d['rank_most_deprived']} of "
            f"{d['n_wards']} wards (1 = most deprived); deprivation quintile {d['imd_quintile']} "
            "(1 = most deprived fifth of wards)."
        )
    else:
        lines.append(
            f"- **Deprivation:** population-weighted IMD 2007 score {number(d['imd2007_score'], 1)} across "
            f"{len(res.area.ward_codes)} wards."
        )
    le = res.spine.set_index("key") if len(res.spine) else None
    if le is not None and "le_male" in le.index:
        for key, who in (("le_male", "men"), ("le_female", "women")):
            r = le.loc[key]
            if bool(r.get("withheld", False)):
                lines.append(f"- **Life expectancy at birth, {who}:** withheld (too few deaths).")
                continue
            lines.append(
                f"- **Life expectancy at birth, {who}:** {number(r['value'], 1)} years "
                f"(95% CI {interval(r['lowercl'], r['uppercl'], 1)}); "
                f"{_CITY} {number(r['comparator'], 1)}."
            )
    return "\n".join(lines)


def changes_text(res: Profile) -> str:
    """A sentence per significant change since last year."""
    c = res.changes
    if c.empty:
        return "The data do not reach back far enough to compare with the year before."
    sig = c[~c["assessment"].isin(["no significant change", "withheld"])]
    head = (
        f"The 12 months to {res.quarter.label} against the 12 months before. A change is called "
        "significant when it is unlikely to be chance alone (a test of the difference, p below 0.05; "
        "the method is under the table)."
    )
    if sig.empty:
        return head + "\n\nNo indicator changed significantly."
    lines = [
        f"- **{r.indicator}** {r.assessment}: {number(r.before, 1)} to {number(r.now, 1)} ({r.unit})."
        for r in sig.itertuples()
    ]
    return head + "\n\n" + "\n".join(lines)


def topic_text(res: Profile) -> str:
    """Alcohol and wellness in words, with the counts behind them (small counts withheld)."""
    s = res.spine.set_index("key")

    def count(key):
        n = s.loc[key, "count"] if key in s.index else None
        if n is None or pd.isna(n):
            return "n/a"
        if bool(s.loc[key].get("withheld", False)):
            return "count withheld"
        return count_text(int(round(n)))

    def line(key, words):
        if key not in s.index:
            return None
        r = s.loc[key]
        if bool(r.get("withheld", False)):
            return f"- **{words}:** withheld to protect confidentiality (a small count)."
        return (f"- **{words}:** {number(r['value'], 1)} {r['unit']} (95% CI "
                f"{interval(r['lowercl'], r['uppercl'], 1)}), {r['comparison']} compared with "
                f"{_CITY}'s {number(r['comparator'], 1)}.")  # fmt: skip

    lines = [
        line("alcohol_sar", f"Alcohol-related admissions ({count('alcohol_sar')} episodes)"),
        line(
            "alcohol_specific_sar",
            f"Alcohol-specific admissions ({count('alcohol_specific_sar')} episodes)",
        ),
        line("incident_rate", f"Alcohol-related police incidents ({count('incident_rate')})"),
        line("referral_rate", f"Wellness referrals ({count('referral_rate')})"),
        line(
            "completion_pct", f"Wellness 12-week completion ({count('completion_pct')} completed)"
        ),
    ]
    return f"Over {window_label(res)}:\n\n" + "\n".join(x for x in lines if x)


def methods_notes(res: Profile) -> str:
    """The methods and notes section (Markdown)."""
    return (
        "## Methods and notes\n\n"
        f"- **Window:** {window_label(res)}; life expectancy pools deaths and populations over "
        f"{', '.join(str(y) for y in res.le_years)} (financial years starting in these years).\n"
        "- **Life expectancy:** abridged life table (Chiang II) with Silcocks' variance for the last "
        "interval, 20 age bands to 90+, as PHEindicatormethods.\n"
        "- **Alcohol admissions:** episodes classified from all diagnosis positions (broad measure, "
        "weighted by the highest alcohol-attributable fraction; the partial fractions are simplified and "
        "labelled so in `lsp_research/resources/alcohol_fractions.csv`); indirectly standardised by age "
        f"and sex against {_CITY}'s own rates (city = 100), Byar's or exact Poisson limits.\n"
        "- **Rates:** incidents per 1,000 residents a year, referrals per 1,000 adults (16+) a year, with "
        "Byar's or exact Poisson 95% limits; completion and the 65+ share with Wilson limits.\n"
        f"- **Comparison with {_CITY}:** better / similar / worse when the 95% interval excludes the "
        "city value, using each indicator's polarity; higher / similar / lower where there is none.\n"
        "- **Area committees and the city** are computed from the sums of their wards' counts, never by "
        "averaging ward rates.\n"
        "- **Disclosure control:** counts of 1-5 are withheld, and so is every rate, ratio, percentage "
        "and interval calculated from them; further counts are withheld so that none can be worked out "
        f"by differencing wards, area committees and {_CITY}. The decision is taken once for every "
        "area, so each profile and the index withhold the same figures. Population estimates are shown "
        "in full."
    )
