"""A data build and a run exclude each other, so a run reads one consistent set of processed tables.

A quarterly run reads ``data/processed/`` for minutes; a build replaces its tables one by one. Were
they to overlap, some reports would be made from the old tables and some from the new, with the
provenance of neither. So a run holds a *shared* lock on the processed folder from before it reads
anything until it has published, and a build holds an *exclusive* one while it validates and writes:
runs can go on side by side, a build waits for none of them but fails at once, naming who holds the
folder, and a run started during a build fails the same way. Both locks are ``flock`` locks on the file
``.<folder>.lock`` beside the processed folder (not inside it: the folder's content is what runs
hash), released when the holder ends, however it ends.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp()) / "processed"
>>> with reading(d, "a run for 2009Q3"), reading(d, "another run"):
...     with writing(d, "a data build"):
...         pass
Traceback (most recent call last):
...
lsp_research.errors.DataLockedError: cannot start a data build: ... is being read by ... (pid ...
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path

from .errors import DataLockedError


def _lock_path(processed: Path) -> Path:
    processed = Path(processed).resolve()
    return processed.parent / f".{processed.name}.lock"


def _holders_dir(processed: Path) -> Path:
    return _lock_path(processed).with_suffix(".holders")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _holders(processed: Path) -> list[str]:
    """Who holds the folder, from the notes each holder leaves (notes of ended processes skipped)."""
    out = []
    folder = _holders_dir(processed)
    for note in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            info = json.loads(note.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if info.get("host") == socket.gethostname() and not _alive(int(info.get("pid", 0))):
            continue
        out.append(f"{info.get('what')} (pid {info.get('pid')}, started {info.get('started')})")
    return out


@contextlib.contextmanager
def _hold(processed: Path, what: str, exclusive: bool) -> Iterator[None]:
    import fcntl

    lock = _lock_path(processed)
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
            raise
        holders = " and ".join(_holders(processed)) or "another process"
        if exclusive:
            raise DataLockedError(
                f"cannot start {what}: {Path(processed).resolve()} is being read by {holders}; "
                "a build would change the tables under it. Run it again when that has finished."
            ) from None
        raise DataLockedError(
            f"cannot start {what}: {Path(processed).resolve()} is being rebuilt by {holders}; "
            "its tables are changing. Run it again when the build has finished."
        ) from None
    note = _holders_dir(processed) / f"{socket.gethostname()}-{os.getpid()}-{id(what)}.json"
    try:
        note.parent.mkdir(exist_ok=True)
        started = _dt.datetime.now().astimezone().replace(microsecond=0).isoformat()
        info = {"what": what, "pid": os.getpid(), "host": socket.gethostname(), "started": started}
        note.write_text(json.dumps(info), encoding="utf-8")
    except OSError:
        note = None  # the note only names the holder in messages
    try:
        yield
    finally:
        if note is not None:
            note.unlink(missing_ok=True)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def reading(processed: Path, what: str):
    """Hold the processed folder for reading (a run): shared with other readers, refused during a
    build with :class:`DataLockedError`.
    """
    return _hold(processed, what, exclusive=False)


def writing(processed: Path, what: str):
    """Hold the processed folder for writing (a build): refused with :class:`DataLockedError` while a
    run reads it or another build writes it.
    """
    return _hold(processed, what, exclusive=True)
