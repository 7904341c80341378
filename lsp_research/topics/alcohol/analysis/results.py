"""The whole analysis: :func:`analyse` and its result, :class:`AlcoholResults`."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from .... import config, periods
from ..inputs import GEOGRAPHY_LABELS, MEASURE_LABELS, STANDARD_LABELS, AlcoholParams, Inputs
from . import admissions, classification, incidents, joint, strata


@dataclass
class AlcoholResults:
    """Everything the notebook shows, computed once (see :func:`analyse`)."""

    params: AlcoholParams
    start: periods.Quarter
    end: periods.Quarter
    area: str
    areas: pd.DataFrame  # GeoDataFrame: area, area_name, geometry, ratios and incident results
    conditions: pd.DataFrame
    trend_year: pd.DataFrame
    trend_quarter: pd.DataFrame
    spc_quarter: object
    ni39: pd.DataFrame | None
    ratios: pd.DataFrame
    gradient: pd.DataFrame
    gradient_summary: dict
    incidents: pd.DataFrame
    grid: pd.DataFrame  # GeoDataFrame of cells with Gi*
    hot_spot_wards: pd.DataFrame
    profile: pd.DataFrame
    night: dict
    joint: pd.DataFrame
    correlation: dict
    wards: pd.DataFrame = None
    notes: list = None
    #: This report's own NI 39 recalculation from the admissions (broad, ESP 1976, by financial year),
    #: shown only in the reconciliation table when ``ni39`` is the PCT's return.
    ni39_recalculated: pd.DataFrame | None = None
    #: Where ``ni39`` comes from: ``"return"`` (the PCT's, as the performance report) or ``"recalculated"``.
    ni39_source: str = "recalculated"
    cell_size: float = 250.0
    permutations: int = 999
    #: Episodes and alcohol-related incidents by ward in the window: the counts the disclosure decision
    #: is taken on, whatever the geography, so that every page withholds the same cells.
    ward_episodes: pd.Series | None = None
    ward_incidents: pd.Series | None = None

    @property
    def window_label(self) -> str:
        """The pooled window in words, e.g. ``'2007-08 Q1 to 2009-10 Q4'``."""
        return f"{self.start.label} to {self.end.label}"

    @property
    def measure_label(self) -> str:
        """The measure in words, e.g. ``'alcohol-specific admissions'``."""
        return MEASURE_LABELS[self.params.measure]

    @property
    def standard_label(self) -> str:
        """The standard population in words."""
        return STANDARD_LABELS[self.params.standard_population]

    @property
    def area_label(self) -> str:
        """The geography in words (``ward`` or ``area committee``)."""
        return GEOGRAPHY_LABELS[self.params.geography]


def analyse(
    params: AlcoholParams,
    inputs: Inputs,
    *,
    permutations: int = 999,
    seed: int = config.DEFAULT_SEED,
    cell_size: float = 250.0,
) -> AlcoholResults:
    """Run the whole alcohol analysis for one set of parameters.

    Parameters
    ----------
    params : AlcoholParams
        The notebook's parameters, checked by :func:`~lsp_research.topics.alcohol.validate_params`.
    inputs : Inputs
        The tables (:func:`~lsp_research.topics.alcohol.load_inputs`, or built in memory); its
        ``fractions`` is the AAF table (default the packaged illustrative one).
    permutations, seed, cell_size
        Hot-spot settings (:func:`hot_spots`, :func:`incident_grid`).

    Returns
    -------
    AlcoholResults
    """
    p = params
    adm, wards = inputs.admissions, inputs.wards
    classified = classification.classify_episodes(adm, inputs.fractions)
    weights = classification.episode_weights(classified, p.measure)
    available = adm["period"].astype(str).unique()
    start, end = strata.analysis_window(p.period_end, p.years_pooled, available)
    first = min(periods.Quarter.parse(a) for a in available)
    area = "ward_code" if p.geography == "ward" else "area_committee"
    return AlcoholResults(
        params=p,
        start=start,
        end=end,
        area=area,
        conditions=admissions.condition_table(adm, classified, weights, start, end),
        **_city(p, inputs, classified, weights, first, end),
        **_by_area(p, inputs, weights, area, start, end),
        **_police(inputs, start, end, cell_size, permutations, seed),
        wards=wards,
        notes=_population_notes(inputs.population, first, end),
        cell_size=cell_size,
        permutations=permutations,
    )


def _city(p: AlcoholParams, inputs: Inputs, classified, weights, first, end) -> dict:
    """The city's trends (by financial year and quarter, with SPC) and NI 39."""
    adm, pop = inputs.admissions, inputs.population
    std = p.standard_population
    trend_quarter = admissions.city_trend(adm, weights, pop, first, end, std, "period")
    ni39, ni39_recalculated, ni39_source = _ni39(inputs, classified, first, end)
    return {
        "trend_year": admissions.city_trend(adm, weights, pop, first, end, std, "financial_year"),
        "trend_quarter": trend_quarter,
        "spc_quarter": admissions.trend_spc(trend_quarter),
        "ni39": ni39,
        "ni39_recalculated": ni39_recalculated,
        "ni39_source": ni39_source,
    }


