"""The package's exception hierarchy.

Every error the package raises on purpose derives from :class:`LspError`, so the command line can turn it
into a one-paragraph message and a non-zero exit code instead of a traceback. Messages say what was wrong
and what is allowed.

>>> try:
...     raise PeriodError("'2009Q7' is not a period; use YYYYQn, e.g. 2009Q3")
... except LspError as exc:
...     print(exc)
'2009Q7' is not a period; use YYYYQn, e.g. 2009Q3
"""

from __future__ import annotations

from dataclasses import dataclass


class LspError(Exception):
    """Base class of every error raised on purpose by lsp_research."""

    exit_code = 2


class ConfigError(LspError):
    """A configuration file or setting is missing or invalid."""


class PeriodError(LspError, ValueError):
    """A period string or range cannot be parsed or is outside the data."""


class ParameterError(LspError, ValueError):
    """A notebook parameter is unknown, missing, ill-typed or outside its allowed values."""


class ProgrammeError(ConfigError):
    """``programme.yml`` is invalid."""


class RegistryError(ConfigError):
    """The indicator registry is invalid."""


class DisclosureError(LspError):
    """A table would publish a count that disclosure control forbids."""


class AuditError(LspError):
    """A published report failed the pre-publication audit."""


class RunError(LspError):
    """One or more notebook runs failed; the summary says which."""

    exit_code = 1


@dataclass(frozen=True)
class Problem:
    """One validation problem in an input file.

    Attributes
    ----------
    file : str
        The file that holds the problem.
    row : int or None
        The row as a spreadsheet shows it (the header is row 1, so the first data row of a CSV file is
        row 2; the worksheet row of an Excel file; the feature number of a boundary file), or None when
        the problem concerns the whole file or a column.
    column : str or None
        Column name, or None.
    rule : str
        The rule that failed, in words.
    value : object
        The offending value, when there is one.
    """

    file: str
    row: int | None
    column: str | None
    rule: str
    value: object = None

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        text = ", ".join(where) + f": {self.rule}"
        if self.value is not None:
            text += f" (got {self.value!r})"
        return text


class DataValidationError(LspError):
    """An input file failed validation. Carries every problem found, not only the first.

    >>> err = DataValidationError([Problem("returns.csv", 3, "value", "must be >= 0", -1)])
    >>> print(err)
    1 problem in input data:
      returns.csv, row 3, column 'value': must be >= 0 (got -1)
    """

    def __init__(self, problems: list[Problem], context: str = "input data"):
        self.problems = list(problems)
        n = len(self.problems)
        shown = "\n".join(f"  {p}" for p in self.problems[:50])
        more = f"\n  ... and {n - 50} more" if n > 50 else ""
        super().__init__(f"{n} problem{'s' if n != 1 else ''} in {context}:\n{shown}{more}")
