"""The work every profile of a period shares, computed once per period and stored as an artefact.

Every ward's and area committee's profile shows the range across wards, the city value and a
disclosure decision taken over all wards at once, so each needs every area's indicators
(:func:`~.analysis.period_indicators`). Computed in each of the period's 30 runs, that cost grows with
the number of wards and a programme with its square. Instead, :func:`shared_indicators` computes them
once per period and input, stores them under ``data/cache/profiles/`` (beside the processed folder, not
in it: runs hash the processed folder), and every later run reads them. The artefact's key is a content
hash of the input tables (their processed files, or the frames themselves when they were built in
memory), the code version of the function (a hash of the package source it can run:
:func:`lsp_research.reporting.cache.code_fingerprint`), the quarter and the years pooled, so a changed
table, a changed method or another window gives another artefact. Runs in parallel compute it once: the
first holds a lock while it computes and writes (atomically); the others wait and read.

>>> import pandas as pd
>>> a = frames_key({"x": pd.DataFrame({"n": [1, 2]})})
>>> a == frames_key({"x": pd.DataFrame({"n": [1, 2]})}), a == frames_key({"x": pd.DataFrame({"n": [1, 3]})})
(True, False)
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import pickle
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

import pandas as pd

from ... import periods
from ...config import get_paths
from ...reporting.cache import code_fingerprint
from . import analysis
from .inputs import INPUTS

#: The module whose code (and all it imports from the package) the artefact depends on.
CODE = "lsp_research.topics.profiles.analysis"


def default_folder() -> Path:
    """``data/cache/profiles/``: beside the processed folder (``LSP_PROCESSED_DIR``), not inside it."""
    return get_paths().processed.parent / "cache" / "profiles"


def files_key(paths: Mapping[str, Path]) -> str:
    """A content hash of input tables read from files (name -> file), by the files' bytes."""
    h = hashlib.sha256()
    for name in sorted(paths):
        h.update(name.encode() + b"\0")
        with open(paths[name], "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def frames_key(frames: Mapping[str, pd.DataFrame]) -> str:
    """A content hash of input tables held in memory (name -> frame: columns, dtypes and values)."""
    h = hashlib.sha256()
    for name in sorted(frames):
        df = pd.DataFrame(frames[name])
        if "geometry" in df.columns:
            df = df.assign(geometry=[g.wkb for g in df["geometry"]])
        h.update(name.encode() + b"\0" + repr(df.dtypes.astype(str).to_dict()).encode())
        h.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    return h.hexdigest()


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path, "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, however the holder ends
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _read(path: Path) -> analysis.PeriodIndicators | None:
    try:
        with open(path, "rb") as f:
            return pickle.load(f)
    except (OSError, pickle.UnpicklingError, EOFError):
        return None


def shared_indicators(
    inputs,
    quarter: periods.Quarter,
    years: int,
    tables_key: str | None = None,
    folder: Path | None = None,
) -> analysis.PeriodIndicators:
    """The period's :class:`~.analysis.PeriodIndicators`, from its artefact (computed on first use).

    Parameters
    ----------
    inputs : Inputs
        The profile's input tables.
    quarter, years
        The window's last quarter and the financial years pooled.
    tables_key : str, optional
        The content hash of ``inputs`` when the caller knows it (:func:`files_key` of the processed
        files they were read from); default :func:`frames_key` of the tables themselves.
    folder : Path, optional
        Where artefacts are kept (default :func:`default_folder`).
    """
    tables_key = tables_key or frames_key({n: inputs[n] for n in INPUTS})
    key = hashlib.sha256(
        json.dumps(
            {"function": f"{CODE}.period_indicators", "code": code_fingerprint([CODE]),
             "tables": tables_key, "quarter": str(quarter), "years": int(years)},
            sort_keys=True,
        ).encode()
    ).hexdigest()  # fmt: skip
    folder = Path(folder or default_folder())
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"period_indicators-{quarter}-{int(years)}y-{key[:20]}.pickle"
    found = _read(path) if path.is_file() else None
    if found is not None:
        return found
    with _locked(folder / f".{path.name}.lock"):
        found = _read(path) if path.is_file() else None  # another run computed it while we waited
        if found is not None:
            return found
        result = analysis.period_indicators(inputs, quarter, years)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                pickle.dump(result, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)  # atomic: a reader sees the whole artefact or none
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return result
