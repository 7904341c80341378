"""Words from a wellness result: the findings, the methods notes and the figures' captions."""

from __future__ import annotations

from ... import config
from ...disclosure import count_text
from ...errors import ParameterError
from ...formatting import number
from ...reporting.sanitise import md_escape
from .analysis import WellnessAnalysis

__all__ = ["caption", "findings", "methods_notes"]

#: What the findings say in place of figures withheld by disclosure control.
WITHHELD_WORDS = "withheld, as a quintile holds a small number (1-5)"


#: The coverage model's finding: adults within reach now, and with a seventh centre.
COVERAGE_WORDS = (
    "- {before}% of adults live within {km:g} km of a centre (straight line). A seventh centre in "
    "{ward} ward would raise this to {after}% (about {gain} more adults)."
)

#: Caption of :func:`decay_chart` (the points are pooled distance bands, not wards).
DECAY_CAPTION = (
    "Binomial GLM (logit link) of take-up on distance, fitted to every ward and centre pair; each point "
    "pools the pairs at similar distances (at least 20 referrals, and no count of 1-5 taken up or not "
    "taken up), so that no small cell is shown."
)


def _significantly(k: int, n: int) -> str:
    """``'none significantly lower'``, ``'2 significantly lower'``, ``'all significantly lower'``."""
    if k == 0:
        return "none significantly lower at 95%"
    if k == n:
        return "all significantly lower at 95%"
    return f"{k} significantly lower at 95%"


def _ratio_text(a: float, b: float) -> str:
    return f"ratio {number(a / b, 2)}; " if b > 0 else ""


def _quintile_lines(res: WellnessAnalysis, q, ref_ineq, comp_ineq) -> list[str]:
    """The deprivation sentences; a measure with a withheld quintile is not quoted (its quintiles,
    slope index and mean together would give the withheld value back).
    """
    lines = []
    if not res.withheld("by_quintile", "referral_rate").any():
        lines.append(
            f"- Referral rates run from {number(q.loc[5, 'referral_rate'], 1)} per 1,000 adults in the least deprived "
            f"fifth of wards to {number(q.loc[1, 'referral_rate'], 1)} in the most deprived "
            f"({_ratio_text(q.loc[1, 'referral_rate'], q.loc[5, 'referral_rate'])}slope index "
            f"{number(ref_ineq['sii'], 1, sign=True)} per 1,000, 95% CI {number(ref_ineq['sii_lowercl'], 1, sign=True)} to "
            f"{number(ref_ineq['sii_uppercl'], 1, sign=True)})."
        )
    else:
        lines.append(f"- Referral rates by deprivation quintile: {WITHHELD_WORDS}.")
    if not res.withheld("by_quintile", "completion_pct").any():
        lines.append(
            f"- 12-week completion is {number(q.loc[1, 'completion_pct'], 1)}% in the most deprived fifth against "
            f"{number(q.loc[5, 'completion_pct'], 1)}% in the least (slope index {number(comp_ineq['sii'], 1, sign=True)} percentage "
            f"points, 95% CI {number(comp_ineq['sii_lowercl'], 1, sign=True)} to {number(comp_ineq['sii_uppercl'], 1, sign=True)})."
        )
    else:
        lines.append(f"- 12-week completion by deprivation quintile: {WITHHELD_WORDS}.")
    return lines


def _city_line(res: WellnessAnalysis, where: str, city) -> str:
    """The headline: referrals, their rate, take-up and completion, each withheld when the run's
    city row withholds it (a small centre or group: :meth:`WellnessAnalysis.withheld`).
    """
    p = res.window
    hidden = {c: bool(res.withheld("city", c).iloc[0]) for c in ("referrals", "takeup_pct",
                                                                 "completion_pct")}  # fmt: skip
    if hidden["referrals"]:
        return (
            f"- In {p.window_label}, {where} received few referrals of {p.group_label}: the numbers "
            "are withheld (small numbers)."
        )
    head = (
        f"- In {p.window_label}, {where} received {count_text(int(city['referrals']))} referrals of "
        f"{p.group_label}: "
        f"{number(city['referral_rate'], 1)} per 1,000 adults (95% CI {number(city['referral_rate_lowercl'], 1)} to "
        f"{number(city['referral_rate_uppercl'], 1)})."
    )
    if hidden["takeup_pct"] or hidden["completion_pct"]:
        return head + " Take-up and completion are withheld (small numbers)."
    return (
        head + f" {number(city['takeup_pct'], 1)}% took up the offer and "
        f"{number(city['completion_pct'], 1)}% of referrals completed 12 weeks."
    )


