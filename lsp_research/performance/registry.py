"""The indicator registry: ``indicators.yml`` loaded and validated.

The registry is a YAML file that users edit (see ``docs/adding_an_indicator.md``). It has three sections:
``indicators`` (one entry per indicator), ``targets`` (a trajectory by financial year per indicator) and
``settings`` (the management group's rules in numbers). Every problem found is reported at once, each naming
the entry it concerns, in a :class:`~lsp_research.errors.RegistryError`.

>>> reg = parse_registry({
...     "indicators": [{
...         "code": "NI 39", "title": "Alcohol-harm related hospital admissions", "theme": "healthy",
...         "partnership": "Healthy City", "owner": "PCT", "lead": "Director of Public Health",
...         "unit": "per 100,000", "measure": "dsr", "multiplier": 100000, "polarity": "lower",
...         "frequency": "quarterly", "source": "HES"}],
...     "targets": {"NI39": {"synthetic": True, "trajectory": {"2009-10": 2300}}},
... })
>>> ind = reg["NI39"]
>>> ind.label, ind.improvement, ind.target_for(2009), ind.target_for(2010)
('NI 39', 'decrease', 2300.0, None)
>>> parse_registry({"indicators": [{**reg.raw[0], "polarity": "up"}]})
Traceback (most recent call last):
...
lsp_research.errors.RegistryError: indicator registry <dict> has 1 problem:
  indicators[1] (NI39): polarity 'up' is not allowed; use one of: higher, lower, neutral
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from ..config import LAD_CODE, get_paths
from ..errors import ParameterError, PeriodError, RegistryError
from ..periods import parse_fy

#: Allowed polarities: which direction is better.
POLARITIES = ("higher", "lower", "neutral")
#: The partnership's six priorities and its cross-cutting priorities.
THEMES = (
    "prosperous",
    "healthy",
    "safe",
    "learning",
    "attractive",
    "inclusive",
    "sustainability",
    "housing",
    "culture",
)
#: How a value relates to its numerator and denominator (decides the interval).
MEASURES = ("proportion", "rate", "dsr", "count", "ratio", "mean")
FREQUENCIES = ("quarterly", "annual")

REQUIRED_FIELDS = (
    "code",
    "title",
    "theme",
    "partnership",
    "owner",
    "lead",
    "unit",
    "measure",
    "polarity",
    "frequency",
    "source",
)
OPTIONAL_FIELDS = ("multiplier", "plausible_range", "comparators", "definition")

_IMPROVEMENT = {"higher": "increase", "lower": "decrease", "neutral": "neutral"}


@dataclass(frozen=True)
class Settings:
    """The management group's rules, in numbers (the ``settings`` section of the registry)."""

    #: On the wrong side of target by at most this fraction of the target: "at risk" (beyond: "off track").
    at_risk_margin: float = 0.05
    #: A return received more than this many days after its due date is late.
    late_after_days: int = 0
    #: A denominator changing by more than this fraction in one quarter is queried.
    denominator_jump: float = 0.20
    #: A one-quarter spike: further than this many process sigmas from both neighbours.
    spike_threshold: float = 4.0
    #: A concern is sustained when the latest N points are all special-cause concern.
    sustained_points: int = 2
    #: Consistent failure to reach target: off track in each of the latest N quarters.
    off_track_quarters: int = 4
    #: The Board sees at most this many red flags.
    max_red_flags: int = 5
    #: A quarter's meeting is taken to be held this many days after its returns are due: the log of an
    #: earlier meeting replays it with the returns submitted by then (later corrections excluded).
    meeting_after_due_days: int = 14
    #: ``latest`` is the newest quarter for which at least this share of the expected returns came in.
    latest_min_share: float = 0.75
    #: How many earlier meetings the Board's follow-up and the routed-back statuses look back over.
    followup_quarters: int = 4
    #: Fewest points since the SPC limits were last set (series start, definition change or sustained
    #: shift) before any SPC verdict; below it the reports say "too few points since <change>".
    spc_min_points: int = 7


