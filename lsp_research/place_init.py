"""``lsp-research init``: write the place file for a district from ONS files.

``lsp-research init --boundaries FILE --lookup FILE --district CODE [--areas FILE] [--out FILE] [--force]``
    reads an ONS ward boundary file (any format :func:`lsp_research.geo.load_boundaries` reads) and an
    ONS ward-to-district lookup (CSV or Excel: ``WDyyCD, WDyyNM, LADyyCD, LADyyNM``, and ``RGNyyCD,
    RGNyyNM`` when the lookup carries the region), and writes ``place.yml`` (default: at the project
    root, where :func:`lsp_research.config.place` finds it) for the district ``CODE``. ``--areas``
    names a ward-to-area lookup (a ward code column and an area column, e.g. ``area_committee``) for
    the area committees or their equivalent; without one, the district is one area. ``--region-name``
    and ``--region-code`` give the region when the lookup does not. The boundary year is the ``yy`` of
    the lookup's ``WDyyCD``. Every ward of the district in the lookup must be in the boundary file.
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
from pathlib import Path

import yaml

from .config import ENGLAND_CODE, PROJ_ROOT, Place, parse_place
from .errors import ConfigError, DataValidationError, FileProblem, Problem


def register(subparsers) -> None:
    """Add the ``init`` command to the command line."""
    p = subparsers.add_parser(
        "init", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--boundaries", required=True, metavar="FILE", help="ONS ward boundary file")
    p.add_argument("--lookup", required=True, metavar="FILE", help="ONS ward-to-district lookup")
    p.add_argument(
        "--district", required=True, metavar="CODE", help="district code, e.g. E08000021"
    )
    p.add_argument("--areas", metavar="FILE", help="ward-to-area lookup (ward code, area name)")
    p.add_argument("--region-name", default=None, help="region name, when the lookup has none")
    p.add_argument("--region-code", default=None, help="region code (E12...), likewise")
    p.add_argument(
        "--out", metavar="FILE", default=None, help="default: place.yml at the project root"
    )
    p.add_argument("--force", action="store_true", help="replace an existing place file")
    p.set_defaults(func=_init)


def _init(args) -> int:
    out = Path(args.out) if args.out else PROJ_ROOT / "place.yml"
    got = write_place(
        Path(args.boundaries),
        Path(args.lookup),
        args.district,
        out,
        areas=Path(args.areas) if args.areas else None,
        region=(args.region_name, args.region_code),
        force=args.force,
    )
    n = len(got.ward_codes)
    print(f"wrote {out}: {got.name} ({got.district_code}), {n} wards in {len(got.areas)} area(s)")
    return 0


def _column(df, patterns: tuple[str, ...]) -> str | None:
    """The first column whose name matches one of ``patterns`` (case-insensitive, full match)."""
    for pat in patterns:
        for c in df.columns:
            if re.fullmatch(pat, str(c).strip(), re.IGNORECASE):
                return c
    return None


def _newest(df, stem: str) -> str | None:
    """The newest ``<stem>yyCD``-style column (``yy`` below 50 is 20yy)."""
    hits = [(int(m.group(1)), c) for c in df.columns if (m := re.fullmatch(stem, str(c), re.I))]
    return max(hits, key=lambda h: h[0] + (2000 if h[0] < 50 else 1900))[1] if hits else None


def _read(path: Path, what: str):
    from .data.loaders import read_table  # pandas is heavy: only when init runs

    try:
        df, rows, label = read_table(path, path.name)
    except FileProblem as exc:
        raise DataValidationError(exc.problems, context=what) from None
    return df, rows, label


def place_from_files(
    boundaries: Path,
    lookup: Path,
    district: str,
    areas: Path | None = None,
    region: tuple[str | None, str | None] = (None, None),
) -> Place:
    """The :class:`~lsp_research.config.Place` of ``district`` from ONS files (see the module).

    Raises
    ------
    DataValidationError
        Naming file, row and column: a lookup without ward or district columns, no row for the
        district, a ward missing from the boundary file or from the areas lookup.
    ConfigError
        When the result is not a valid place (for example no region given anywhere).
    """
    from .geo import load_boundaries  # geopandas is heavy: only when init runs

    df, rows, label = _read(lookup, "the ward-to-district lookup")
    wd, wn = _newest(df, r"WD(\d{2})CD"), _newest(df, r"WD(\d{2})NMW?")
    lad, lad_nm = _newest(df, r"LAD?(\d{2})CD"), _newest(df, r"LAD?(\d{2})NM")
    problems = [
        Problem(
            label, None, col, f"the lookup has no {col} column (columns: {', '.join(df.columns)})"
        )
        for col, got in (("WDyyCD", wd), ("WDyyNM", wn), ("LADyyCD", lad), ("LADyyNM", lad_nm))
        if got is None
    ]
    if problems:
        raise DataValidationError(problems, context="the ward-to-district lookup")
    mine = (df[lad].astype(str).str.strip() == district).to_numpy()
    if not mine.any():
        raise DataValidationError(
            [Problem(label, None, str(lad), f"no row for district {district}")],
            context="the ward-to-district lookup",
        )
    sub, sub_rows = df[mine], rows[mine]
    name = str(sub[lad_nm].iloc[0]).strip()
    wards = dict(zip(sub[wd].astype(str).str.strip(), sub[wn].astype(str).str.strip(), strict=True))
    gdf = load_boundaries(boundaries, label=boundaries.name)
    have = set(gdf["ward_code"])
    problems = [
        Problem(label, int(r), str(wd), "ward of the district is not in the boundary file", code)
        for code, r in zip(sub[wd].astype(str).str.strip(), sub_rows, strict=True)
        if code not in have
    ]
    if problems:
        raise DataValidationError(problems, context="the ward-to-district lookup")
    rgn, rgn_nm = _newest(df, r"RGN(\d{2})CD"), _newest(df, r"RGN(\d{2})NM")
    region_code = region[1] or (str(sub[rgn].iloc[0]).strip() if rgn else None)
    region_name = region[0] or (str(sub[rgn_nm].iloc[0]).strip() if rgn_nm else None)
    if not region_code or not region_name:
        raise ConfigError(
            f"{label}: the lookup has no RGNyyCD/RGNyyNM columns; give --region-name and "
            "--region-code (e.g. 'North West', E12000002)"
        )
    year = int(re.search(r"(\d{2})", str(wd)).group(1))
    groups = _areas(areas, wards, name) if areas else {name: sorted(wards.items())}
    return parse_place(
        {
            "name": name,
            "district_code": district,
            "region": {"name": region_name, "code": region_code},
            "boundary_year": year + (2000 if year < 50 else 1900),
            "comparators": [
                {"name": "England", "code": ENGLAND_CODE},
                {"name": region_name, "code": region_code},
            ],
            "areas": {a: [{"code": c, "name": n} for c, n in ws] for a, ws in groups.items()},
        },
        f"the place made from {label}",
    )


def _areas(path: Path, wards: dict[str, str], district_name: str) -> dict[str, list]:
    """Each area of the ward-to-area lookup and its wards (code, name); every ward needs one area."""
    df, rows, label = _read(path, "the ward-to-area lookup")
    code = _newest(df, r"WD(\d{2})CD") or _column(df, (r"ward_?code", r"ward code"))
    area = _column(df, (r"area_?committee", r"area committee", r"area_?name", r"area", r"locality"))
    problems = [
        Problem(
            label, None, what, f"the lookup has no {what} column (columns: {', '.join(df.columns)})"
        )
        for what, got in (("ward code", code), ("area", area))
        if got is None
    ]
    if problems:
        raise DataValidationError(problems, context="the ward-to-area lookup")
    out: dict[str, list] = {}
    seen = set()
    for c, a, r in zip(df[code].astype(str).str.strip(), df[area], rows, strict=True):
        if c not in wards:
            continue
        if not isinstance(a, str) or not a.strip():
            problems.append(Problem(label, int(r), str(area), "missing area for the ward", c))
            continue
        seen.add(c)
        out.setdefault(a.strip(), []).append((c, wards[c]))
    problems += [
        Problem(
            label, None, str(code), f"ward {c} ({n}) of {district_name} has no area in the lookup"
        )
        for c, n in sorted(wards.items())
        if c not in seen
    ]
    if problems:
        raise DataValidationError(problems, context="the ward-to-area lookup")
    return {a: sorted(ws) for a, ws in sorted(out.items())}


def write_place(
    boundaries: Path,
    lookup: Path,
    district: str,
    out: Path,
    areas: Path | None = None,
    region: tuple[str | None, str | None] = (None, None),
    force: bool = False,
) -> Place:
    """Write the place file of ``district`` to ``out`` atomically (see :func:`place_from_files`).

    Raises
    ------
    ConfigError
        When ``out`` exists and ``force`` is not set (nothing is written).
    """
    out = Path(out)
    if out.exists() and not force:
        raise ConfigError(f"{out} exists; pass --force to replace it")
    got = place_from_files(boundaries, lookup, district, areas, region)
    text = (
        f"# The place file of {got.name}, written by lsp-research init from {Path(lookup).name}\n"
        f"# and {Path(boundaries).name}; edit the areas to match the partnership's own.\n"
    ) + yaml.safe_dump(got.to_dict(), sort_keys=False, allow_unicode=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".place-", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return got