def findings(res: WellnessAnalysis) -> str:
    """The headline findings of ``res`` in words (Markdown bullets), every number computed."""
    p = res.window
    city = res.city.iloc[0]
    q = res.by_quintile.set_index("imd_quintile")
    ineq = res.inequalities.set_index("measure")
    ref_ineq = ineq.loc["Referrals per 1,000 adults"]
    comp_ineq = ineq.loc["12-week completion (% of referrals)"]
    fit = res.decay
    where = "the centres" if p.centre_id is None else md_escape(p.centre_name)
    lines = [_city_line(res, where, city)]
    lines += _quintile_lines(res, q, ref_ineq, comp_ineq)
    if fit is not None:
        lines.append(
            f"- Take-up {fit.direction} with distance: each extra km to {fit.target} multiplies the odds "
            f"of taking up a referral by {number(fit.odds_ratio_per_km, 3)} (95% CI {number(fit.odds_ratio_lowercl, 3)} "
            f"to {number(fit.odds_ratio_uppercl, 3)}; p {'< 0.001' if fit.p_value < 0.001 else f'= {number(fit.p_value, 3)}'}); "
            f"the fitted take-up is {number(fit.curve['fitted_pct'].iloc[0], 1)}% at 0 km and "
            f"{number(fit.curve['fitted_pct'].iloc[-1], 1)}% at {number(fit.curve['distance_km'].iloc[-1], 1)} km."
        )
    else:
        lines.append("- Too few wards have referrals in this selection to fit a distance decay.")
    flagged = res.need[res.need["high_need_low_uptake"]]
    if len(flagged):
        lines.append(
            f"- {len(flagged)} high-need ward{'s' if len(flagged) != 1 else ''} "
            f"{'have' if len(flagged) != 1 else 'has'} uptake below the city rate: "
            + ", ".join(map(md_escape, flagged["ward_name"].astype(str)))
            + f" ({_significantly(int((flagged['uptake_vs_city'] == 'lower').sum()), len(flagged))})."
        )
    else:
        lines.append("- No high-need ward has uptake below the city rate.")
    hidden = int((res.need["high_need"] & res.need["uptake_withheld"]).sum())
    if hidden:
        lines[-1] = lines[-1][:-1] + (
            f"; {hidden} high-need ward{'s are' if hidden != 1 else ' is'} not compared, as "
            f"{'their' if hidden != 1 else 'its'} uptake is withheld (small numbers)."
        )
    if res.coverage is not None:
        lines.append(_coverage_line(res.coverage, res.ward_name(res.coverage.site_ward_code)))
    return "\n".join(lines)


def _coverage_line(c, site_ward: str) -> str:
    """The coverage model's sentence (:data:`COVERAGE_WORDS`) for a seventh centre in ``site_ward``."""
    return COVERAGE_WORDS.format(
        before=number(c.pct_before, 1), km=c.service_radius_m / 1000, ward=md_escape(site_ward),
        after=number(c.pct_after, 1), gain=number(c.gain, 0),
    )  # fmt: skip


