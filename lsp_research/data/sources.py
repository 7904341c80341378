"""The sources the build knows, each declared once: a :class:`DataSource` in :data:`DECLARED`.

A declaration says everything the build needs about one source: its default files (the contract's
layout, used when the catalogue lists none), the raw tables its files may hold with the schema of
each (a function of :mod:`.specs` giving a :class:`~lsp_research.data.specs.TableSpec`), the processed
tables it writes and the transform that makes them (see :mod:`.transform`). Every other table the
build reads is derived from :data:`DECLARED` here: the build order (:data:`SOURCES`), the default
layout (:data:`DEFAULT_FILES`), the schemas (:func:`spec`, :data:`TABLE_NAMES`), which raw tables a
source may hold (:data:`SOURCE_TABLES`) and the build units and their processed tables
(:data:`UNIT_TABLES`, :data:`UNIT_SOURCES`, :data:`TABLES`). Adding a source is adding one
declaration (``docs/adding_a_data_source.md``).

>>> SOURCES[:3], SOURCE_TABLES["hospital"], UNIT_TABLES["hospital"]
(('geography', 'deprivation', 'population'), ('admissions',), ('admissions',))
>>> TABLES["indicator_targets"], UNIT_SOURCES["geography"]
('indicators', ('geography', 'deprivation'))
>>> [c.name for c in spec("area_committees", specs.Context()).columns]
['ward_code', 'area_committee']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import ConfigError
from . import specs, transform
from .specs import Context, TableSpec


@dataclass(frozen=True)
class DataSource:
    """One source of the build, declared once.

    Parameters
    ----------
    name : str
        The source's name, as in the catalogue (``data/catalogue.yml``) and ``data/raw/<name>/``.
    files : tuple
        The default files when the catalogue lists none: ``(path, format)`` or
        ``(path, format, options)``; ``{"optional": True}`` lets the file be absent.
    tables : dict
        Each raw table of the contract the source's files may hold, and its schema: a function
        ``(name, ctx) -> TableSpec``. A contract-layout file is named after its table.
    writes : tuple of str
        The processed tables the source writes (``data/processed/<table>.parquet``).
    transform : callable, optional
        ``(UnitData) -> {processed table: DataFrame}``: the validated raw tables made processed
        ones (see :mod:`.transform`; :func:`~lsp_research.data.transform.tidy` makes the usual one).
    other_tables : tuple of str
        Raw tables a real public format gives beside the contract's (a boundary file's
        ``boundaries``), which have no contract schema.
    unit : str, optional
        The source whose build unit this one is part of (``deprivation`` is built with
        ``geography``, because the ward table carries its scores); None: its own unit.
    """

    name: str
    files: tuple = ()
    tables: dict[str, Callable[[str, Context], TableSpec]] = field(default_factory=dict)
    writes: tuple[str, ...] = ()
    transform: Callable[[transform.UnitData], dict] | None = None
    other_tables: tuple[str, ...] = ()
    unit: str | None = None


#: Every source, in build order: geography first (every other source is checked against its ward
#: codes), then the sources checked against it. Add a new source at the end.
DECLARED: tuple[DataSource, ...] = (
    DataSource(
        "geography",
        files=(
            ("geography/wards.geojson", "ons_boundary"),
            ("geography/area_committees.csv", "contract_csv"),
            ("geography/wellness_centres.csv", "contract_csv"),
        ),
        tables={
            "area_committees": specs.area_committees,
            "wellness_centres": specs.wellness_centres,
        },
        other_tables=("boundaries",),
        writes=("wards", "centres"),  # made with deprivation's scores, by the build's first step
    ),
    DataSource(
        "deprivation",
        files=(("deprivation/imd_ward.csv", "contract_csv"),),
        tables={"imd_ward": specs.imd_ward},
        other_tables=("imd_lsoa", "lsoa_ward"),
        unit="geography",
    ),
    DataSource(
        "population",
        files=(("population/mid_year_estimates.csv", "contract_csv"),),
        tables={"mid_year_estimates": specs.mid_year_estimates},
        writes=("population",),
        transform=transform.tidy(
            "mid_year_estimates", "population", key=("year", "ward_code", "sex", "age_band")
        ),
    ),
    DataSource(
        "mortality",
        files=(("mortality/deaths.csv", "contract_csv"),),
        tables={"deaths": specs.deaths},
        writes=("deaths",),
        transform=transform.tidy("deaths", "deaths"),
    ),
    DataSource(
        "hospital",
        files=(("hospital/admissions.csv.gz", "contract_csv"),),
        tables={"admissions": specs.admissions},
        writes=("admissions",),
        transform=transform.admission_tables,
    ),
    DataSource(
        "police",
        files=(("police/incidents.csv.gz", "contract_csv"),),
        tables={"incidents": specs.incidents},
        writes=("incidents",),
        transform=transform.incident_tables,
    ),
    DataSource(
        "wellness",
        files=(("wellness/referrals.csv.gz", "contract_csv"),),
        tables={"referrals": specs.referrals},
        writes=("referrals",),
        transform=transform.tidy("referrals", "referrals", date="referral_date"),
    ),
    DataSource(
        "indicators",
        files=(
            ("indicators/returns.csv", "contract_csv"),
            ("indicators/returns/", "partner_return", {"optional": True}),
            ("indicators/targets.csv", "contract_csv"),
            ("indicators/comparators.csv", "contract_csv"),
        ),
        tables={
            "returns": specs.returns,
            "targets": specs.targets,
            "comparators": specs.comparators,
        },
        writes=(
            "indicator_returns",
            "indicator_targets",
            "indicator_comparators",
            "indicator_corrections",
        ),
        transform=transform.indicator_tables,
    ),
    DataSource(
        "board",
        files=(("board/decisions.csv", "contract_csv", {"optional": True}),),
        tables={"decisions": specs.decisions},
        writes=("board_decisions",),
        transform=transform.board_tables,
    ),
)

# ------------------------------------------------------------------------ derived from DECLARED

#: Each source by name.
SOURCE = {s.name: s for s in DECLARED}

#: The sources the build knows, in build order.
SOURCES = tuple(SOURCE)

#: The default layout (the contract's) when a catalogue does not list a source's files.
DEFAULT_FILES: dict[str, tuple[tuple, ...]] = {s.name: s.files for s in DECLARED}

#: The schema builder of each raw table of the contract.
SCHEMAS: dict[str, Callable[[str, Context], TableSpec]] = {
    t: build for s in DECLARED for t, build in s.tables.items()
}

#: The raw tables of the contract, in source order (a contract file is named after one).
TABLE_NAMES = tuple(SCHEMAS)

#: Which raw tables each source may hold.
SOURCE_TABLES = {s.name: (*s.other_tables, *s.tables) for s in DECLARED}

#: Each build unit (a source, with the sources built as part of it) and the processed tables it writes.
UNIT_TABLES = {s.name: s.writes for s in DECLARED if s.unit is None}

#: The sources of each build unit.
UNIT_SOURCES = {u: tuple(s.name for s in DECLARED if (s.unit or s.name) == u) for u in UNIT_TABLES}

#: Every processed table and the build unit that writes it.
TABLES = {t: unit for unit, ts in UNIT_TABLES.items() for t in ts}


def spec(name: str, ctx: Context) -> TableSpec:
    """The schema of the raw table ``name`` (a file stem of ``docs/data_contract.md``)."""
    if name not in SCHEMAS:
        raise ConfigError(
            f"no schema for raw table {name!r}; the raw tables are: {', '.join(sorted(SCHEMAS))}"
        )
    return SCHEMAS[name](name, ctx)
