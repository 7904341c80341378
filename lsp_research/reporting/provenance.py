"""How a report was made: the facts printed in every report's footer.

:func:`collect` gathers, once per run, the code version (the git commit when the project is a git
checkout, else the package version), the SHA-256 of ``requirements.lock``, the processed-data manifest
(one hash and extract date per table or source), stale-source warnings from
:func:`lsp_research.data.status`, whether the data is the synthetic default set
(:func:`lsp_research.data.is_synthetic`) and the generation time. :func:`render_footer` turns it, with
the report's own parameters, into HTML.

The generation time honours ``SOURCE_DATE_EPOCH`` (seconds since 1970, the reproducible-builds
convention), so two runs with the variable set give byte-identical reports. No absolute path is ever
printed: files are named relative to the project.

Examples
--------
>>> import os
>>> os.environ["SOURCE_DATE_EPOCH"] = "1262304000"
>>> generated_at()
'2010-01-01T00:00:00Z'
>>> del os.environ["SOURCE_DATE_EPOCH"]
>>> prov = {"code_version": "git abc123", "lock_sha256": "f" * 64, "data": [], "stale": [],
...         "synthetic": True, "generated": "2010-01-01T00:00:00Z"}
>>> html = render_footer(prov, parameters={"period": "2009Q3"}, period="2009-10 Q3", tier="board")
>>> "period" in html and "git abc123" in html and "synthetic default data" not in html
True
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import json
import os
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .. import __version__, config
from ..errors import ConfigError
from .pages import render

__all__ = [
    "code_version",
    "collect",
    "for_period",
    "generated_at",
    "lock_hash",
    "render_banner",
    "render_footer",
    "render_footer_line",
]

_HASH_KEYS = ("sha256", "hash", "md5", "digest", "checksum")
_DATE_KEYS = (
    "extract_date",
    "extracted",
    "extracted_on",
    "last_updated",
    "updated",
    "as_of",
    "date",
)


def generated_at(now: _dt.datetime | None = None) -> str:
    """The generation time as ISO 8601 UTC, from ``SOURCE_DATE_EPOCH`` when it is set.

    >>> generated_at(_dt.datetime(2009, 12, 31, 23, 59, 30, 123, tzinfo=_dt.UTC))
    '2009-12-31T23:59:30Z'
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            stamp = _dt.datetime.fromtimestamp(int(epoch), tz=_dt.UTC)
        except ValueError:
            raise ConfigError(
                f"SOURCE_DATE_EPOCH: {epoch!r} is not a whole number of seconds since 1970-01-01"
            ) from None
    else:
        stamp = now or _dt.datetime.now(tz=_dt.UTC)
    return stamp.astimezone(_dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def code_version(root: Path | None = None) -> str:
    """``"git <commit>"`` (with ``" + local changes"`` when the tree differs) or the package version."""
    root = Path(root or config.PROJ_ROOT)
    if (root / ".git").exists():
        try:
            commit = subprocess.run(
                ["git", "rev-parse", "--short=12", "HEAD"], cwd=root, capture_output=True,
                text=True, check=True, timeout=10,
            ).stdout.strip()  # fmt: skip
            dirty = subprocess.run(
                ["git", "status", "--porcelain", "--untracked-files=no", "--", "lsp_research",
                 "notebooks", "pyproject.toml", "requirements.lock"],
                cwd=root, capture_output=True, text=True, timeout=10,
            ).stdout.strip()  # fmt: skip
            if commit:
                return f"git {commit}" + (" + local changes" if dirty else "")
        except (OSError, subprocess.SubprocessError):
            pass
    return f"lsp-research {__version__}"


def lock_hash(root: Path | None = None) -> str | None:
    """SHA-256 of ``requirements.lock`` (None when there is no lock file)."""
    path = Path(root or config.PROJ_ROOT) / "requirements.lock"
    if not path.is_file():
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _first(mapping: Mapping, keys) -> Any:
    for k in keys:
        if k in mapping and mapping[k] not in (None, ""):
            return mapping[k]
    return None


def _manifest_rows(manifest: Any) -> list[dict]:
    """Rows of data versions from a processed-data manifest.

    The loader's manifest (``lsp_research.data.build``) has one entry per table under ``"tables"``
    with its SHA-256, row count, source and coverage. Any other shape is read generously: every
    mapping that carries a hash becomes a row, named by its key.

    >>> _manifest_rows({"tables": {"wards": {"sha256": "ab", "rows": 25, "source": "geography"},
    ...                            "deaths": {"sha256": "cd", "coverage": {"start": 2004, "end": 2009}}}})
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'name': 'deaths', 'source': None, 'sha256': 'cd', 'date': None, 'rows': None, 'covers': '2004 to 2009'},
     {'name': 'wards', 'source': 'geography', 'sha256': 'ab', 'date': None, 'rows': 25, 'covers': None}]
    >>> _manifest_rows({"files": {"police": {"sha256": "ef", "last_updated": "2010-03-31"}}})
    [{'name': 'police', 'sha256': 'ef', 'date': '2010-03-31', 'rows': None}]
    """
    rows: list[dict] = []
    tables = manifest.get("tables") if isinstance(manifest, Mapping) else None
    if isinstance(tables, Mapping) and tables:
        for name, info in sorted(tables.items()):
            if not isinstance(info, Mapping):
                continue
            cov = info.get("coverage") or {}
            covers = None
            if isinstance(cov, Mapping) and cov.get("start") is not None:
                covers = f"{cov.get('start')} to {cov.get('end')}"
            rows.append(
                {
                    "name": str(name),
                    "source": info.get("source"),
                    "sha256": info.get("sha256"),
                    "date": _first(info, _DATE_KEYS),
                    "rows": info.get("rows"),
                    "covers": covers,
                }
            )
        return rows

    def walk(node: Any, name: str) -> None:
        if isinstance(node, Mapping):
            digest = _first(node, _HASH_KEYS)
            if isinstance(digest, str):
                label = node.get("name") or node.get("file") or node.get("path") or name
                rows.append(
                    {
                        "name": Path(str(label)).name if "/" in str(label) else str(label),
                        "sha256": digest,
                        "date": _first(node, _DATE_KEYS),
                        "rows": node.get("rows", node.get("n_rows")),
                    }
                )
                return
            for key, value in node.items():
                walk(value, str(key))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{name}[{i}]")

    walk(manifest, "data")
    seen = set()
    unique = []
    for row in sorted(rows, key=lambda r: (r["name"], r["sha256"])):
        key = (row["name"], row["sha256"])
        if key not in seen:
            seen.add(key)
            unique.append(row)
    return unique


def _source_status(period: str | None) -> tuple[list[dict], list[str]]:
    """Rows of ``data.status(as_of=period)`` and the stale-source warnings in words."""
    try:
        from .. import data
    except ImportError:
        return [], []
    status = getattr(data, "status", None)
    if status is None:
        return [], []
    try:
        table = status(as_of=period) if period else status()
    except Exception as exc:  # noqa: BLE001 - the footer must not break a report; it says what happened instead
        return [], [f"Data freshness could not be checked ({type(exc).__name__})."]
    try:
        records = table.to_dict("records")
    except AttributeError:
        return [], []
    return [_plain(r) for r in records], _stale_warnings(records, period)


def _plain(rec: Mapping) -> dict:
    out = {}
    for k, v in rec.items():
        if v is None or (isinstance(v, float) and v != v) or str(v) in ("NaT", "<NA>", "nan"):
            out[k] = None
        elif hasattr(v, "isoformat"):
            out[k] = v.isoformat()[:10]
        elif hasattr(v, "item"):
            out[k] = v.item()
        else:
            out[k] = v
    return out


def _stale_warnings(records: list[Mapping], period: str | None = None) -> list[str]:
    """Stale sources in words.

    >>> _stale_warnings([{"source": "police", "stale": True, "last_updated": "2009-01-31",
    ...                   "age_days": 242, "refresh_days": 92}], "2009Q3")
    ['police: last updated 2009-01-31, 242 days before the end of 2009Q3; it should be refreshed every 92 days.']
    """
    warnings: list[str] = []
    for rec in records:
        stale = rec.get("stale", rec.get("is_stale"))
        if stale is True or (
            isinstance(stale, int | float) and not isinstance(stale, bool) and stale
        ):
            name = rec.get("source") or rec.get("name") or "a source"
            last = rec.get("last_updated") or rec.get("extract_date")
            age, every = rec.get("age_days"), rec.get("refresh_days")
            text = f"{name}: "
            if last is not None and str(last) not in ("", "NaT", "None"):
                text += f"last updated {str(last)[:10]}"
                if age is not None:
                    when = f"the end of {period}" if period else "today"
                    text += f", {age} days before {when}"
            else:
                text += "data may be out of date"
            if every is not None:
                text += f"; it should be refreshed every {every} days"
            warnings.append(text + ".")
    return sorted(warnings)


def collect(processed_dir: Path | None = None, *, period: str | None = None) -> dict:
    """Gather the run-wide provenance facts (call once per run and pass to every export).

    Parameters
    ----------
    processed_dir : path, optional
        The processed-data folder (default: ``config.get_paths().processed``).
    period : str, optional
        The run's quarter (``"2009Q3"``): source freshness is measured at its end (see
        :func:`lsp_research.data.status`); without it, at today's date, which makes old data look
        stale.

    Returns
    -------
    dict
        ``code_version``, ``lock_sha256``, ``data`` (one row per processed table: ``name``,
        ``source``, ``rows``, ``covers``, ``date``, ``sha256``), ``sources`` (rows of
        ``data.status``), ``stale`` (warnings in words), ``synthetic`` (bool), ``generated`` (ISO
        time, from ``SOURCE_DATE_EPOCH`` when set).
    """
    manifest_path = (
        Path(processed_dir) / "manifest.json" if processed_dir else config.get_paths().manifest
    )
    manifest: dict = {}
    if manifest_path.is_file():
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            manifest = {}
    data_rows = _manifest_rows(manifest) if manifest else []
    sources, stale = _source_status(str(period) if period else None)
    extract = {r.get("source"): r.get("last_updated") for r in sources}
    for row in data_rows:
        if not row.get("date") and row.get("source") in extract:
            row["date"] = extract[row["source"]]
    return {
        "as_of": str(period) if period else None,
        "code_version": code_version(),
        "lock_sha256": lock_hash(),
        "data": data_rows,
        "sources": sources,
        "stale": stale,
        "synthetic": bool(manifest.get("synthetic", False))
        if isinstance(manifest, dict)
        else False,
        "generated": generated_at(),
    }


@functools.lru_cache(maxsize=32)
def _status_at(period: str, processed: str) -> tuple[tuple[dict, ...], tuple[str, ...]]:
    sources, stale = _source_status(period)
    return tuple(sources), tuple(stale)


def for_period(prov: Mapping, period: str | None) -> dict:
    """``prov`` with source freshness measured at the end of ``period``.

    A run collects provenance once; when it did so without the period (freshness then measured at
    today's date, which makes every old source look stale), each report re-measures it at its own
    period. Results are cached per period.

    >>> for_period({"as_of": "2009Q3", "stale": ["x"]}, "2009Q3")["stale"]
    ['x']
    """
    prov = dict(prov)
    if not period or prov.get("as_of") == str(period):
        return prov
    sources, stale = _status_at(str(period), str(config.get_paths().processed))
    prov.update(as_of=str(period), sources=[dict(r) for r in sources], stale=list(stale))
    return prov


def _fmt_param(value: Any) -> str:
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return str(value)


def render_banner(prov: Mapping) -> str:
    """Warnings shown at the top of a report: the synthetic-data notice and stale sources.

    >>> render_banner({"synthetic": False, "stale": []})
    ''
    >>> "2 sources may be out of date" in render_banner({"synthetic": False, "stale": ["a", "b"]})
    True
    """
    return render(
        "banner.html.j2",
        synthetic=bool(prov.get("synthetic")),
        notice=config.SYNTHETIC_NOTICE,
        n_stale=len(prov.get("stale") or []),
    )


def render_reach(ctx: Mapping) -> str:
    """The line at the top of a report saying how far its data reaches, and "as at" when earlier.

    ``ctx`` is the export context: ``data_to`` (``{source: quarter}``), ``as_at`` and ``period``.

    >>> render_reach({"data_to": {"hospital": "2009Q4"}, "as_at": "2009Q4", "period": "2010Q1"})[:60]
    '<p class="lsp-notice lsp-reach"><strong>Data to:</strong> ho'
    >>> render_reach({"period": "2010Q1"})
    ''
    """
    from ..periods import Quarter
    from .reach import reach_text

    data_to = ctx.get("data_to") or {}
    if not data_to or not ctx.get("period"):
        return ""
    period = Quarter.parse(str(ctx["period"]))
    as_at = Quarter.parse(str(ctx.get("as_at") or period))
    text = reach_text(data_to, as_at, period).removeprefix("Data to: ")
    return render("reach.html.j2", text=text)


#: Who reads each tier, in words (the page's label, its links to the other versions, the footer).
READERS = {
    "board": "the Board",
    "executive": "the management group",
    "operational": "analysts and the management group",
}
#: A report over wards or area committees (a profile): its executive version is the area committees'.
AREA_READERS = {**READERS, "executive": "area committee members"}


def readers(tier: str, over=None) -> str:
    """Who reads a tier, in words ("the Board").

    ``over`` is the report's ``over:`` in the programme (``city``, ``wards``, ``areas`` or a list of
    areas): a report about wards or area committees is read by area committee members at the
    executive tier.

    >>> readers("board"), readers("executive", "wards"), readers("executive", "city")
    ('the Board', 'area committee members', 'the management group')
    """
    table = AREA_READERS if over is not None and over != "city" else READERS
    return table.get(tier, tier)


def audience(tier: str, over=None) -> str:
    """The page's label naming its readers (:func:`readers`).

    >>> audience("board"), audience("executive", "areas"), audience("operational")
    ('For the Board', 'For area committee members', 'For analysts and the management group')
    """
    return f"For {readers(tier, over)}"


def render_footer(
    prov: Mapping,
    *,
    parameters: Mapping | None = None,
    period: str | None = None,
    tier: str | None = None,
    notebook: str | None = None,
    heading: str = "How this report was made",
    over: str | None = None,
) -> str:
    """The provenance footer as HTML (a ``<footer id="provenance">`` with an ``<h2>``).

    The synthetic-data notice is not repeated here: the banner at the top of the page carries it.
    """
    lock = prov.get("lock_sha256")
    data_rows = [
        {
            "name": str(r.get("name")),
            "source": str(r.get("source") or ""),
            "covers": str(r.get("covers") or ""),
            "date": str(r.get("date") or "not recorded"),
            "sha256": str(r.get("sha256"))[:16],
        }
        for r in prov.get("data") or []
    ]
    return render(
        "footer.html.j2",
        notebook=notebook,
        audience=audience(tier, over) if tier else None,
        period=period,
        parameters=[(str(k), _fmt_param(v)) for k, v in sorted((parameters or {}).items())],
        code_version=prov.get("code_version") or f"lsp-research {__version__}",
        lock=lock,
        data=data_rows,
        stale=prov.get("stale") or [],
        generated=str(prov.get("generated") or generated_at()),
        heading=heading,
    )


def render_footer_line(
    prov: Mapping, *, href: str, period: str | None = None, notebook: str | None = None
) -> str:
    """One small-print line closing a page, linking to the period's provenance page ``href``.

    >>> prov = {"code_version": "git abc", "generated": "2010-01-01T00:00:00Z"}
    >>> line = render_footer_line(prov, href="../../provenance.html", period="2009-10 Q3",
    ...                           notebook="notebooks/performance.ipynb")
    >>> '<a href="../../provenance.html">how these reports were made</a>' in line, "<table" in line
    (True, False)
    """
    return render(
        "footer_line.html.j2",
        notebook=notebook,
        period=period,
        generated=str(prov.get("generated") or generated_at()),
        code_version=prov.get("code_version") or f"lsp-research {__version__}",
        href=href,
    )