@dataclass(frozen=True)
class Indicator:
    """One indicator of the registry."""

    code: str
    title: str
    theme: str
    partnership: str
    owner: str
    lead: str
    unit: str
    measure: str
    polarity: str
    frequency: str
    source: str
    multiplier: float = 1.0
    plausible_range: tuple[float, float] | None = None
    comparators: tuple[str, ...] = ()
    definition: str = ""
    #: Target trajectory: ``{(financial year start, area code): target}``.
    targets: Mapping[tuple[int, str], float] = field(default_factory=dict)
    #: True when the registry's targets are synthetic (reports label them).
    targets_synthetic: bool = False

    @property
    def label(self) -> str:
        """The code as printed: ``NI39`` -> ``NI 39``."""
        m = re.match(r"^([A-Z]+)(\d.*)$", self.code)
        return f"{m.group(1)} {m.group(2)}" if m else self.code

    @property
    def improvement(self) -> str:
        """The SPC improvement direction: ``increase``, ``decrease`` or ``neutral``."""
        return _IMPROVEMENT[self.polarity]

    @property
    def compare_polarity(self) -> str | None:
        """Polarity as :func:`lsp_research.stats.compare` takes it (None when neutral)."""
        return None if self.polarity == "neutral" else self.polarity

    def target_for(self, year: int | str, area_code: str = LAD_CODE) -> float | None:
        """The registry's target for a financial year (start year or ``'2009-10'``) and area, or None."""
        return self.targets.get((parse_fy(year), area_code))


@dataclass(frozen=True)
class Registry:
    """The validated registry: indicators by code, in file order, and the settings."""

    indicators: Mapping[str, Indicator]
    settings: Settings
    source: str
    raw: tuple[dict, ...] = ()

    def __getitem__(self, code: str) -> Indicator:
        key = normalise_code(code)
        try:
            return self.indicators[key]
        except KeyError:
            raise RegistryError(
                f"indicator '{code}' is not in the registry ({self.source}); "
                f"known codes: {', '.join(self.indicators)}"
            ) from None

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and normalise_code(code) in self.indicators

    def __iter__(self) -> Iterator[Indicator]:
        return iter(self.indicators.values())

    def __len__(self) -> int:
        return len(self.indicators)

    @property
    def codes(self) -> list[str]:
        """The indicator codes, in the registry's order."""
        return list(self.indicators)

    @property
    def partnerships(self) -> list[str]:
        """Thematic partnerships in the order they first appear in the file."""
        return list(dict.fromkeys(i.partnership for i in self))

    def subset(self, theme: str = "all") -> Registry:
        """The registry restricted to one theme (``"all"``: unchanged).

        Raises
        ------
        ParameterError
            When ``theme`` is neither ``"all"`` nor one of :data:`THEMES`.
        """
        key = str(theme).strip().lower()
        if key == "all":
            return self
        if key not in THEMES:
            raise ParameterError(
                f"theme: '{theme}' is not a theme; use 'all' or one of: {', '.join(THEMES)}"
            )
        inds = {c: i for c, i in self.indicators.items() if i.theme == key}
        if not inds:
            raise ParameterError(
                f"theme: no indicator in the registry has theme '{key}'; themes in use: "
                f"{', '.join(sorted({i.theme for i in self}))}"
            )
        return Registry(inds, self.settings, self.source, self.raw)

    def to_frame(self) -> pd.DataFrame:
        """One row per indicator with its descriptive fields (no targets)."""
        cols = [f.name for f in fields(Indicator) if f.name not in ("targets",)]
        rows = [{c: getattr(i, c) for c in cols} | {"label": i.label} for i in self]
        return pd.DataFrame(rows, columns=["label", *cols])


def normalise_code(code: str) -> str:
    """Indicator codes ignore spaces and case: ``'NI 39'`` and ``'ni39'`` are ``'NI39'``.

    >>> normalise_code(" ni 39 ")
    'NI39'
    """
    return re.sub(r"\s+", "", str(code)).upper()


def load_registry(path: str | Path | None = None) -> Registry:
    """Load and validate the registry (default: ``indicators.yml`` at the project root, or ``LSP_REGISTRY``).

    Raises
    ------
    RegistryError
        When the file is missing or unreadable, or any entry is invalid; the message lists every problem,
        each naming its entry.
    """
    p = Path(path) if path is not None else get_paths().registry
    if not p.is_file():
        raise RegistryError(
            f"indicator registry not found: {p}. It lives at the project root as indicators.yml "
            "(or set LSP_REGISTRY); see docs/adding_an_indicator.md"
        )
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise RegistryError(f"indicator registry {p} is not valid YAML: {exc}") from None
    return parse_registry(data, source=str(p))


