r"""The log of a run, through the standard :mod:`logging` module (logger ``lsp_research.runner``).

A :class:`RunLog` attaches two handlers to the logger for the length of one run:

- **run.log** (:meth:`RunLog.start_file`, once the run's internal staging folder exists): every record,
  as ``<local time> <LEVEL> <message>``; records logged before the folder exists are kept and written
  first, and :meth:`RunLog.close` ends the file with the summary table;
- **the console** (the ``stream``, standard error by default): progress at INFO unless ``quiet``,
  ``warning: ...`` and ``error: ...`` lines always. While a progress bar shows (:attr:`RunLog.bar`),
  console lines go through it so that they do not break it. A record logged with ``echo=False`` (the
  ``console`` attribute False) goes to run.log only.

The logger does not propagate to the root logger, so a process that configures logging for itself
does not print the run's lines twice.

Examples
--------
>>> import io, tempfile, pathlib
>>> out = io.StringIO()
>>> log = RunLog(quiet=False, stream=out)
>>> log.info("latest is 2009Q4", echo=False)
>>> log.info("3 to run, 0 cached")
>>> log.error("failed  a/city in 1.0 s")
>>> path = pathlib.Path(tempfile.mkdtemp()) / "run.log"
>>> log.start_file(path)
>>> log.close("2 runs for 2009Q4")
>>> print(out.getvalue(), end="")
3 to run, 0 cached
error: failed  a/city in 1.0 s
>>> import re
>>> print(re.sub(r"^\d{4}-\S+ ", "", path.read_text(), flags=re.M), end="")
INFO latest is 2009Q4
INFO 3 to run, 0 cached
ERROR failed  a/city in 1.0 s
<BLANKLINE>
2 runs for 2009Q4
"""

from __future__ import annotations

import datetime as _dt
import logging
import sys
from pathlib import Path
from typing import Any, TextIO

__all__ = ["LOGGER_NAME", "RunLog"]

#: The logger every run writes to.
LOGGER_NAME = "lsp_research.runner"
_PREFIX = {logging.WARNING: "warning: ", logging.ERROR: "error: "}


class _RunLogFormatter(logging.Formatter):
    """``<local time, ISO 8601 to the second> <LEVEL> <message>``."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        stamp = _dt.datetime.fromtimestamp(record.created).astimezone()
        return stamp.replace(microsecond=0).isoformat()


class _Console(logging.Handler):
    """The console lines of a run (through the progress bar when one shows)."""

    def __init__(self, log: RunLog):
        super().__init__(logging.WARNING if log.quiet else logging.INFO)
        self.log = log

    def emit(self, record: logging.LogRecord) -> None:
        if not getattr(record, "console", True):
            return
        text = _PREFIX.get(record.levelno, "") + record.getMessage()
        bar = self.log.bar
        if bar is not None:
            bar.write(text, file=self.log.stream)
        else:
            print(text, file=self.log.stream, flush=True)


class _Pending(logging.Handler):
    """Records logged before run.log can be opened."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class RunLog:
    """The log of one run: run.log and the console (see the module notes).

    Parameters
    ----------
    quiet : bool
        Console shows only warnings and errors.
    stream : text stream, optional
        The console (default ``sys.stderr``).
    """

    def __init__(self, quiet: bool, stream: TextIO | None):
        self.quiet = quiet
        self.stream = stream if stream is not None else sys.stderr
        self.warnings: list[str] = []
        #: the progress bar (``tqdm``) while one shows
        self.bar: Any = None
        self.logger = logging.getLogger(LOGGER_NAME)
        self.logger.setLevel(logging.INFO)
        self.logger.propagate = False
        self._pending: _Pending | None = _Pending()
        self._file: logging.FileHandler | None = None
        self._handlers: list[logging.Handler] = [_Console(self), self._pending]
        for handler in self._handlers:
            self.logger.addHandler(handler)

    def info(self, text: str, echo: bool = True) -> None:
        """Progress: in run.log, and on the console unless quiet or ``echo`` is False."""
        self.logger.info(text, extra={"console": echo})

    def warning(self, text: str) -> None:
        """A warning: in run.log, on the console and in the summary's warnings."""
        self.warnings.append(text)
        self.logger.warning(text)

    def error(self, text: str) -> None:
        """A failure: at ERROR in the log, always on the console (also when quiet)."""
        self.logger.error(text)

    @property
    def terminal(self) -> bool:
        """True when the console is a terminal (a progress bar); else one line per finished report."""
        try:
            return bool(self.stream.isatty())
        except (AttributeError, ValueError):
            return False

    def start_file(self, path: Path) -> None:
        """Write every record to ``path`` from now on, after the ones logged so far."""
        handler = logging.FileHandler(path, mode="w", encoding="utf-8")
        handler.setFormatter(_RunLogFormatter("%(asctime)s %(levelname)s %(message)s"))
        for record in self._pending.records if self._pending else []:
            handler.handle(record)
        self._drop(self._pending)
        self._pending = None
        self._file = handler
        self._handlers.append(handler)
        self.logger.addHandler(handler)

    def close(self, summary: str | None = None) -> None:
        """End the run's logging: run.log ends with a blank line and ``summary``; handlers removed.

        Calling it again does nothing.
        """
        if self._file is not None and summary is not None:
            self._file.acquire()
            try:
                self._file.stream.write(f"\n{summary}\n")
            finally:
                self._file.release()
        for handler in list(self._handlers):
            self._drop(handler)
        self._file = self._pending = None

    def _drop(self, handler: logging.Handler | None) -> None:
        if handler is None:
            return
        self.logger.removeHandler(handler)
        if handler in self._handlers:
            self._handlers.remove(handler)
        handler.close()
