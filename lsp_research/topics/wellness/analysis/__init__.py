"""The wellness analysis: :func:`analyse` turns checked parameters and inputs into one result.

The analysis covers the four financial-year quarters to a chosen quarter (a rolling year), one centre or
all six, and one population group. Everything a notebook shows comes from :func:`analyse`, which returns
a :class:`WellnessAnalysis` of tidy tables; ``wellness.tables``, ``wellness.charts`` and
``wellness.text`` turn it into tables, figures and words. The computations live in the modules below and
each works on its own with small DataFrames:

- :mod:`.rates`: records, adult denominators, rates, stages, funnels, need;
- :mod:`.inequality`: the slope and relative index of inequality;
- :mod:`.access`: the two-step floating catchment and the distance decay;
- :mod:`.coverage`: where a seventh centre would reach most people;
- :mod:`.small_counts`: which ward and quintile counts every table, map and chart withholds.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd

from .... import geo
from ..inputs import REFERRAL_AGE_BANDS, Inputs, Params, Window, open_centres, resolve_window
from .access import DecayFit, decay_table, fit_decay, two_step_fca
from .coverage import CoverageResult, seventh_centre
from .inequality import inequality_table
from .rates import (
    adult_population,
    city_rates,
    completion_funnel,
    mortality_ratio,
    need_and_uptake,
    quintile_table,
    rates_by,
    select_referrals,
    stage_table,
    ward_rates,
)
from .small_counts import CITY, derived_withheld, report_withheld, run_key, table_withheld

__all__ = ["WellnessAnalysis", "analyse"]


@dataclass
class WellnessAnalysis:
    """Every table of one wellness analysis (see :func:`analyse`)."""

    params: Params
    window: Window
    referrals: pd.DataFrame
    adults: pd.DataFrame
    city: pd.DataFrame
    city_stages: pd.DataFrame
    wards: pd.DataFrame
    by_age: pd.DataFrame
    by_sex: pd.DataFrame
    by_quintile: pd.DataFrame
    by_centre: pd.DataFrame
    inequalities: pd.DataFrame
    funnel_wards: pd.DataFrame
    funnel_centres: pd.DataFrame
    decay: DecayFit | None
    decay_adjusted: DecayFit | None
    decay_points: pd.DataFrame
    need: pd.DataFrame
    coverage: CoverageResult | None
    ward_withheld: pd.DataFrame
    quintile_withheld: pd.DataFrame
    ward_shapes: object = field(repr=False)
    centres: object = field(repr=False)
    #: Withheld flags of the rows of ``city``, ``by_centre``, ``by_age`` and ``by_sex`` (one decision
    #: for every run: :func:`.small_counts.report_withheld`), by table name.
    strata: dict = field(default_factory=dict, repr=False)

    def withheld(self, table: str, column: str) -> pd.Series:
        """True for each row of ``self.<table>`` (``wards``, ``need``, ``by_quintile``, ``city``,
        ``by_centre``, ``by_age`` or ``by_sex``) whose ``column`` (a count, or a rate or percentage
        calculated from counts) is withheld.
        """
        frame = getattr(self, table)
        if table in self.strata:
            flags = self.strata[table].set_index(frame.index)
        elif table == "by_quintile":
            flags = frame[["imd_quintile"]].merge(
                self.quintile_withheld, on="imd_quintile", how="left"
            )
        else:
            keys = frame[["ward_code"]].astype(str)
            flags = keys.merge(self.ward_withheld, on="ward_code", how="left")
        flags = flags.fillna(False).set_index(frame.index)
        if column in flags.columns:
            return flags[column].astype(bool)
        return derived_withheld(flags, column)

    def ward_name(self, code: str) -> str:
        """The name of ward ``code`` (the code itself when the ward is not in the result)."""
        w = self.wards.set_index("ward_code")
        return str(w.loc[code, "ward_name"]) if code in w.index else code


def _try_decay(
    table: pd.DataFrame, covariates: tuple[str, ...], outcome: str, target: str
) -> DecayFit | None:
    """The take-up distance decay, or None when too few groups have referrals to fit it."""
    rows = int(((table["referrals"] > 0) & table["distance_km"].notna()).sum())
    if rows < len(covariates) + 3 or table.loc[table["referrals"] > 0, "distance_km"].nunique() < 2:
        return None
    return fit_decay(
        table, "took_up", "referrals", "distance_km", covariates=covariates, outcome=outcome,
        target=target,
    )  # fmt: skip


def _decay(refs: pd.DataFrame, points, centres, wards_plain: pd.DataFrame):
    """The crude and adjusted take-up decays, and the ward-by-centre cells they are fitted to."""
    pairs = decay_table(refs, points, centres, wards_plain)
    by_pair = pairs.groupby(["ward_code", "centre_id"], as_index=False).agg(
        referrals=("referrals", "sum"),
        took_up=("took_up", "sum"),
        distance_km=("distance_km", "first"),
    )
    target = "the centre referred to"
    decay = _try_decay(by_pair, (), "Take-up (% of referrals) on distance", target)
    # age bands against the youngest band present (so that a group such as 65+ is not collinear)
    bands = [b for b in REFERRAL_AGE_BANDS if b in set(pairs["age_band"])]
    aged = ["aged_" + b.replace("-", "_").replace("+", "plus") for b in bands[1:]]
    adjust = tuple(c for c in ("imd2007_score", "female", *aged) if pairs[c].nunique() > 1)
    decay_adj = _try_decay(
        pairs, adjust, "Take-up on distance, adjusted for IMD 2007 score, sex and age band", target
    )
    return decay, decay_adj, by_pair


def _withheld_flags(refs_all, window, wards_plain, tables: dict) -> dict[str, pd.DataFrame]:
    """Withheld flags of the run's tables (``tables``: ``wards``, ``by_quintile``, ``by_centre``,
    ``by_age``, ``by_sex``) and its ``city`` row: the run's slices of the cube of every area, centre
    and population group in the window (:func:`.small_counts.report_withheld`).
    """
    every = select_referrals(refs_all, replace(window, centre_id=None, population_group="all"))
    keys = ["ward_code", "centre_id", "age_band", "sex"]
    cells = stage_table(every.assign(**{k: every[k].astype(str) for k in keys}), keys)
    hidden = report_withheld(cells, wards_plain)
    c, a, s = run_key(window)
    wards = tables["wards"]["ward_code"].astype(str).tolist()
    quintiles = [int(q) for q in tables["by_quintile"]["imd_quintile"]]
    return {
        "city": table_withheld(hidden, [(CITY, c, a, s)]),
        "by_centre": table_withheld(
            hidden, [(CITY, str(k), a, s) for k in tables["by_centre"]["centre_id"]]
        ),
        "by_age": table_withheld(
            hidden, [(CITY, c, str(b), s) for b in tables["by_age"]["age_band"]]
        ),
        "by_sex": table_withheld(hidden, [(CITY, c, a, str(x)) for x in tables["by_sex"]["sex"]]),
        "wards": table_withheld(hidden, [(("w", w), c, a, s) for w in wards]).assign(
            ward_code=wards
        ),
        "by_quintile": table_withheld(hidden, [(("q", q), c, a, s) for q in quintiles]).assign(
            imd_quintile=quintiles
        ),
    }


def analyse(params: Params, inputs: Inputs) -> WellnessAnalysis:
    """Run the wellness analysis for one window, centre and population group.

    Parameters
    ----------
    params : Params
        From :func:`~lsp_research.topics.wellness.inputs.validate_params`.
    inputs : Inputs
        From :func:`~lsp_research.topics.wellness.inputs.load_inputs` (or built in memory).

    Raises
    ------
    ParameterError, PeriodError
        The centre or window does not fit the data (see :func:`resolve_window`).
    DataValidationError
        An input table lacks a column the analysis reads.
    """
    t = inputs.check()
    refs_all, wards, centres = t.referrals, t.wards, t.centres
    window = resolve_window(
        params.period, params.centre, params.population_group, centres=centres,
        available_periods=refs_all["period"].astype(str).unique(),
    )  # fmt: skip
    refs = select_referrals(refs_all, window)
    centres = open_centres(centres, window)
    year = window.population_year
    group = window.population_group
    adults = adult_population(t.population, year, group)
    adults_age = adult_population(t.population, year, group, by=["age_band"])
    adults_sex = adult_population(t.population, year, group, by=["sex"])

    wards_plain = pd.DataFrame(wards.drop(columns="geometry"))
    ward_table = ward_rates(refs, adults, wards_plain)
    points = geo.ward_centroids(wards, keep=["ward_code"])
    points["ward_code"] = points["ward_code"].astype(str)
    near = geo.nearest(points, centres, id_col="centre_id", what=("ward points", "centres"))
    near = pd.DataFrame(
        {
            "ward_code": points["ward_code"].to_numpy(),
            "nearest_centre_id": near["centre_id"].astype(str).to_numpy(),
            "distance_m": near["distance_m"].to_numpy().round(1),
        }
    )
    near["distance_km"] = near["distance_m"] / 1000
    ward_table = ward_table.merge(near, on="ward_code", how="left")
    capacity = None if params.capacity is None else list(params.capacity)
    ward_table = ward_table.merge(
        two_step_fca(points, adults, centres, capacity, params.catchment_m),
        on="ward_code", how="left",
    )  # fmt: skip
    names = pd.Series(
        wards_plain["ward_name"].to_numpy(), index=wards_plain["ward_code"].astype(str)
    )
    centre_names = pd.Series(
        centres["centre_name"].to_numpy(), index=centres["centre_id"].astype(str)
    )
    by_centre = stage_table(refs.assign(centre_id=refs["centre_id"].astype(str)), "centre_id")
    by_centre.insert(1, "centre_name", by_centre["centre_id"].map(centre_names))

    smr_years = [y for y in range(year - 2, year + 1) if y in set(t.deaths["year"])]
    smr = mortality_ratio(t.deaths, smr_years or sorted(set(t.deaths["year"]))[-3:])
    city = city_rates(refs, adults)
    quintiles = quintile_table(refs, adults, wards_plain)
    decay, decay_adj, by_pair = _decay(refs, points, centres, wards_plain)
    by_age = rates_by(refs.assign(age_band=refs["age_band"].astype(str)), adults_age, "age_band")
    by_sex = rates_by(refs.assign(sex=refs["sex"].astype(str)), adults_sex, "sex")
    strata = _withheld_flags(
        refs_all, window, wards_plain,
        {"wards": ward_table, "by_quintile": quintiles, "by_centre": by_centre, "by_age": by_age,
         "by_sex": by_sex},
    )  # fmt: skip
    ward_withheld, quintile_withheld = strata.pop("wards"), strata.pop("by_quintile")
    cov = (
        seventh_centre(wards, centres, adults, service_radius_m=params.service_radius_m)
        if params.coverage
        else None
    )
    return WellnessAnalysis(
        params=params,
        window=window,
        referrals=refs,
        adults=adults,
        city=city,
        city_stages=stage_table(refs),
        wards=ward_table,
        by_age=by_age,
        by_sex=by_sex,
        by_quintile=quintiles,
        by_centre=by_centre,
        inequalities=inequality_table(quintiles),
        funnel_wards=completion_funnel(
            refs.assign(ward_code=refs["ward_code"].astype(str)), "ward_code", names
        ),
        funnel_centres=completion_funnel(
            refs.assign(centre_id=refs["centre_id"].astype(str)), "centre_id", centre_names
        ),
        decay=decay,
        decay_adjusted=decay_adj,
        decay_points=by_pair,
        need=need_and_uptake(ward_table, city, smr, withheld=ward_withheld["took_up"]),
        coverage=cov,
        ward_withheld=ward_withheld,
        quintile_withheld=quintile_withheld,
        ward_shapes=wards,
        centres=centres,
        strata=strata,
    )
