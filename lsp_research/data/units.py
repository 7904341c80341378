"""The build's units: each catalogue source and the processed tables it writes.

>>> TABLES["population"], UNIT_SOURCES["geography"]
('population', ('geography', 'deprivation'))
"""

from __future__ import annotations

#: Bump when the processed tables change shape, so every source is rebuilt.
BUILD_VERSION = 3

#: Each build unit (a catalogue source) and the processed tables it writes. ``deprivation`` is part
#: of the ``geography`` unit because the ward table carries the IMD scores.
UNIT_TABLES = {
    "geography": ("wards", "centres"),
    "population": ("population",),
    "mortality": ("deaths",),
    "hospital": ("admissions",),
    "police": ("incidents",),
    "wellness": ("referrals",),
    "indicators": (
        "indicator_returns",
        "indicator_targets",
        "indicator_comparators",
        "indicator_corrections",
    ),
    "board": ("board_decisions",),
}

UNIT_SOURCES = {unit: (unit,) for unit in UNIT_TABLES} | {"geography": ("geography", "deprivation")}

#: Every processed table and the source unit that writes it.
TABLES = {t: unit for unit, ts in UNIT_TABLES.items() for t in ts}

#: Tables stored as GeoParquet.
GEO_TABLES = ("wards", "centres")

#: Points further than this from every ward are refused; closer ones go to the nearest ward.
SNAP_M = 250.0

ROW_NOTE = "input data (rows are numbered as in a spreadsheet: the header is row 1)"