def parse_registry(data: Any, source: str = "<dict>") -> Registry:
    """Validate an already-parsed registry document (a mapping) and build the :class:`Registry`."""
    problems: list[str] = []
    if not isinstance(data, Mapping):
        raise RegistryError(
            f"indicator registry {source} must be a mapping with an 'indicators' list, "
            f"got {type(data).__name__}"
        )
    unknown_sections = set(data) - {"version", "settings", "indicators", "targets"}
    for name in sorted(unknown_sections, key=str):
        problems.append(
            f"unknown section '{name}'; allowed sections: version, settings, indicators, targets"
        )

    settings = _parse_settings(data.get("settings") or {}, problems)

    entries = data.get("indicators")
    if not isinstance(entries, list) or not entries:
        problems.append("'indicators' must be a non-empty list of indicator entries")
        entries = []
    parsed: dict[str, dict] = {}
    seen = {
        normalise_code(e["code"])
        for e in entries
        if isinstance(e, Mapping) and _text(e.get("code")) is not None
    }
    for pos, entry in enumerate(entries, start=1):
        item = _parse_indicator(pos, entry, problems)
        if item is None:
            continue
        code = item["code"]
        if code in parsed:
            problems.append(
                f"indicators[{pos}] ({code}): duplicate code; {code} is already "
                f"indicators[{parsed[code]['_pos']}]"
            )
            continue
        item["_pos"] = pos
        parsed[code] = item

    targets = data.get("targets") or {}
    if not isinstance(targets, Mapping):
        problems.append("'targets' must be a mapping of indicator code to its trajectory")
        targets = {}
    target_map: dict[str, tuple[dict, bool]] = {}
    for raw_code, spec in targets.items():
        code = normalise_code(raw_code)
        where = f"targets.{raw_code}"
        if code not in seen:
            problems.append(
                f"{where}: target for an unknown indicator '{raw_code}'; "
                "add it under 'indicators' first or remove the target"
            )
            continue
        parsed_targets = _parse_targets(where, spec, problems)
        if parsed_targets is not None and code in parsed:
            target_map[code] = parsed_targets

    if problems:
        n = len(problems)
        raise RegistryError(
            f"indicator registry {source} has {n} problem{'s' if n != 1 else ''}:\n"
            + "\n".join(f"  {p}" for p in problems)
        )
    indicators = {}
    for code, item in parsed.items():
        item.pop("_pos")
        tmap, synthetic = target_map.get(code, ({}, False))
        indicators[code] = Indicator(**item, targets=tmap, targets_synthetic=synthetic)
    return Registry(indicators=indicators, settings=settings, source=source, raw=tuple(entries))


def _parse_settings(spec: Any, problems: list[str]) -> Settings:
    if not isinstance(spec, Mapping):
        problems.append("'settings' must be a mapping of setting name to value")
        return Settings()
    allowed = {f.name: f for f in fields(Settings)}
    values: dict[str, Any] = {}
    for key, value in spec.items():
        if key not in allowed:
            problems.append(f"settings.{key}: unknown setting; allowed: {', '.join(allowed)}")
            continue
        kind = int if allowed[key].type in ("int", int) else float
        if isinstance(value, bool) or not isinstance(value, int | float):
            problems.append(f"settings.{key}: must be a number, got {value!r}")
            continue
        if kind is int and float(value) != int(value):
            problems.append(f"settings.{key}: must be a whole number, got {value!r}")
            continue
        if value < 0 or (
            kind is int
            and key in ("sustained_points", "off_track_quarters", "followup_quarters")
            and value < 1
        ):
            problems.append(f"settings.{key}: must be positive, got {value!r}")
            continue
        if key == "latest_min_share" and not 0 < value <= 1:
            problems.append(f"settings.{key}: must be a share above 0 and at most 1, got {value!r}")
            continue
        if key == "spc_min_points" and value < 2:
            problems.append(
                f"settings.{key}: must be at least 2 (an XmR chart needs 2), got {value!r}"
            )
            continue
        values[key] = kind(value)
    return Settings(**values)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    s = str(value).strip()
    return s or None


