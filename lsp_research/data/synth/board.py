"""The Board's decisions on red flags (``board/decisions.csv``) and the partner returns folder.

The partnership's secretariat keeps one small file of what the Board decided about each red flag: the
meeting quarter, the indicator (and area, the city when blank), the decision in words, the lead partner
and the quarter the Board reviews it. The synthetic file records decisions on the two indicators planted
to reach the Board (``answers.json``: a sustained deterioration and a consistent failure to reach
target), so the default Board report shows what came of them. The words are illustrative, not minutes.

The returns folder ``indicators/returns/`` is where partners drop one file per partner per quarter; the
generator writes only its README (the history is in ``indicators/returns.csv``).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ._common import place_code, placed, write_bytes

#: (meeting quarter, indicator, decision, lead partner, review quarter): planted board cases only.
DECISIONS = (
    (
        "2009Q2",
        "NI39",
        "Approve the alcohol harm recovery plan: brief interventions in A&E and primary care and an "
        "alcohol liaison nurse, funded by the PCT; the Healthy City partnership reports each quarter.",
        "Sunderland Teaching PCT",
        "2009Q4",
    ),
    (
        "2009Q3",
        "NI123",
        "Commission an expanded stop-smoking service in the most deprived wards from 2010; the Board "
        "revisits the target if quit rates have not risen by the review.",
        "Sunderland Teaching PCT",
        "2010Q1",
    ),
)
COLUMNS = (
    "meeting_quarter",
    "indicator_code",
    "area_code",
    "decision",
    "lead_partner",
    "review_quarter",
)

RETURNS_README = """# Partner returns: one file per partner per quarter

Drop each partner's quarterly return here, as CSV or Excel (`.xlsx`), with the columns of
`indicators/returns.csv`: indicator_code, period, area_code, value, numerator, denominator,
submitted_on, submitted_by (any case or spacing; the header may sit below title rows). Name files
`<period>_<partner>.csv`, e.g. `2010Q1_northumbria_police.csv`.

- A new quarter needs no other edit: `lsp-research data build` picks the files up.
- A correction is a new file with a later `submitted_on` for the same indicator, period and area: the
  latest submission wins and the replaced figure goes to the corrections log (executive report).
- A code that is not in `indicators.yml` is a warning, routed back to the submitter.

This folder is part of the SYNTHETIC default data set; the history is in `../returns.csv`.
"""


def decisions_csv(lad_code: str = "E08000024") -> bytes:
    """The decisions file as CSV bytes (the city's area code for every decision)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for meeting, code, decision, lead, review in DECISIONS:
        w.writerow((meeting, code, lad_code, decision, placed(lead), review))
    return buf.getvalue().encode("utf-8")


def write(out_dir: Path) -> list[Path]:
    """Write ``board/decisions.csv`` and ``indicators/returns/README.md``."""
    return [
        write_bytes(out_dir / "board" / "decisions.csv", decisions_csv(place_code())),
        write_bytes(out_dir / "indicators" / "returns" / "README.md", RETURNS_README.encode()),
    ]