def _by_area(p: AlcoholParams, inputs: Inputs, weights, area: str, start, end) -> dict:
    """Area ratios, the deprivation gradient, incident rates by area and the joint view."""
    adm, pop, wards = inputs.admissions, inputs.population, inputs.wards
    lookup = strata.area_lookup(wards)
    std = p.standard_population
    area_strata = strata.stratify(adm, weights, pop, start, end, [area], std, lookup)
    ratios = admissions.area_ratios(area_strata, area)
    grad_strata = strata.stratify(adm, weights, pop, start, end, ["imd_quintile"], std, lookup)
    gradient, gradient_summary = admissions.deprivation_gradient(grad_strata)
    inc_table = incidents.incident_rates(inputs.incidents, pop, start, end, area, lookup)
    in_window = adm["period"].astype(str).between(str(start), str(end)) & (weights > 0)
    ward_incidents = incidents.incident_rates(inputs.incidents, pop, start, end)
    joint_table = joint.joint_view(ratios, inc_table, area)
    corr = joint.correlation(joint_table["sar"], joint_table["incident_ratio"])
    areas, ratios, inc_table, joint_table = _named_areas(
        wards, area, ratios, inc_table, joint_table
    )
    return {
        "areas": areas,
        "ratios": ratios,
        "gradient": gradient,
        "gradient_summary": gradient_summary,
        "incidents": inc_table,
        "joint": joint_table,
        "correlation": corr,
        "ward_episodes": adm.loc[in_window, "ward_code"].astype(str).value_counts(),
        "ward_incidents": ward_incidents.set_index("ward_code")["incidents"],
    }


def _police(inputs: Inputs, start, end, cell_size: float, permutations: int, seed: int) -> dict:
    """Hot spots of alcohol-related incidents and their day-by-hour profile."""
    alc_inc = incidents.alcohol_incidents(inputs.incidents, start, end)
    grid = incidents.incident_grid(alc_inc, inputs.wards, cell_size)
    grid = incidents.hot_spots(grid, permutations, seed)
    profile = incidents.day_hour_profile(alc_inc)
    return {
        "grid": grid,
        "hot_spot_wards": incidents.hot_spot_wards(grid, inputs.wards),
        "profile": profile,
        "night": incidents.night_time_summary(profile),
    }


def _population_notes(pop: pd.DataFrame, first: periods.Quarter, end: periods.Quarter) -> list[str]:
    """A note when the analysis reaches years without a mid-year population estimate."""
    pop_years = sorted(int(y) for y in pop["year"].unique())
    if end.year > pop_years[-1] or first.year < pop_years[0]:
        return [
            f"Mid-year population estimates cover {pop_years[0]}-{pop_years[-1]}; years outside use "
            "the nearest estimate."
        ]
    return []


def _ni39(inputs: Inputs, classified: pd.DataFrame, first: periods.Quarter, end: periods.Quarter):
    """``(ni39, recalculated, source)``: NI 39 as the PCT returned it when it did, else recalculated."""
    if inputs.comparators is None or not len(inputs.comparators):
        return None, None, "recalculated"
    adm, pop = inputs.admissions, inputs.population
    broad = classification.episode_weights(classified, "broad")
    ni39_city = admissions.city_trend(adm, broad, pop, first, end, "esp1976", "financial_year")
    recalculated = admissions.comparator_table(ni39_city, inputs.comparators)
    returned = (
        admissions.ni39_as_returned(inputs.returns, inputs.comparators, end)
        if inputs.returns is not None and len(inputs.returns)
        else None
    )
    if returned is not None and len(returned):
        return returned, recalculated, "return"
    return recalculated, recalculated, "recalculated"


def _named_areas(wards, area: str, ratios, inc_table, joint):
    """The area shapes with their names and results (a GeoDataFrame), and the tables with names."""
    if area == "ward_code":
        shapes = wards[["ward_code", "ward_name", "geometry"]].rename(
            columns={"ward_name": "area_name"}
        )
    else:
        shapes = wards[["area_committee", "geometry"]].dissolve("area_committee").reset_index()
        shapes["area_name"] = shapes["area_committee"]
    names = shapes[[area, "area_name"]]
    ratios = names.merge(ratios, on=area, how="right")
    inc_table = names.merge(inc_table, on=area, how="right")
    joint = names.merge(joint, on=area, how="right")
    areas = gpd.GeoDataFrame(
        shapes.merge(ratios[[area, "value", "significance"]], on=area, how="left").merge(
            inc_table[[area, "rate", "ratio"]].rename(columns={"ratio": "incident_ratio"}),
            on=area, how="left",
        ).merge(joint[[area, "both_high"]], on=area, how="left"),
        geometry="geometry", crs=config.CRS_BNG,
    )  # fmt: skip
    return areas, ratios, inc_table, joint
