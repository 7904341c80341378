"""How far each report's data reaches, so a report runs "as at" the newest quarter its sources have.

Partners' extracts refresh on their own cycles: the indicator returns may reach 2010Q1 while the hospital
extract stops at 2009Q4. A quarterly run does not fail for that. Each report runs for the run's period
or, when a time-series source it reads ends earlier, for the last quarter that source reaches, and says
so at the top ("hospital data to 2009Q4"); the index shows how far each report's data reaches. A report
fails only when a source it needs has no data at all.

What a table reaches is recorded by the build (``coverage.reaches`` in ``manifest.json``: the last
quarter its dated records cover). Only sources refreshed quarterly or more often cap a report's period:
annual reference tables (population estimates, deaths) lag by nature and are used as the newest year
available.

>>> manifest = {"tables": {
...     "admissions": {"source": "hospital", "rows": 10, "coverage": {"reaches": "2009Q4"}},
...     "indicator_returns": {"source": "indicators", "rows": 9, "coverage": {"reaches": "2010Q1"}},
...     "population": {"source": "population", "rows": 4, "coverage": {"start": 2004, "end": 2010}}}}
>>> reach = table_reach(manifest, {"hospital": 91, "indicators": 91, "population": 365})
>>> r = entry_reach(["admissions", "population"], Quarter.parse("2010Q1"), reach)
>>> str(r.quarter), r.data_to, r.missing
('2009Q4', {'hospital': '2009Q4'}, [])
>>> reach_text(r.data_to, r.quarter, Quarter.parse("2010Q1"))
'Data to: hospital 2009Q4. This report is as at 2009Q4 (2009-10 Q4), the latest quarter all its sources reach; the period of this run is 2010Q1.'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..periods import Quarter

#: A source refreshed at least this often (days) caps a report's period at the quarter it reaches.
CAPPING_REFRESH_DAYS = 92
#: How a source is named in the "data to" line (other sources by their catalogue name).
SOURCE_LABELS = {"indicators": "indicator returns", "board": "Board decisions"}


@dataclass(frozen=True)
class TableReach:
    """What one processed table holds: its source, rows, and the last quarter it reaches (or None)."""

    source: str
    rows: int | None  # None: not recorded
    reaches: Quarter | None
    caps: bool


@dataclass
class EntryReach:
    """The quarter a report runs for, how far each capping source reaches, and what is missing."""

    quarter: Quarter
    data_to: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)


def table_reach(manifest: Mapping, refresh_days: Mapping[str, int | None]) -> dict[str, TableReach]:
    """Each processed table's reach, from the manifest and each source's refresh cycle (days)."""
    out = {}
    for name, info in (manifest.get("tables") or {}).items():
        cov = info.get("coverage") or {}
        reaches = Quarter.parse(cov["reaches"]) if cov.get("reaches") else None
        source = str(info.get("source") or name)
        days = refresh_days.get(source)
        caps = reaches is not None and days is not None and days <= CAPPING_REFRESH_DAYS
        rows = info.get("rows")
        out[name] = TableReach(source, None if rows is None else int(rows), reaches, caps)
    return out


def entry_reach(
    tables: Iterable[str],
    quarter: Quarter,
    reach: Mapping[str, TableReach],
    exists=lambda name: True,
) -> EntryReach:
    """The quarter a report reading ``tables`` runs for, when the run is for ``quarter``.

    A table with no rows, or that the manifest does not know and ``exists(name)`` does not find, is
    "missing" (the report fails with that reason); a quarterly table that ends before ``quarter``
    moves the report back to its last quarter.
    """
    out = EntryReach(quarter)
    for name in sorted(set(tables)):
        r = reach.get(name)
        if (r is None and not exists(name)) or (r is not None and r.rows == 0):
            out.missing.append(name)
            continue
        if r is None:
            continue
        if r.caps and r.reaches is not None:
            shown = r.reaches if r.reaches < quarter else quarter
            prev = out.data_to.get(r.source)
            if prev is None or Quarter.parse(prev) > shown:
                out.data_to[r.source] = str(shown)
            if r.reaches < out.quarter:
                out.quarter = r.reaches
    return out


def reach_text(data_to: Mapping[str, str], as_at: Quarter, period: Quarter) -> str:
    """One sentence for the top of a report: how far its data reaches, and "as at" when it is earlier.

    >>> reach_text({"indicators": "2010Q1"}, Quarter.parse("2010Q1"), Quarter.parse("2010Q1"))
    'Data to: indicator returns 2010Q1.'
    >>> reach_text({}, Quarter.parse("2010Q1"), Quarter.parse("2010Q1"))
    ''
    """
    if not data_to:
        return ""
    text = (
        "Data to: "
        + ", ".join(f"{SOURCE_LABELS.get(s, s)} {q}" for s, q in sorted(data_to.items()))
        + "."
    )
    if as_at < period:
        text += (
            f" This report is as at {as_at} ({as_at.label}), the latest quarter all its sources "
            f"reach; the period of this run is {period}."
        )
    return text
