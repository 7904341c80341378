"""Maps of the wards: a locator map (the city's wards with some highlighted) and an inline SVG ward map
whose wards link to their pages.

Both take the wards as a GeoDataFrame with ``ward_code``, ``ward_name`` and polygons in British National
Grid.
"""

from __future__ import annotations

import html

import pandas as pd
from matplotlib import patheffects

from .base import NAMED_AREAS, figure

#: The halo behind every label on a map, so a name reads over any shading.
HALO = [patheffects.withStroke(linewidth=2.2, foreground="white")]


def label_areas(ax, areas, name: str = "ward_name", *, bold=(), fontsize: float = 6.5,
                code: str = "ward_code") -> list:  # fmt: skip
    """Write each area's name at a point inside it, small, with a white halo (``bold``: codes whose
    name is set in bold, e.g. the profile's own). Returns the text artists.

    >>> from geopandas import GeoDataFrame
    >>> from shapely.geometry import box
    >>> w = GeoDataFrame({"ward_code": ["E1"], "ward_name": ["Hendon"]}, geometry=[box(0, 0, 1, 1)])
    >>> fig, ax = figure("x")
    >>> [t.get_text() for t in label_areas(ax, w)]
    ['Hendon']
    """
    bold = set(map(str, bold))
    out = []
    for _, row in areas.iterrows():
        pt = row.geometry.representative_point()
        out.append(ax.text(pt.x, pt.y, str(row[name]), ha="center", va="center", fontsize=fontsize,
                           fontweight="bold" if str(row.get(code, "")) in bold else "normal",
                           path_effects=HALO, zorder=6))  # fmt: skip
    return out


def label_points(ax, xs, ys, names, *, fontsize: float = 6.5) -> list:
    """Write a name beside each point (a centre), small, with a white halo. Returns the artists."""
    return [
        ax.annotate(
            str(n),
            (x, y),
            xytext=(4, 4),
            textcoords="offset points",
            fontsize=fontsize,
            fontstyle="italic",
            path_effects=HALO,
            zorder=7,
        )  # fmt: skip
        for x, y, n in zip(xs, ys, names, strict=True)
    ]


def frame_map(ax, areas=None) -> None:
    """A map's frame: equal aspect, no axes (no British National Grid metre ticks), fitted to ``areas``."""
    if areas is not None:
        minx, miny, maxx, maxy = areas.total_bounds
        pad = 0.02 * max(maxx - minx, maxy - miny)
        ax.set_xlim(minx - pad, maxx + pad)
        ax.set_ylim(miny - pad, maxy + pad)
    ax.set_aspect("equal")
    ax.set(xlabel="", ylabel="")  # geopandas names the CRS's axes ("Easting [metre]")
    ax.set_axis_off()


def locator_map(wards, highlight, title: str, figsize=(6.5, 6.5)):
    """The wards in light grey with those in ``highlight`` (ward codes) shaded and hatched, each
    labelled with its name (``ward_name``, when the wards have one; the highlighted in bold; above
    :data:`~lsp_research.plots.base.NAMED_AREAS` wards only the highlighted are named), no axes.

    Returns ``(fig, ax)``; the caller writes the alt text (it knows what the highlighted wards are).

    Examples
    --------
    >>> from geopandas import GeoDataFrame
    >>> from shapely.geometry import box
    >>> w = GeoDataFrame({"ward_code": ["E1", "E2"]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)])
    >>> fig, ax = locator_map(w, ["E2"], "Where B is")
    >>> ax.axison, len(ax.collections)
    (False, 2)
    """
    fig, ax = figure(title, figsize=figsize)
    inside = wards["ward_code"].isin(highlight)
    wards[~inside].plot(ax=ax, color="#EEEEEE", edgecolor="#777777", linewidth=0.6)
    wards[inside].plot(ax=ax, color="#9CC7E6", edgecolor="black", linewidth=1.2, hatch="//")
    if "ward_name" in wards.columns:  # every ward named, unless too many to read: then its own
        label_areas(ax, wards if len(wards) <= NAMED_AREAS else wards[inside], bold=highlight)
    frame_map(ax)
    return fig, ax


def _svg_path(geom, x0: float, y1: float, scale: float) -> str:
    polys = getattr(geom, "geoms", [geom])
    parts = []
    for poly in polys:
        for ring in [poly.exterior, *poly.interiors]:
            pts = [f"{(x - x0) * scale:.1f},{(y1 - y) * scale:.1f}" for x, y in ring.coords]
            parts.append("M" + " L".join(pts) + " Z")
    return " ".join(parts)


def ward_map_svg(wards, links: dict[str, str], values: dict[str, float] | None = None,
                 value_label: str = "", width: int = 520) -> str:  # fmt: skip
    """An inline SVG map of the wards, each linking to its profile (no external resources).

    Parameters
    ----------
    wards : geopandas.GeoDataFrame
        ``ward_code``, ``ward_name`` and polygons in British National Grid.
    links : dict
        Ward code -> relative link to its profile.
    values : dict, optional
        Ward code -> a value to shade by (five grey-safe shades by quintile of the values).
    value_label : str
        What the value is, for the legend and each ward's tooltip.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> w = gpd.GeoDataFrame({"ward_code": ["E1", "E2"], "ward_name": ["A", "B"]},
    ...                      geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)], crs="EPSG:27700")
    >>> svg = ward_map_svg(w, {"E1": "a/index.html", "E2": "b/index.html"}, {"E1": 1.0, "E2": 2.0}, "score")
    >>> svg.count("<a href="), 'role="img"' in svg, "A: score 1" in svg
    (2, True, True)
    """
    minx, miny, maxx, maxy = wards.total_bounds
    scale = width / (maxx - minx)
    height = int((maxy - miny) * scale) + 1
    shades = ["#F7F7F7", "#CCCCCC", "#969696", "#636363", "#252525"]
    if values:
        vals = pd.Series(values, dtype=float)
        ranks = vals.rank(pct=True, method="average")
        shade_of = {k: shades[min(4, int(r * 5 - 1e-9))] for k, r in ranks.items()}
    else:
        shade_of = {}
    items = []
    for _, row in wards.sort_values("ward_code").iterrows():
        code, name = row["ward_code"], html.escape(str(row["ward_name"]))
        tip = name
        if values and code in values and pd.notna(values[code]):
            tip += f": {html.escape(value_label)} {values[code]:g}"
        path = (f'<path d="{_svg_path(row.geometry, minx, maxy, scale)}" fill="{shade_of.get(code, "#DDDDDD")}" '
                f'stroke="#000" stroke-width="0.8"><title>{tip}</title></path>')  # fmt: skip
        pt = row.geometry.representative_point()
        fill = shade_of.get(code, "#DDDDDD")
        ink = "#FFFFFF" if fill in shades[3:] else "#000000"
        label = (
            f'<text x="{(pt.x - minx) * scale:.1f}" y="{(maxy - pt.y) * scale:.1f}" font-size="8" '
            f'text-anchor="middle" fill="{ink}" font-family="sans-serif" aria-hidden="true">{name}</text>'
        )
        if code in links:
            path = (
                f'<a href="{html.escape(links[code], quote=True)}" aria-label="{name} profile">'
                f"{path}{label}</a>"
            )
        else:
            path += label
        items.append(path)
    desc = f"Map of the {len(wards)} wards; each ward links to its profile."
    if values:
        desc += f" Shading: {html.escape(value_label)}, darker is higher (by fifths of wards)."
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{desc}" '
            f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
            f"<title>{desc}</title>{''.join(items)}</svg><p>{desc}</p>")  # fmt: skip
