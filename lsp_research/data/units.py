"""Constants of the build (the sources, their units and tables are declared in :mod:`.sources`).

>>> BUILD_VERSION, SNAP_M
(3, 250.0)
"""

from __future__ import annotations

#: Bump when the processed tables change shape, so every source is rebuilt.
BUILD_VERSION = 3

#: Tables stored as GeoParquet.
GEO_TABLES = ("wards", "centres")

#: Points further than this from every ward are refused; closer ones go to the nearest ward.
SNAP_M = 250.0

ROW_NOTE = "input data (rows are numbered as in a spreadsheet: the header is row 1)"