def methods_notes(res: WellnessAnalysis) -> str:
    """Methods and assumptions of ``res`` in words (Markdown), with the values actually used."""
    p = res.window
    catchment_m = res.params.catchment_m
    c = res.coverage
    lines = [
        f"- **Window.** Referrals received in the four quarters {p.window_label}, by ward of residence. "
        f"Centre: {p.centre_name}. Group: {p.group_label}.",
        f"- **Denominators.** Adults aged 16+ from the {p.population_year} mid-year estimates; 16-19 year "
        "olds are taken as four fifths of the 15-19 band. Rates per 1,000 adults have exact Poisson "
        "(under 10 events) or Byar's 95% limits; percentages have Wilson score limits; mean BMI change "
        "(kg/m2, completers only) has Student's t limits.",
        "- **Stages.** Take-up is the share of referrals with a first attendance; uptake is the number "
        "taking up per 1,000 adults; 12-week completion is the share of referrals completing 12 weeks "
        "(as in the Northumberland benchmark), so it includes those who never started.",
        "- **Funnel plots.** 12-week completion against the pooled average with 95% and 99.8% limits "
        "(Public Health England's score-based limits for proportions); no overdispersion adjustment.",
        "- **Distance.** Straight-line (network-free) distance in British National Grid metres from each "
        "ward's population point to the nearest centre. With no population below ward level, people are "
        "assumed to be spread evenly over each ward, so the population-weighted point is the ward's "
        "area centroid.",
        f"- **Accessibility.** Two-step floating catchment area (2SFCA, PySAL `access`) with a "
        f"{catchment_m / 1000:g} km straight-line catchment; supply is one unit of capacity per centre "
        "(capacities assumed equal, as none are recorded); demand is the adult population. Values are "
        "centres per 100,000 adults within reach.",
        "- **Distance decay.** Binomial GLM with a logit link of take-up on the straight-line distance "
        "(km) from the ward's centroid to the centre each referral went to, one row per ward and centre "
        "(the same fit as a referral-level logistic regression); a second model adjusts for the ward's "
        "IMD 2007 score, sex and age band. The decay parameter is the change in log-odds per km (Wald "
        "95% CI); its exponential is the odds ratio per km.",
        "- **Inequality.** Slope index (SII): weighted least-squares slope of each quintile's value on the "
        "cumulative rank midpoint of its population, least deprived at 0 and most deprived at 1 (so a "
        "positive SII means higher in deprived areas); relative index (RII) = SII / weighted mean. 95% "
        "intervals in closed form from each quintile's own interval (the slope is linear in the quintile "
        "values).",
        "- **Need.** Need score = mean of the z-scores of the ward's IMD 2007 score and its all-cause "
        "standardised mortality ratio (indirect, by age and sex against the city, three years pooled). "
        "High need: top 40% of wards. Low uptake: uptake per 1,000 adults below the city rate "
        "(significance shown separately).",
    ]
    if c is not None:
        lines.append(
            f"- **Seventh centre.** Maximal covering location problem (PySAL `spopt` MCLP, CBC solver "
            f"bundled with `pulp`): the {len(res.centres)} centres are fixed and one more is chosen to bring "
            f"the most adults within {c.service_radius_m / 1000:g} km (straight line). Demand: "
            f"{len(c.demand)} points on a 500 m grid, each ward's adults shared evenly among its points. "
            f"Candidates: {len(c.candidates)} sites (ward centroids and a 1 km grid). No travel network, "
            "land availability, cost or capacity is considered: the result says where unserved people "
            "live, not where a centre can be built."
        )
    return "\n".join(lines)


#: The captions of the report's figures, by name (see :func:`caption`).
CAPTIONS = {
    "uptake_map": "Straight-line geography, British National Grid. Source: wellness referrals.",
    "referral_quintiles": (
        f"Quintiles of {config.LAD_NAME}'s wards by IMD 2007 score; bars show 95% intervals."
    ),
    "completion_quintiles": "Wilson 95% intervals.",
    "funnel": "Pooled average with 95% and 99.8% limits; no overdispersion adjustment.",
    "distance_map": "From each ward's centroid (population assumed even within wards).",
    "access_map": (
        "Two-step floating catchment, {catchment_km:g} km straight-line catchment, equal capacities."
    ),
    "decay": DECAY_CAPTION,
    "need_map": "Hatched outline: high-need wards with uptake below the city rate.",
    "coverage_map": (
        "Maximal covering model; straight-line distances; see the methods for assumptions."
    ),
}


def caption(res: WellnessAnalysis, name: str) -> str:
    """The caption of figure ``name`` (one of :data:`CAPTIONS`), with the values ``res`` used.

    Raises :class:`~lsp_research.errors.ParameterError` for an unknown name.
    """
    if name not in CAPTIONS:
        raise ParameterError(
            f"name: {name!r} is not a wellness figure; use one of: {', '.join(CAPTIONS)}"
        )
    return CAPTIONS[name].format(catchment_km=res.params.catchment_m / 1000)