def _parse_indicator(pos: int, entry: Any, problems: list[str]) -> dict | None:
    if not isinstance(entry, Mapping):
        problems.append(f"indicators[{pos}]: must be a mapping of field to value, got {entry!r}")
        return None
    raw_code = _text(entry.get("code"))
    code = normalise_code(raw_code) if raw_code else None
    where = f"indicators[{pos}] ({code})" if code else f"indicators[{pos}]"
    n_before = len(problems)
    unknown = set(entry) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS)
    for key in sorted(unknown, key=str):
        problems.append(
            f"{where}: unknown field '{key}'; allowed fields: "
            f"{', '.join(REQUIRED_FIELDS + OPTIONAL_FIELDS)}"
        )
    item: dict[str, Any] = {name: _text(entry.get(name)) for name in REQUIRED_FIELDS}
    missing = [name for name in REQUIRED_FIELDS if item[name] is None]
    if missing:
        s = "s" if len(missing) > 1 else ""
        problems.append(f"{where}: missing required field{s} {', '.join(repr(m) for m in missing)}")
    if code:
        item["code"] = code
    for name, allowed in (
        ("polarity", POLARITIES),
        ("theme", THEMES),
        ("measure", MEASURES),
        ("frequency", FREQUENCIES),
    ):
        value = item.get(name)
        if value is not None:
            value = value.lower()
            item[name] = value
            if value not in allowed:
                problems.append(
                    f"{where}: {name} '{entry.get(name)}' is not allowed; use one of: {', '.join(allowed)}"
                )
    mult = entry.get("multiplier", 1)
    if isinstance(mult, bool) or not isinstance(mult, int | float) or mult <= 0:
        problems.append(f"{where}: multiplier must be a positive number, got {mult!r}")
    else:
        item["multiplier"] = float(mult)
    rng = entry.get("plausible_range")
    if rng is not None:
        ok = (
            isinstance(rng, list | tuple)
            and len(rng) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in rng)
            and rng[0] < rng[1]
        )
        if not ok:
            problems.append(
                f"{where}: plausible_range must be [low, high] with low < high, got {rng!r}"
            )
        else:
            item["plausible_range"] = (float(rng[0]), float(rng[1]))
    comps = entry.get("comparators") or []
    if not isinstance(comps, list) or not all(isinstance(c, str) and c.strip() for c in comps):
        problems.append(
            f"{where}: comparators must be a list of area names (e.g. [England] or [<region>, England])"
        )
    else:
        item["comparators"] = tuple(c.strip() for c in comps)
    item["definition"] = _text(entry.get("definition")) or ""
    if len(problems) > n_before or not code:
        return None
    return item


def _parse_targets(where: str, spec: Any, problems: list[str]) -> tuple[dict, bool] | None:
    if not isinstance(spec, Mapping) or "trajectory" not in spec:
        problems.append(
            f"{where}: must be a mapping with 'trajectory' ({{financial year: target}}) and "
            "optionally 'synthetic' and 'area_code'"
        )
        return None
    unknown = set(spec) - {"trajectory", "synthetic", "area_code"}
    if unknown:
        problems.append(
            f"{where}: unknown field(s) {', '.join(sorted(map(str, unknown)))}; "
            "allowed: trajectory, synthetic, area_code"
        )
        return None
    area = _text(spec.get("area_code")) or LAD_CODE
    synthetic = spec.get("synthetic", False)
    if not isinstance(synthetic, bool):
        problems.append(f"{where}.synthetic: must be true or false, got {synthetic!r}")
        return None
    traj = spec["trajectory"]
    if not isinstance(traj, Mapping) or not traj:
        problems.append(
            f"{where}.trajectory: must map financial years to targets, e.g. {{2009-10: 2300}}"
        )
        return None
    out: dict[tuple[int, str], float] = {}
    ok = True
    for year, value in traj.items():
        try:
            fy = parse_fy(year if isinstance(year, int) else str(year))
        except PeriodError:
            problems.append(
                f"{where}.trajectory: '{year}' is not a financial year; use 'YYYY-YY', e.g. 2009-10"
            )
            ok = False
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            problems.append(f"{where}.trajectory.{year}: target must be a number, got {value!r}")
            ok = False
            continue
        out[(fy, area)] = float(value)
    return (out, synthetic) if ok else None
