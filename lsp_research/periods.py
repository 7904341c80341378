"""UK financial-year quarters.

A financial year runs from 1 April to 31 March and is named by the calendar year it starts in. Quarter 1
is April-June, Q2 July-September, Q3 October-December, Q4 January-March of the following calendar year.

**Notation.** The canonical form is ``YYYYQn``: ``2009Q3`` is the third quarter of financial year 2009-10
(October-December 2009). The long form ``2009-10 Q3`` (also ``2009/10 Q3``) is accepted and is what
reports print. A financial year alone is ``2009-10``. ``latest`` resolves to the newest quarter in the data.

>>> q = Quarter.parse("2009Q3")
>>> q, q.label, q.start, q.end
(Quarter('2009Q3'), '2009-10 Q3', datetime.date(2009, 10, 1), datetime.date(2009, 12, 31))
>>> Quarter.parse("2009-10 Q4").end
datetime.date(2010, 3, 31)
>>> Quarter.parse("2009Q4") + 1
Quarter('2010Q1')
>>> [str(q) for q in quarter_range("2008Q3", "2009Q2")]
['2008Q3', '2008Q4', '2009Q1', '2009Q2']
>>> Quarter.from_date(datetime.date(2010, 2, 14))
Quarter('2009Q4')
>>> Quarter.parse("2009Q7")
Traceback (most recent call last):
...
lsp_research.errors.PeriodError: '2009Q7' is not a period: the quarter must be 1-4. Use YYYYQn for the financial year starting in YYYY (e.g. 2009Q3 = October-December 2009) or 'YYYY-YY Qn' (e.g. '2009-10 Q3'), or 'latest'.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import total_ordering

from .errors import ParameterError, PeriodError

ACCEPTED_FORMS = (
    "Use YYYYQn for the financial year starting in YYYY (e.g. 2009Q3 = October-December 2009) "
    "or 'YYYY-YY Qn' (e.g. '2009-10 Q3'), or 'latest'."
)

_SHORT = re.compile(r"^\s*(\d{4})\s*Q(\d+)\s*$", re.IGNORECASE)
_LONG = re.compile(r"^\s*(\d{4})\s*[-/]\s*(\d{2}|\d{4})\s*Q(\d+)\s*$", re.IGNORECASE)
_FY = re.compile(r"^\s*(\d{4})\s*[-/]\s*(\d{2}|\d{4})\s*$")


@total_ordering
@dataclass(frozen=True)
class Quarter:
    """A financial-year quarter: ``year`` is the calendar year the financial year starts in."""

    year: int
    q: int

    def __post_init__(self) -> None:
        if self.q not in (1, 2, 3, 4):
            raise PeriodError(f"quarter must be 1-4, got {self.q}. {ACCEPTED_FORMS}")

    @classmethod
    def parse(cls, text: str | Quarter) -> Quarter:
        """Parse ``2009Q3`` or ``2009-10 Q3``; raise :class:`PeriodError` naming the accepted forms."""
        if isinstance(text, Quarter):
            return text
        s = str(text)
        m = _SHORT.match(s)
        if m:
            year, q = int(m.group(1)), int(m.group(2))
        else:
            m = _LONG.match(s)
            if not m:
                raise PeriodError(f"'{s}' is not a period. {ACCEPTED_FORMS}")
            year, end, q = int(m.group(1)), m.group(2), int(m.group(3))
            if int(end) % 100 != (year + 1) % 100:
                raise PeriodError(
                    f"'{s}' is not a period: a financial year spans two consecutive years. {ACCEPTED_FORMS}"
                )
        if q not in (1, 2, 3, 4):
            raise PeriodError(f"'{s}' is not a period: the quarter must be 1-4. {ACCEPTED_FORMS}")
        return cls(year, q)

    @classmethod
    def from_date(cls, date: datetime.date) -> Quarter:
        """The quarter that contains ``date``."""
        if date.month >= 4:
            return cls(date.year, (date.month - 4) // 3 + 1)
        return cls(date.year - 1, 4)

    @property
    def fy(self) -> str:
        """The financial year, e.g. ``'2009-10'``."""
        return fy_label(self.year)

    @property
    def label(self) -> str:
        """The long form printed in reports, e.g. ``'2009-10 Q3'``."""
        return f"{self.fy} Q{self.q}"

    @property
    def start(self) -> datetime.date:
        """The first day of the quarter (financial quarters: Q1 starts on 1 April)."""
        month = 3 * (self.q - 1) + 4
        year = self.year
        if month > 12:
            month -= 12
            year += 1
        return datetime.date(year, month, 1)

    @property
    def end(self) -> datetime.date:
        """The last day of the quarter."""
        return (self + 1).start - datetime.timedelta(days=1)

    @property
    def index(self) -> int:
        """A running number: consecutive quarters differ by one."""
        return self.year * 4 + self.q - 1

    def __add__(self, n: int) -> Quarter:
        i = self.index + int(n)
        return Quarter(i // 4, i % 4 + 1)

    def __sub__(self, other: int | Quarter) -> Quarter | int:
        if isinstance(other, Quarter):
            return self.index - other.index
        return self + (-int(other))

    def __lt__(self, other: Quarter) -> bool:
        return self.index < other.index

    def __str__(self) -> str:
        return f"{self.year}Q{self.q}"

    def __repr__(self) -> str:
        return f"Quarter('{self}')"


def fy_label(year: int) -> str:
    """Financial-year label for the year starting in April of ``year``.

    >>> fy_label(2009), fy_label(1999)
    ('2009-10', '1999-00')
    """
    return f"{year}-{(year + 1) % 100:02d}"


def parse_fy(text: str | int) -> int:
    """Parse a financial year (``2009-10``, ``2009/10`` or ``2009``) into its starting year.

    >>> parse_fy("2009-10"), parse_fy(2008)
    (2009, 2008)
    """
    if isinstance(text, int):
        return text
    s = str(text).strip()
    if s.isdigit() and len(s) == 4:
        return int(s)
    m = _FY.match(s)
    if not m or int(m.group(2)) % 100 != (int(m.group(1)) + 1) % 100:
        raise PeriodError(f"'{text}' is not a financial year; use 'YYYY-YY', e.g. '2009-10'.")
    return int(m.group(1))


def quarter_parameter(name: str, value: object) -> str:
    """A notebook's quarter parameter checked: ``"latest"`` or the quarter's ``YYYYQn`` code.

    >>> quarter_parameter("period", "2009-10 Q3"), quarter_parameter("period", " Latest")
    ('2009Q3', 'latest')
    >>> quarter_parameter("period_end", "2009Q7")
    Traceback (most recent call last):
    ...
    lsp_research.errors.ParameterError: period_end: '2009Q7' is not allowed; allowed values: a financial-year quarter YYYYQn (e.g. 2009Q3) or 'latest'
    """
    message = (
        f"{name}: {value!r} is not allowed; allowed values: a financial-year quarter YYYYQn "
        "(e.g. 2009Q3) or 'latest'"
    )
    if not isinstance(value, str):
        raise ParameterError(message)
    if value.strip().lower() == "latest":
        return "latest"
    try:
        return str(Quarter.parse(value))
    except PeriodError:
        raise ParameterError(message) from None


def quarter_range(start: str | Quarter, end: str | Quarter) -> Iterator[Quarter]:
    """Quarters from ``start`` to ``end`` inclusive."""
    a, b = Quarter.parse(start), Quarter.parse(end)
    if b < a:
        raise PeriodError(f"period range ends ({b}) before it starts ({a})")
    for i in range(b - a + 1):
        yield a + i


def resolve(period: str | Quarter, available: Iterable[str | Quarter]) -> Quarter:
    """Resolve ``'latest'`` (or a period) against the quarters present in the data.

    >>> resolve("latest", ["2009Q1", "2009Q4", "2009Q2"])
    Quarter('2009Q4')
    >>> resolve("2011Q1", ["2009Q1"])
    Traceback (most recent call last):
    ...
    lsp_research.errors.PeriodError: period 2011Q1 is not in the data, which covers 2009Q1 to 2009Q1
    """
    quarters = sorted({Quarter.parse(a) for a in available})
    if not quarters:
        raise PeriodError(
            "there are no periods in the data; build it first (lsp-research data build)"
        )
    if isinstance(period, str) and period.strip().lower() == "latest":
        return quarters[-1]
    q = Quarter.parse(period)
    if q not in quarters:
        raise PeriodError(
            f"period {q} is not in the data, which covers {quarters[0]} to {quarters[-1]}"
        )
    return q
