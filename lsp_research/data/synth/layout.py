"""A synthetic geography of any size: ``N`` wards in ``K`` districts, for scale tests and second places.

Each district is a rectangle in British National Grid tiled by its wards: rows of schematic
rectangular wards of about 5.5 km2 (Sunderland's mean), row heights and cell widths jittered from the
seed; the districts sit side by side. Wards are grouped into area committees of about five neighbouring
wards within their district. Populations (about 11,200 a ward), age shares and deprivation scores are
drawn from the seed; about one ward in four has a wellness centre. Every name and code is synthetic and
clearly not real: wards ``E0599xxxxx``-style codes (``E059`` then five digits), districts
``E089999nn`` and, for more than one district, the place ``E47999901`` (no real code uses ``9999``).

The record generators (population, deaths, admissions, incidents, referrals, returns) read the layout
in use through :func:`lsp_research.data.synth._common.using`, so they scale with it.

>>> lay = build(12, districts=2, seed=7)
>>> len(lay.wards), sorted(lay.wards.lad_code.unique()), lay.place_code
(12, ['E08999901', 'E08999902'], 'E47999901')
>>> bool(lay.polygons.geometry.is_valid.all()), lay.polygons.crs.to_epsg()
(True, 27700)
>>> lay.wards.groupby("lad_code").area_committee.nunique().tolist()
[1, 1]
>>> build(12, districts=2, seed=7).wards.equals(lay.wards)
True
>>> build(3, districts=4)
Traceback (most recent call last):
...
lsp_research.errors.LspError: --wards 3 is fewer than --districts 4: every district needs a ward
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import box

from ... import config
from ...errors import LspError
from ._common import stream

#: Mean ward area (m2) and population, as in the default data (138 km2 and 279,980 over 25 wards).
WARD_AREA_M2 = 5.5e6
WARD_POP = 11_200
#: Sunderland's 2008 population in the domain file: the default data's total.
DEFAULT_POP = 279_980
#: Lower-left corner of the first district (BNG metres, inland County Durham: a valid BNG position).
ORIGIN = (410_000.0, 530_000.0)
#: Wards per area committee (about).
COMMITTEE_SIZE = 5
#: Wards per wellness centre (about).
WARDS_PER_CENTRE = 4
#: The place code of a multi-district geography (combined-authority style, not a real code).
REGION_CODE = "E47999901"
_CODE = re.compile(r"^E0[6-9]\d{6}$")


@dataclass(frozen=True)
class Layout:
    """A synthetic geography: ``wards`` (the columns of ``resources/domain/wards.csv`` the generator
    reads), ``polygons`` (ONS 2009 column names, EPSG:27700), ``centres`` (the centre file's columns),
    the place's code and name, and its population over the default data's.
    """

    wards: pd.DataFrame
    polygons: gpd.GeoDataFrame
    centres: pd.DataFrame
    place_code: str
    place_name: str
    pop_factor: float


def _splits(rng: np.random.Generator, k: int) -> np.ndarray:
    """``k + 1`` cut points from 0 to 1 with parts of jittered size (0.7 to 1.3 of the mean)."""
    w = rng.uniform(0.7, 1.3, k)
    return np.concatenate([[0.0], np.cumsum(w) / w.sum()])


def _district_cells(rng, n: int, x0: float, y0: float) -> tuple[list, float]:
    """``n`` rectangles tiling a district's rectangle (rows of cells, the last row possibly shorter);
    returns them in row order and the district's width.
    """
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    side = math.sqrt(WARD_AREA_M2)
    width, height = cols * side, rows * side
    ys = y0 + height * _splits(rng, rows)
    cells = []
    for r in range(rows):
        k = cols if r < rows - 1 else n - cols * (rows - 1)
        xs = x0 + width * _splits(rng, k)
        for c in range(k):
            cells.append(box(round(xs[c]), round(ys[r]), round(xs[c + 1]), round(ys[r + 1])))
    return cells, width


def _codes(n: int, districts: int, district_code: str | None) -> list[str]:
    if district_code is not None:
        if districts != 1:
            raise LspError("--district-code names one district; use it with --districts 1")
        if not _CODE.match(district_code):
            raise LspError(
                f"--district-code {district_code!r} is not a district code: E06, E07, E08 or E09 "
                "then six digits (use a clearly fake one, e.g. E08999901)"
            )
        return [district_code]
    return [f"E08{999900 + d + 1}" for d in range(districts)]


def build(
    n_wards: int,
    districts: int = 1,
    seed: int = config.DEFAULT_SEED,
    place_name: str | None = None,
    district_code: str | None = None,
) -> Layout:
    """The synthetic geography of ``n_wards`` wards in ``districts`` districts, from ``seed``.

    Parameters
    ----------
    n_wards, districts : int
        Wards in all, and districts (wards are shared out as evenly as possible).
    seed : int
        The generator's seed (the layout has its own stream).
    place_name : str, optional
        The place's name (default ``Synthville``, or ``Synthshire`` for several districts); districts
        of a multi-district place are named ``<place> A``, ``<place> B``, ...
    district_code : str, optional
        The one district's code (default ``E08999901``), e.g. for a second-place fixture.
    """
    if isinstance(n_wards, bool) or not isinstance(n_wards, int) or n_wards < 1:
        raise LspError(f"--wards must be a positive whole number, got {n_wards!r}")
    if isinstance(districts, bool) or not isinstance(districts, int) or districts < 1:
        raise LspError(f"--districts must be a positive whole number, got {districts!r}")
    if n_wards < 2:
        raise LspError(
            f"--wards must be at least 2 (referrals go to a neighbouring ward), got {n_wards}"
        )
    if n_wards < districts:
        raise LspError(
            f"--wards {n_wards} is fewer than --districts {districts}: every district needs a ward"
        )
    codes = _codes(n_wards, districts, district_code)
    place = place_name or ("Synthville" if districts == 1 else "Synthshire")
    names = [place] if districts == 1 else [f"{place} {chr(65 + d)}" for d in range(districts)]
    rng = stream(seed, "layout")
    sizes = [n_wards // districts + (d < n_wards % districts) for d in range(districts)]
    rows, geoms, x0 = [], [], ORIGIN[0]
    for d, n in enumerate(sizes):
        cells, width = _district_cells(rng, n, x0, ORIGIN[1])
        x0 += width
        n_comm = max(1, round(n / COMMITTEE_SIZE))
        serial = int(codes[d][-2:]) * 1000
        for j, cell in enumerate(cells):
            rows.append(
                {
                    "ward_name": f"{names[d]} {j + 1:03d}",
                    "ward_code": f"E059{serial + j + 1:05d}",
                    "lad_code": codes[d],
                    "lad_name": names[d],
                    "area_committee": f"{names[d]} Area {j * n_comm // n + 1}",
                }
            )
            geoms.append(cell)
    w = pd.DataFrame(rows)
    n = len(w)
    w["pop_2008_est"] = np.round(WARD_POP * rng.uniform(0.8, 1.2, n)).astype(int)
    w["pct_age_0_15_2020"] = np.round(rng.normal(18.5, 1.5, n), 1)
    w["pct_age_65plus_2020"] = np.round(rng.normal(18.0, 2.5, n), 1)
    w["area_km2"] = np.round([g.area / 1e6 for g in geoms], 2)
    w["easting"] = [round(g.centroid.x) for g in geoms]
    w["northing"] = [round(g.centroid.y) for g in geoms]
    imd = np.clip(np.exp(rng.normal(3.2, 0.45, n)), 4.0, 80.0)
    for year, drift in (("2004", 1.04), ("2007", 1.0), ("2010", 0.97)):
        w[f"imd{year}_score"] = np.round(imd * drift * rng.normal(1, 0.03, n), 2)
    polygons = gpd.GeoDataFrame(
        {
            "WD09CD": w["ward_code"],
            "WD09NM": w["ward_name"],
            "LAD09CD": w["lad_code"],
            "LAD09NM": w["lad_name"],
        },
        geometry=[shapely.normalize(g) for g in geoms],
        crs=config.CRS_BNG,
    )
    at = np.sort(rng.choice(n, size=max(1, round(n / WARDS_PER_CENTRE)), replace=False))
    points = [geoms[i].representative_point() for i in at]
    centres = pd.DataFrame(
        {
            "centre_id": [f"WC{k + 1}" for k in range(len(at))],
            "centre_name": [f"{w.ward_name[i]} Wellness Centre" for i in at],
            "ward_code": w.ward_code.to_numpy()[at],
            "easting": [round(p.x) for p in points],
            "northing": [round(p.y) for p in points],
            "opened": "2004-04-01",
        }
    )
    code = codes[0] if districts == 1 else REGION_CODE
    factor = float(w["pop_2008_est"].sum()) / DEFAULT_POP
    return Layout(w, polygons, centres, code, place, factor)


def place_document(lay: Layout) -> dict:
    """The place file (:func:`lsp_research.config.place`) of a synthetic layout: its name, code, wards
    by area committee, and the region and comparators the synthetic comparators file names. A layout of
    several districts is one place, the city region, under the code its returns carry (``E47...``, a
    combined authority's), with every district's area committees.

    >>> doc = place_document(build(4, place_name="Eastbury", district_code="E08999901"))
    >>> doc["name"], doc["district_code"], [c["name"] for c in doc["comparators"]]
    ('Eastbury', 'E08999901', ['England', 'North East'])
    >>> config.parse_place(doc).ward_codes
    ('E05901001', 'E05901002', 'E05901003', 'E05901004')
    >>> region = config.parse_place(place_document(build(12, districts=2, seed=7)))
    >>> region.name, region.district_code, len(region.ward_codes), len(region.areas)
    ('Synthshire', 'E47999901', 12, 2)
    """
    region = {"name": "North East", "code": "E12000001"}  # the synthetic comparators' region
    areas: dict[str, list[dict]] = {}
    for r in lay.wards.sort_values("ward_code").itertuples():
        areas.setdefault(str(r.area_committee), []).append(
            {"code": str(r.ward_code), "name": str(r.ward_name)}
        )
    return {
        "name": lay.place_name,
        "district_code": lay.place_code,
        "region": region,
        "country": {"name": "England", "code": config.ENGLAND_CODE},
        "boundary_year": 2009,
        "comparators": [{"name": "England", "code": config.ENGLAND_CODE}, dict(region)],
        "areas_label": "area committee",
        "areas": areas,
    }


def add_arguments(parser) -> None:
    """Add ``--wards``, ``--districts``, ``--place-name`` and ``--district-code`` to ``parser``."""
    parser.add_argument(
        "--wards", type=int, default=None, help="a synthetic geography of N wards (default: the 25)"
    )
    parser.add_argument(
        "--districts", type=int, default=1, help="districts the wards are shared among (default 1)"
    )
    parser.add_argument("--place-name", default=None, help="the synthetic place's name")
    parser.add_argument("--district-code", default=None, help="its district code (one district)")


def from_arguments(args, writes_default: bool) -> Layout | None:
    """The layout parsed ``args`` ask for (None: the default 25 wards); refuses to write a synthetic
    geography over the default data (``writes_default``).
    """
    asked = args.wards is not None or args.districts != 1 or args.place_name or args.district_code
    if not asked:
        return None
    if args.wards is None:
        raise LspError("--districts, --place-name and --district-code need --wards N")
    if writes_default:
        raise LspError(
            f"--wards {args.wards} would replace the default data; write it elsewhere with --out DIR"
        )
    return build(args.wards, args.districts, args.seed, args.place_name, args.district_code)


__all__ = ["Layout", "build", "place_document", "REGION_CODE", "add_arguments", "from_arguments"]
