"""The assessment record: the only source of what a report says about an indicator this quarter.

:class:`IndicatorRecord` (``Assessment.record(code, area)``, :mod:`.assessment`) holds the statements
every report prints about one indicator and area at one quarter, with their icons and words, and
:func:`check_consistency` refuses a set of records whose statements contradict each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import InconsistentAssessmentError
from ..formatting import number

STATUS_ICONS = {
    "on track": "✔ on track",
    "at risk": "⚠ at risk",
    "off track": "✖ off track",
    "no target": "– no target",
    "not judged": "? not judged",
}
#: The word for each direction of travel (the arrow comes from the way the value moved).
DIRECTION_WORDS = {
    "improving": "improving",
    "worsening": "worsening",
    "no significant change": "no significant change",
    "no change": "no change",
    "higher": "higher",
    "lower": "lower",
    "not known": "not known",
    "not comparable": "not comparable (definition changed)",
}
#: Arrows for the way the value moved: up for a rise, down for a fall, level for no change.
MOVEMENT_ARROWS = {"up": "↑", "down": "↓", "level": "→", None: "–"}
ASSURANCE_WORDS = {
    "consistent_pass": "consistent pass",
    "consistent_fail": "consistent fail",
    "inconsistent": "inconsistent (may pass or fail)",
}


def icon_status(status: str) -> str:
    """The target status with its icon (text too, so it reads in grey scale and to a screen reader).

    >>> icon_status("off track")
    '✖ off track'
    """
    return STATUS_ICONS.get(status, status)


def icon_variation(variation: str | None, improvement: str) -> str:
    """The SPC variation with an arrow showing which way the special cause went.

    >>> icon_variation("special_cause_concern", "decrease"), icon_variation(None, "increase")
    ('▲ concern', '– no SPC')
    """
    if variation is None or (isinstance(variation, float) and pd.isna(variation)):
        return "– no SPC"
    if variation == "common_cause":
        return "● common cause"
    if variation in ("special_cause_improvement", "special_cause_concern"):
        up = (variation == "special_cause_improvement") == (improvement == "increase")
        word = "improvement" if variation == "special_cause_improvement" else "concern"
        return f"{'▲' if up else '▼'} {word}"
    return "▲ higher" if variation.endswith("high") else "▼ lower"


def _none(x):
    return None if x is None or (isinstance(x, float) and np.isnan(x)) else x


@dataclass(frozen=True)
class IndicatorRecord:
    """What is known about one indicator and area at one quarter, and every statement made from it.

    Built from a row of :attr:`Assessment.table` (:meth:`Assessment.record`); reports print its
    ``*_text`` properties and nothing else, and :func:`check_consistency` refuses a record whose parts
    contradict each other.

    >>> r = IndicatorRecord(code="NI39", area="E08999901", period="2009Q4", improvement="decrease",
    ...     value=2438.8, last_year_value=2306.0, direction="worsening", judged=True,
    ...     target_status="off track", variation="special_cause_concern", assurance="inconsistent")
    >>> r.movement, r.direction_text
    ('up', '↑ worsening (2,306)')
    """

    code: str
    area: str
    period: str
    improvement: str
    value: float | None = None
    lowercl: float | None = None
    uppercl: float | None = None
    judged: bool = False
    target: float | None = None
    target_status: str = "not judged"
    variation: str | None = None
    assurance: str | None = None
    spc_note: str = ""
    baseline_reason: str | None = None
    trial_limits: bool = False
    definition_settling: bool = False
    last_year_value: float | None = None
    direction: str = "not known"
    comparisons: dict = field(default_factory=dict)
    #: Decimal places for every figure of this indicator (value, interval, target, comparators).
    decimals: int = 0

    @classmethod
    def from_row(cls, r, improvement: str) -> IndicatorRecord:
        """The record of one assessment row; ``improvement`` is the indicator's direction of improvement."""
        return cls(
            code=r["indicator_code"],
            area=r["area_code"],
            period=r["period"],
            improvement=improvement,
            value=_none(r["value"]),
            lowercl=_none(r["lowercl"]),
            uppercl=_none(r["uppercl"]),
            judged=bool(r["judged"]),
            target=_none(r["target"]),
            target_status=r["target_status"],
            variation=_none(r["spc_variation"]),
            assurance=_none(r["spc_assurance"]),
            spc_note=str(r.get("spc_note") or ""),
            baseline_reason=_none(r.get("spc_baseline_reason")),
            trial_limits=r["spc_trial_limits"] in (True,),
            definition_settling=bool(r["definition_settling"]),
            last_year_value=_none(r["last_year_value"]),
            direction=r["direction"],
            comparisons=dict(r["comparisons"]),
            decimals=int(r["decimals"]),
        )

    @property
    def movement(self) -> str | None:
        """``up``, ``down`` or ``level``: how the value moved since the same quarter last year."""
        if self.value is None or self.last_year_value is None or not self.judged:
            return None
        d = self.value - self.last_year_value
        return "up" if d > 0 else "down" if d < 0 else "level"

    @property
    def rebased(self) -> bool:
        """True when the latest limits were recalculated (definition change or sustained shift)."""
        return self.baseline_reason in ("definition change", "sustained shift")

    @property
    def status_text(self) -> str:
        """The status against target as the reports show it, icon included."""
        return icon_status(self.target_status)

    @property
    def variation_text(self) -> str:
        """The SPC variation icon, or why there is none."""
        if self.variation is None and self.judged and self.spc_note:
            return "– " + self.spc_note.split(": no ")[0]
        text = icon_variation(self.variation, self.improvement)
        return text + (" (trial limits)" if self.trial_limits and self.variation else "")

    @property
    def assurance_text(self) -> str:
        """The SPC assurance in words ("not assessed" when there is none)."""
        if self.assurance is None:
            return "not assessed"
        text = ASSURANCE_WORDS.get(self.assurance, self.assurance.replace("_", " "))
        if (self.target_status, self.assurance) in (
            ("off track", "consistent_pass"),
            ("on track", "consistent_fail"),
        ):
            text += " (of the process before the latest point, a special cause)"
        if self.rebased:
            text += f" ({self.spc_note})"
        return text

    @property
    def direction_tone(self) -> str | None:
        """``better`` or ``worse`` for the year-on-year change (the cell's colour), else None."""
        return {"improving": "better", "worsening": "worse"}.get(self.direction)

    @property
    def direction_text(self) -> str:
        """Arrow for the way the value moved, word for whether that is better or worse, last year's value."""
        if self.direction in ("not known", "not comparable"):
            return f"– {DIRECTION_WORDS[self.direction]}"
        text = f"{MOVEMENT_ARROWS[self.movement]} {DIRECTION_WORDS.get(self.direction, self.direction)}"
        if self.last_year_value is not None:
            text += f" ({number(self.last_year_value, self.decimals)})"
        return text


