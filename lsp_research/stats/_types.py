"""The argument types the stats functions share."""

from __future__ import annotations

from collections.abc import Sequence

#: What ``by=`` accepts: one group column, a list of them, or None for no grouping.
By = str | Sequence[str] | None
#: What ``confidence=`` accepts: one level, or several for several pairs of limit columns.
Levels = float | Sequence[float]
