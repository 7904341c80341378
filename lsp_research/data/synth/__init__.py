"""The synthetic default data set: a realistic, deterministic, clearly labelled synthetic Sunderland.

:func:`generate` writes every raw file of ``docs/data_contract.md`` (geography, deprivation, population,
mortality, hospital admissions, police incidents, wellness referrals, indicator returns with targets and
comparators), a ``catalogue.yml`` and a ``README.md`` saying the data is synthetic, and the answer file of
the planted indicator cases. Everything comes from one seed: two calls with the same arguments write
byte-identical files. ``scale`` multiplies the number of record-level rows (admissions, incidents,
referrals) for benchmarks; populations are not scaled, and the indicator returns are computed from the
records divided by ``scale``. ``geography_layout`` (:mod:`.layout`, ``data synth --wards N --districts K``)
replaces the 25 Sunderland wards with a synthetic geography of any size, every record scaled with it, and
writes ``place.yml``, the place file of the synthetic place or city region (point ``LSP_PLACE`` at it).

Modules: :mod:`.geography`, :mod:`.population`, :mod:`.mortality`, :mod:`.hospital`, :mod:`.police`,
:mod:`.wellness`, :mod:`.indicators`, :mod:`.catalogue`.

From the command line::

    python -m lsp_research.data.synth OUT_DIR [--scale N] [--seed S]
    python -m lsp_research.data.synth OUT_DIR --wards 400 --districts 5   # a synthetic city region
    python -m lsp_research.data.synth --default    # rewrite data/raw, data/catalogue.yml, answers

>>> generate("/tmp/never-written", scale=0)
Traceback (most recent call last):
...
ValueError: scale must be a positive number, got 0.0
"""

from __future__ import annotations

import datetime
from pathlib import Path

import yaml

from ... import config
from . import (
    board,
    geography,
    hospital,
    indicators,
    layout,
    mortality,
    police,
    population,
    wellness,
)
from . import catalogue as _catalogue
from ._common import using, write_bytes

__all__ = ["generate", "generate_default", "SOURCES_WRITTEN", "layout"]

#: The sources written, in the catalogue's order.
SOURCES_WRITTEN = (
    "geography", "deprivation", "population", "mortality", "hospital", "police", "wellness", "indicators",
    "board",
)  # fmt: skip


def _check(scale: float, seed: int) -> tuple[float, int]:
    try:
        scale = float(scale)
    except (TypeError, ValueError):
        pass  # not a number: refused below, with the same message as a number that is not positive
    if not (isinstance(scale, float) and scale > 0):
        raise ValueError(f"scale must be a positive number, got {scale!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return scale, seed


def generate(
    out_dir: str | Path,
    seed: int = config.DEFAULT_SEED,
    scale: float = 1.0,
    answers_path: str | Path | None = None,
    catalogue_path: str | Path | None = None,
    geography_layout: layout.Layout | None = None,
) -> list[Path]:
    """Write the synthetic raw data set into ``out_dir``.

    Parameters
    ----------
    out_dir : path
        The raw folder to write (``geography/``, ``hospital/``, ... as in ``docs/data_contract.md``).
    seed : int
        The one seed every component's random stream derives from.
    scale : float
        Multiplies the number of admissions, incidents and referrals (for benchmarks).
    answers_path : path, optional
        Where the answer file of planted indicator cases goes (default ``out_dir/answers.json``).
    catalogue_path : path, optional
        Where the catalogue goes (default ``out_dir/catalogue.yml``, which the loader finds there).
    geography_layout : Layout, optional
        A synthetic geography (:func:`.layout.build`: ``N`` wards in ``K`` districts) instead of the 25
        Sunderland wards; every record is generated for its wards and scaled with its population.

    Returns
    -------
    list of Path
        Every file written.
    """
    scale, seed = _check(scale, seed)
    with using(geography_layout):
        return _generate(Path(out_dir), seed, scale, answers_path, catalogue_path, geography_layout)


def _generate(out: Path, seed: int, scale: float, answers_path, catalogue_path, lay) -> list[Path]:
    answers = Path(answers_path) if answers_path is not None else out / "answers.json"
    cat_path = Path(catalogue_path) if catalogue_path is not None else out / "catalogue.yml"
    paths = []
    paths += geography.write(out)
    paths += population.write(out, seed)
    paths += mortality.write(out, seed)
    adm = hospital.admissions(seed, scale)
    paths += hospital.write(out, seed, scale, adm)
    inc = police.incidents(seed, scale)
    paths += police.write(out, seed, scale, inc)
    ref = wellness.referrals(seed, scale)
    paths += wellness.write(out, seed, scale, ref)
    paths += indicators.write(out, seed, adm, scale, answers)
    paths += board.write(out)
    ret = indicators.returns(seed, adm, scale)
    day = datetime.timedelta(days=1)
    last = {
        "geography": datetime.date(2009, 5, 1),
        "deprivation": datetime.date(2011, 3, 24),  # IMD 2010 publication
        "population": datetime.date(2011, 6, 30),  # mid-2010 estimates
        "mortality": datetime.date(2011, 7, 29),  # 2010 deaths
        "hospital": datetime.date.fromisoformat(adm["admission_date"].max()) + 45 * day,
        "police": datetime.date.fromisoformat(inc["date"].max()) + 20 * day,
        "wellness": datetime.date.fromisoformat(ref["referral_date"].max()) + 30 * day,
        "indicators": datetime.date.fromisoformat(ret["submitted_on"].max()),
        "board": datetime.date(2010, 2, 25),  # the 2009Q3 meeting, the last decision recorded
    }
    doc = _catalogue.catalogue(seed, scale, last, lay)
    paths.append(_catalogue.write_catalogue(cat_path, doc))
    paths.append(_catalogue.write_readme(out, seed, scale, lay))
    if lay is not None:
        # the synthetic place's own place file, for LSP_PLACE (a default-data run uses the shipped one)
        text = yaml.safe_dump(layout.place_document(lay), sort_keys=False, allow_unicode=True)
        paths.append(write_bytes(out / "place.yml", text.encode("utf-8")))
    return paths


def generate_default(seed: int = config.DEFAULT_SEED) -> list[Path]:
    """Rewrite the committed default data: ``data/raw``, ``data/catalogue.yml``,
    ``data/synthetic/answers.json`` (under the project root, ignoring the ``LSP_*`` variables).
    """
    data = config.PROJ_ROOT / "data"
    return generate(
        data / "raw",
        seed=seed,
        answers_path=data / "synthetic" / "answers.json",
        catalogue_path=data / "catalogue.yml",
    )