def contradictions(r: IndicatorRecord) -> list[str]:
    """Every contradiction in one record (empty when it is consistent).

    >>> contradictions(IndicatorRecord("NI39", "E08999901", "2009Q4", "decrease", value=2439.0,
    ...     judged=True, target=2300.0, target_status="off track", variation="common_cause",
    ...     assurance="consistent_pass", baseline_reason="series start"))
    ['NI39 E08999901 2009Q4: off track against target but SPC assurance says consistent pass, with no recalculated limits to explain it']
    """
    out = []
    where = f"{r.code} {r.area} {r.period}"
    for status, assurance, cause in (
        ("off track", "consistent_pass", "special_cause_concern"),
        ("on track", "consistent_fail", "special_cause_improvement"),
    ):
        if r.target_status == status and r.assurance == assurance and not r.rebased:
            if r.variation == cause:
                continue  # the latest point left the process the limits describe: stated beside it
            out.append(
                f"{where}: {status} against target but SPC assurance says "
                f"{assurance.replace('_', ' ')}, with no recalculated limits to explain it"
            )
    if r.assurance is not None and r.target_status in ("no target", "not judged"):
        out.append(
            f"{where}: SPC assurance given ({r.assurance}) while the target status is {r.target_status}"
        )
    if (r.variation is not None or r.assurance is not None) and (
        r.spc_note.startswith("too few points") or "no variation" in r.spc_note
    ):
        out.append(f"{where}: an SPC verdict is given although {r.spc_note}")
    if r.definition_settling and (r.variation is not None or r.target_status != "not judged"):
        out.append(f"{where}: judged against target or by SPC while the new definition is settling")
    if not r.judged and (
        r.variation is not None or r.direction not in ("not known", "not comparable")
    ):
        out.append(f"{where}: the latest quarter is not judged but a verdict is given")
    m = r.movement
    better = {"increase": "up", "decrease": "down"}.get(r.improvement)
    if r.direction in ("improving", "worsening") and m is not None:
        if better is None:
            out.append(f"{where}: {r.direction} for an indicator with no better direction")
        elif m == "level" or (m == better) != (r.direction == "improving"):
            out.append(
                f"{where}: the value went {m} and higher is "
                f"{'better' if better == 'up' else 'worse'}, but the direction says {r.direction}"
            )
    if (
        r.direction in ("higher", "lower")
        and m is not None
        and m != {"higher": "up", "lower": "down"}[r.direction]
    ):
        out.append(f"{where}: the value went {m} but the direction says {r.direction}")
    return out


def check_consistency(records) -> None:
    """Refuse contradictory records before anything is published (:class:`InconsistentAssessmentError`).

    >>> check_consistency([IndicatorRecord("NI8", "E08999901", "2009Q4", "increase", value=25.0,
    ...     judged=True, last_year_value=24.0, direction="worsening")])
    Traceback (most recent call last):
    ...
    lsp_research.errors.InconsistentAssessmentError: the assessment contradicts itself, so nothing is published from it:
    - NI8 E08999901 2009Q4: the value went up and higher is better, but the direction says worsening
    """
    problems = [p for r in records for p in contradictions(r)]
    if problems:
        raise InconsistentAssessmentError(
            "the assessment contradicts itself, so nothing is published from it:\n"
            + "\n".join(f"- {p}" for p in problems)
        )
