"""Shared pieces of the synthetic generator: random streams, the domain tables, deterministic writers.

Every component draws from its own stream, derived from the one seed and the component's name, so that
changing one component leaves the others' records unchanged.

>>> a = stream(1, "police").integers(0, 1000, 3)
>>> b = stream(1, "police").integers(0, 1000, 3)
>>> bool((a == b).all()), bool((a == stream(1, "wellness").integers(0, 1000, 3)).all())
(True, False)
>>> gz = gzip_bytes(b"a,b\\n1,2\\n")
>>> gz == gzip_bytes(b"a,b\\n1,2\\n"), gzip.decompress(gz)
(True, b'a,b\\n1,2\\n')
"""

from __future__ import annotations

import datetime
import gzip
import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from ... import config

#: Financial years covered (start years): 2004-05 to 2009-10.
FIN_YEARS = tuple(range(2004, 2010))
#: Mid-year population years.
POP_YEARS = tuple(range(2004, 2011))
#: First and last day of the data period.
PERIOD_START = datetime.date(2004, 4, 1)
PERIOD_END = datetime.date(2010, 3, 31)

#: Life-table age bands used by the mortality file.
LE_BANDS = ("0", "1-4") + config.ESP2013_BANDS[1:]


def stream(seed: int, name: str) -> np.random.Generator:
    """A numpy Generator for one component, derived from ``seed`` and the component ``name``."""
    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "little")
    return np.random.default_rng([int(seed), key])


#: The synthetic geography in use (a :class:`~lsp_research.data.synth.layout.Layout`), or None for the
#: 25 Sunderland wards of the domain files (the default data set).
_LAYOUT: list = [None]
#: Cached functions whose result depends on the geography in use (cleared when it changes).
_LAYOUT_CACHES: list = []


def layout_cache(fn: Callable) -> Callable:
    """``functools.cache`` for a function whose result depends on the geography in use."""
    cached = cache(fn)
    _LAYOUT_CACHES.append(cached)
    return cached


def active_layout():
    """The synthetic geography in use, or None for the Sunderland domain files."""
    return _LAYOUT[0]


@contextmanager
def using(layout) -> Iterator[None]:
    """Generate for ``layout`` (None: the Sunderland domain) inside the block; restore after it.

    >>> with using(None):
    ...     len(domain_wards())
    25
    """
    prev = _LAYOUT[0]
    _set_layout(layout)
    try:
        yield
    finally:
        _set_layout(prev)


def _set_layout(layout) -> None:
    _LAYOUT[0] = layout
    for fn in _LAYOUT_CACHES:
        fn.cache_clear()


def pop_factor() -> float:
    """The population of the geography in use over Sunderland's (exactly 1 for the default data):
    city-wide volumes (incidents, referral starts) are multiplied by it.
    """
    layout = active_layout()
    return 1.0 if layout is None else layout.pop_factor


def place_code() -> str:
    """The code the place's indicator returns, targets and decisions carry: the city's
    (``config.LAD_CODE``) for the default data, the synthetic geography's otherwise.
    """
    layout = active_layout()
    return config.LAD_CODE if layout is None else layout.place_code


def placed(text: str) -> str:
    """``text`` about the default place (its partners' names, "Sunderland Teaching PCT") said of the
    synthetic geography in use: the default place's name becomes the synthetic place's.

    >>> placed("Sunderland Teaching PCT")
    'Sunderland Teaching PCT'
    """
    layout = active_layout()
    return text if layout is None else text.replace("Sunderland", layout.place_name)


@layout_cache
def domain_wards() -> pd.DataFrame:
    """The wards with their facts, in ward-code order: the 25 of ``resources/domain/wards.csv``, or
    those of the synthetic geography in use (:func:`using`).

    Adds ``imd_z``: the IMD 2007 score standardised over the wards (mean 0, sd 1).

    >>> w = domain_wards()
    >>> len(w), w.ward_code.iloc[0], int(w.pop_2008_est.sum())
    (25, 'E05001153', 279980)
    """
    layout = active_layout()
    if layout is not None:
        w = layout.wards.copy()
    else:
        w = pd.read_csv(config.DOMAIN_DIR / "wards.csv")
    w = w.sort_values("ward_code").reset_index(drop=True)
    s = w["imd2007_score"]
    w["imd_z"] = (s - s.mean()) / s.std(ddof=0)
    return w


@cache
def domain_centres() -> pd.DataFrame:
    """The six wellness centres of ``resources/domain/wellness_centres.csv`` (WGS84)."""
    return pd.read_csv(config.DOMAIN_DIR / "wellness_centres.csv")


def gzip_bytes(data: bytes) -> bytes:
    """Gzip ``data`` reproducibly (no file name, mtime 0)."""
    return gzip.compress(data, compresslevel=9, mtime=0)


def csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 CSV with ``\\n`` line endings, no index; missing values as empty fields."""
    return df.to_csv(index=False, lineterminator="\n").encode("utf-8")


def write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` (creating folders) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def write_csv(path: Path, df: pd.DataFrame) -> Path:
    """Write ``df`` as CSV, gzip-compressed when ``path`` ends in ``.gz``."""
    data = csv_bytes(df)
    if path.suffix == ".gz":
        data = gzip_bytes(data)
    return write_bytes(path, data)


def fy_days(fy: int) -> pd.DatetimeIndex:
    """Every day of financial year ``fy`` (1 April to 31 March)."""
    return pd.date_range(f"{fy}-04-01", f"{fy + 1}-03-31", freq="D")
