"""The package's exception hierarchy: every exception class of lsp_research lives here.

The contract
------------
Every error the package raises on purpose derives from :class:`LspError`, so the command line turns it
into a message (``lsp-research: error: ...``) and exit code :attr:`LspError.exit_code` instead of a
traceback. Messages say what was wrong and what is allowed; input problems name the file, row, column
and rule. A builtin exception (``AssertionError``, a bare ``RuntimeError``) is left only for a broken
programming contract inside the package, never for something a user or a data supplier can cause.

What each class is for:

- :class:`LspError` -- the base; exit code 2 (bad input, parameters or configuration; nothing published).
- :class:`InputError` -- a value handed to a function is not allowed (a column missing from a table, a
  negative count, an unknown method name). Also a ``ValueError``, so ``except ValueError`` still works.
- :class:`PeriodError` -- a period string or range cannot be parsed or is outside the data.
- :class:`ParameterError` -- a notebook or command parameter is unknown, missing, ill-typed or not allowed.
- :class:`ConfigError` and its kinds :class:`ProgrammeError`, :class:`RegistryError` -- a configuration
  file or setting is missing or invalid.
- :class:`DisclosureError` -- disclosure control refuses a table it cannot vouch for.
- :class:`AuditError` -- a published report failed the pre-publication audit.
- :class:`RunError` -- a run finished but some reports failed (exit code 1).
- :class:`RunInterrupted` -- not an error but a ``KeyboardInterrupt``: a run stopped by a signal (130).
- :class:`RunLockedError`, :class:`DataLockedError` -- another run or data build holds the lock.
- :class:`KernelStartError` -- a notebook kernel did not start (also a ``RuntimeError``).
- :class:`InconsistentAssessmentError` -- a performance assessment contradicts itself.
- :class:`DataValidationError` -- an input file failed validation (every :class:`Problem` found), and
  :class:`FileProblem` -- a file cannot be read at all.

>>> try:
...     raise PeriodError("'2009Q7' is not a period; use YYYYQn, e.g. 2009Q3")
... except LspError as exc:
...     print(exc)
'2009Q7' is not a period; use YYYYQn, e.g. 2009Q3
>>> isinstance(InputError("x"), ValueError) and issubclass(FileProblem, LspError)
True
"""

from __future__ import annotations

from dataclasses import dataclass


class LspError(Exception):
    """Base class of every error raised on purpose by lsp_research."""

    exit_code = 2


class ConfigError(LspError):
    """A configuration file or setting is missing or invalid."""


class InputError(LspError, ValueError):
    """A value given to a function is not allowed; the message names the argument and what is allowed."""


class PeriodError(InputError):
    """A period string or range cannot be parsed or is outside the data."""


class ParameterError(InputError):
    """A notebook parameter is unknown, missing, ill-typed or outside its allowed values."""


class ProgrammeError(ConfigError):
    """``programme.yml`` is invalid."""


class RegistryError(ConfigError):
    """The indicator registry is invalid."""


class DisclosureError(InputError):
    """Disclosure control refuses a table it cannot vouch for (for example counts already protected)."""


class AuditError(LspError):
    """A published report failed the pre-publication audit."""


class RunError(LspError):
    """One or more notebook runs failed; the summary says which."""

    exit_code = 1


class RunLockedError(LspError):
    """Another run holds the lock of this period."""


class RunInterrupted(KeyboardInterrupt):
    """The run was stopped by SIGINT or SIGTERM (exit code 130); the message says what was kept.

    An interruption, not an error: it derives from ``KeyboardInterrupt`` so that no ``except
    Exception`` (nor ``except LspError``) on the way up swallows it.
    """


class DataLockedError(LspError):
    """A data build and a run (or two builds) tried to use the processed folder at the same time."""


class KernelStartError(LspError, RuntimeError):
    """A kernel did not start; the message ends with the kernel's own error output.

    >>> print(KernelStartError("the kernel ended before it answered", "Traceback:\\nValueError: x\\n"))
    the kernel ended before it answered (ValueError: x); its error output ends:
    Traceback:
    ValueError: x
    """

    def __init__(self, what: str, output: str = ""):
        self.what, self.output = what, output.strip()
        lines = self.output.splitlines()
        if not lines:
            super().__init__(f"{what} (it wrote nothing)")
            return
        tail = "\n".join(lines[-12:])
        super().__init__(f"{what} ({lines[-1].strip()}); its error output ends:\n{tail}")


class InconsistentAssessmentError(LspError):
    """An assessment whose statements contradict each other; nothing is published from it."""


@dataclass(frozen=True)
class Problem:
    """One validation problem in an input file.

    Attributes
    ----------
    file : str
        The file that holds the problem, as the loader was given it.
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


class FileProblem(LspError):
    """A file cannot be read at all (carries its problems).

    >>> print(FileProblem([Problem("wards.csv", None, None, "the file is empty")]))
    wards.csv: the file is empty
    """

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(map(str, problems)))
        self.problems = problems
