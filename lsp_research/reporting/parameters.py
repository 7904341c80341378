"""The typed parameter contract of a notebook, read from its ``parameters`` cell.

Each line of the cell tagged ``parameters`` declares one parameter as an annotated assignment with a help
comment, the form papermill reads for ``--help-notebook``::

    period: str = "latest"  # financial-year quarter YYYYQn, or "latest"
    area_code: str = "E08999901"  # ward code, area committee or the city code
    method: str = "dsr"  # one of: dsr, sar
    top_n: int = 10  # how many wards to list

The cell is parsed with :mod:`ast`, never executed. (:func:`papermill.inspect_notebook` reads the
same cell for ``papermill --help-notebook``, and the test suite checks that it agrees with this contract
on every notebook, but it does not do the job here: its line-by-line reading drops union annotations
such as ``int | None`` and cuts a string default at a ``#`` inside it, running the next line into
it.) A help comment that says ``one of: a, b, c`` declares
the allowed values. A parameter named ``period`` (or ending in ``_period``) must be a quarter present in the
data (or ``latest``); one named ``area_code``, ``ward_code`` or ``area`` must be a known ward code, area
committee or the city code. :func:`validate` checks a set of values against the contract *before any
kernel starts* and reports every problem at once, naming the parameter and what is allowed.

>>> contract = parse_parameters_source('''
... period: str = "latest"  # financial-year quarter YYYYQn, or "latest"
... method: str = "dsr"  # one of: dsr, sar
... top_n: int = 10  # how many wards to list
... ''')
>>> [(p.name, p.type, p.default, p.allowed) for p in contract.values()]
[('period', 'str', 'latest', None), ('method', 'str', 'dsr', ('dsr', 'sar')), ('top_n', 'int', 10, None)]
>>> validate(contract, {"method": "sar", "top_n": 5}, notebook="demo")
{'method': 'sar', 'top_n': 5}
>>> validate(contract, {"metod": "dsx", "top_n": "ten"}, notebook="demo")
Traceback (most recent call last):
...
lsp_research.errors.ParameterError: 2 problems with the parameters of demo:
  - unknown parameter 'metod' (did you mean 'method'?); demo declares: period, method, top_n
  - parameter 'top_n' must be int, got 'ten' (str)
"""

from __future__ import annotations

import ast
import difflib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import config
from ..errors import LspError, ParameterError, PeriodError
from ..periods import Quarter

#: Names whose values must be a quarter in the data.
PERIOD_NAMES = ("period",)
#: Names whose values must be a known ward code, area committee or the city code.
AREA_NAMES = ("area_code", "ward_code", "area")

_SIMPLE_TYPES = {"str": str, "int": int, "float": float, "bool": bool, "list": list, "dict": dict}
_ONE_OF = re.compile(r"\bone of:?\s*(?P<values>.+)$", re.IGNORECASE)


@dataclass(frozen=True)
class Parameter:
    """One declared parameter.

    Attributes
    ----------
    name : str
    type : str
        The annotation as written (``str``, ``int``, ``list[str]``, ``float | None``, ...); ``""`` when the
        assignment has no annotation (the type of the default is then used).
    default : object
        The default value, or :data:`REQUIRED` when the line declares no value.
    help : str
        The comment on the line.
    allowed : tuple or None
        Values declared with ``one of: ...`` in the comment (typed like the default).
    line : int
        Line number within the cell.
    """

    name: str
    type: str
    default: Any
    help: str = ""
    allowed: tuple | None = None
    line: int = 0

    @property
    def required(self) -> bool:
        """True when the parameter has no default and must be given."""
        return self.default is REQUIRED

    @property
    def kind(self) -> str:
        """``period``, ``area`` or ``value``: what :func:`validate` checks beyond the type."""
        if self.name in PERIOD_NAMES or self.name.endswith("_period"):
            return "period"
        if self.name in AREA_NAMES:
            return "area"
        return "value"


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


#: Marker for a parameter declared without a default.
REQUIRED: Any = _Required()


@dataclass(frozen=True)
class Areas:
    """The area codes a parameter may take: wards (code -> name), area committees (name -> ward codes),
    and the city (district) code.

    >>> a = Areas({"E05999901": "Abbey", "E05999902": "Brook"}, {"Central": ("E05999901", "E05999902")},
    ...           "E08999901", "Eastbury")
    >>> a.codes, a.describe("E08999901"), a.describe("Central")
    (['E05999901', 'E05999902', 'Central', 'E08999901'], 'Eastbury', 'Central area')
    >>> len(Areas.from_domain().wards) == len(config.place().ward_codes)
    True
    """

    wards: Mapping[str, str]
    committees: Mapping[str, tuple[str, ...]]
    city: str = config.LAD_CODE
    city_name: str = config.LAD_NAME

    @classmethod
    def from_domain(cls) -> Areas:
        """The wards and area committees of the place file in use (:func:`lsp_research.config.place`)."""
        p = config.place()
        rows = sorted((code, name, area) for area, wards in p.areas.items() for code, name in wards)
        return cls._from_rows(rows, p.district_code, p.name)

    @classmethod
    def from_processed(cls, processed_dir: Path | None = None) -> Areas:
        """Wards and area committees of the processed ``wards`` table, falling back to the place file
        when the table has not been built.
        """
        path = Path(processed_dir or config.get_paths().processed) / "wards.parquet"
        if not path.exists():
            return cls.from_domain()
        import pyarrow.parquet as pq

        cols = ["ward_code", "ward_name", "area_committee"]
        t = pq.ParquetFile(path).read(columns=cols).to_pydict()  # read_table would import pandas
        return cls._from_rows(zip(*(t[c] for c in cols), strict=True))

    @classmethod
    def _from_rows(
        cls,
        rows: Iterable[tuple[str, str, str]],
        city: str | None = None,
        city_name: str | None = None,
    ) -> Areas:
        wards: dict[str, str] = {}
        committees: dict[str, list[str]] = {}
        for code, ward_name, committee in rows:
            wards[str(code)] = str(ward_name)
            committees.setdefault(str(committee), []).append(str(code))
        return cls(
            dict(sorted(wards.items())),
            {k: tuple(v) for k, v in sorted(committees.items())},
            city or config.LAD_CODE,
            city_name or config.LAD_NAME,
        )

    def check_place(self, place=None) -> None:
        """Refuse wards that the place file in use does not list, before anything runs (see
        :func:`lsp_research.config.check_wards`; a subset of the place's wards is accepted).

        >>> a = Areas({"E05999901": "Abbey"}, {"Central": ("E05999901",)}, "E08999901", "Eastbury")
        >>> a.check_place()  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        lsp_research.errors.ConfigError: the processed data's wards are not the place file's: 1 of its 1 wards (e.g. E05999901 Abbey) are not among the ... wards of ...; set LSP_PLACE to the place file of this data ...
        """
        config.check_wards(self.wards, place)

    @property
    def codes(self) -> list[str]:
        """Every accepted value: ward codes, area committee names, the city code."""
        return [*self.wards, *self.committees, self.city]

    def describe(self, code: str) -> str:
        """A readable name for an accepted code."""
        if code == self.city:
            return self.city_name
        if code in self.wards:
            return self.wards[code]
        return f"{code} area"

    def check(self, value: str) -> str | None:
        """Return None when ``value`` is accepted, else a message naming close matches."""
        if value in self.codes:
            return None
        by_name = {name.lower(): code for code, name in self.wards.items()}
        if str(value).lower() in by_name:
            return f"'{value}' is a ward name; use its code {by_name[str(value).lower()]}"
        names = {name: code for code, name in self.wards.items()}
        candidates = self.codes + list(names)
        close = difflib.get_close_matches(str(value), candidates, n=3, cutoff=0.6)
        shown = [f"'{c}' ({names[c]})" if c in names else f"'{c}'" for c in close]
        hint = f" (did you mean {', '.join(shown)}?)" if close else ""
        return (
            f"'{value}' is not a known area{hint}; use a ward code ({min(self.wards)}-"
            f"{max(self.wards)}), an area committee ({', '.join(self.committees)}) or the city "
            f"code {self.city}"
        )


# --------------------------------------------------------------------------------------------- reading


def parameters_cell(nb: Mapping) -> str | None:
    """The source of the first cell tagged ``parameters``, or None."""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code" and "parameters" in cell.get("metadata", {}).get(
            "tags", []
        ):
            src = cell.get("source", "")
            return "".join(src) if isinstance(src, list) else src
    return None


def read_notebook(path: str | Path) -> dict:
    """Read a notebook as plain JSON (fast; no kernel, no nbformat validation)."""
    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ParameterError(f"notebook {path} does not exist") from None
    except json.JSONDecodeError as exc:
        raise ParameterError(f"notebook {path} is not valid JSON: {exc}") from None


def read_parameters(path: str | Path) -> dict[str, Parameter]:
    """The parameter contract of the notebook at ``path``.

    Raises
    ------
    ParameterError
        When the notebook has no cell tagged ``parameters`` or the cell does not parse.
    """
    source = parameters_cell(read_notebook(path))
    if source is None:
        raise ParameterError(
            f"notebook {path} has no cell tagged 'parameters'; its first code cell should be tagged "
            "'parameters' and declare typed defaults, e.g. period: str = \"latest\"  # YYYYQn or latest"
        )
    return parse_parameters_source(source, origin=str(path))


def parse_parameters_source(source: str, origin: str = "parameters cell") -> dict[str, Parameter]:
    """Parse the source of a parameters cell into ``{name: Parameter}`` in declaration order."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ParameterError(f"{origin}: the parameters cell does not parse: {exc}") from None
    lines = source.splitlines()
    params: dict[str, Parameter] = {}
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            name, annotation = node.target.id, ast.unparse(node.annotation)
            value_node = node.value
        elif (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            name, annotation, value_node = node.targets[0].id, "", node.value
        else:
            continue  # other statements are allowed but declare nothing
        if value_node is None:
            default = REQUIRED
        else:
            try:
                default = ast.literal_eval(value_node)
            except ValueError:
                raise ParameterError(
                    f"{origin}, line {node.lineno}: the default of '{name}' must be a literal "
                    f"(a string, number, bool, None, list or dict), got {ast.unparse(value_node)}"
                ) from None
        help_text = _comment(lines[node.end_lineno - 1])
        allowed = _allowed(help_text, annotation, default)
        params[name] = Parameter(name, annotation, default, help_text, allowed, node.lineno)
    return params


def _comment(line: str) -> str:
    """The ``# comment`` at the end of a line, ignoring ``#`` inside strings."""
    import io
    import tokenize

    try:
        for tok in tokenize.generate_tokens(io.StringIO(line).readline):
            if tok.type == tokenize.COMMENT:
                return tok.string.lstrip("#").strip()
    except (tokenize.TokenError, IndentationError):
        pass
    return ""


def _allowed(help_text: str, annotation: str, default: Any) -> tuple | None:
    m = _ONE_OF.search(help_text)
    if not m:
        return None
    raw = re.split(r"\s*(?:,|\bor\b)\s*", m.group("values").rstrip(". "))
    values = [v.strip().strip("'\"") for v in raw if v.strip()]
    base = _base_type(annotation, default)
    if base in (int, float):
        try:
            return tuple(base(v) for v in values)
        except ValueError:
            return tuple(values)
    return tuple(values)


def _base_type(annotation: str, default: Any) -> type | None:
    ann = annotation.replace("Optional[", "").replace("]", "").split("|")[0].strip()
    ann = ann.split("[")[0]
    if ann in _SIMPLE_TYPES:
        return _SIMPLE_TYPES[ann]
    if not annotation and default is not REQUIRED and default is not None:
        return type(default)
    return None


# ------------------------------------------------------------------------------------------ validating


def type_problem(param: Parameter, value: Any) -> str | None:
    """Return why ``value`` does not fit ``param``'s annotation, or None when it does.

    >>> p = Parameter("n", "int | None", 3)
    >>> type_problem(p, None), type_problem(p, 4), type_problem(p, True)
    (None, None, "parameter 'n' must be int | None, got True (bool)")
    >>> type_problem(Parameter("xs", "list[str]", []), ["a", 1])
    "parameter 'xs' must be list[str], got ['a', 1] (list)"
    """
    annotation = param.type
    if not annotation:
        if param.default is REQUIRED or param.default is None:
            return None
        annotation = type(param.default).__name__
        if annotation not in _SIMPLE_TYPES:
            return None
    if _fits(annotation.strip(), value):
        return None
    return f"parameter '{param.name}' must be {annotation}, got {value!r} ({type(value).__name__})"


def _split_union(annotation: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in annotation:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        if ch == "|" and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    parts.append(cur.strip())
    return parts


def _fits(annotation: str, value: Any) -> bool:
    if annotation.startswith("Optional[") and annotation.endswith("]"):
        return value is None or _fits(annotation[9:-1], value)
    alternatives = _split_union(annotation)
    if len(alternatives) > 1:
        return any(_fits(a, value) for a in alternatives)
    if annotation in ("None", "NoneType"):
        return value is None
    if annotation in ("Any", "object"):
        return True
    head, _, inner = annotation.partition("[")
    inner = inner[:-1] if inner.endswith("]") else inner
    if head in ("list", "List", "tuple", "Tuple"):
        if not isinstance(value, list | tuple):
            return False
        item = inner.split(",")[0].strip() if inner else ""
        return not item or item == "..." or all(_fits(item, v) for v in value)
    if head in ("dict", "Dict"):
        return isinstance(value, dict)
    if head == "Literal":
        return value in ast.literal_eval(f"[{inner}]")
    if head == "bool":
        return isinstance(value, bool)
    if head == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if head == "float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if head == "str":
        return isinstance(value, str)
    return True  # an annotation we do not check (a user class): accept


@dataclass
class _Problems:
    items: list[str] = field(default_factory=list)

    def add(self, text: str) -> None:
        self.items.append(text)


def validate(
    contract: Mapping[str, Parameter],
    values: Mapping[str, Any],
    *,
    notebook: str = "the notebook",
    periods: Iterable[str | Quarter] | None = None,
    areas: Areas | None = None,
) -> dict[str, Any]:
    """Check ``values`` against ``contract``; return them (as a new dict) or raise one error naming
    every problem.

    Parameters
    ----------
    contract : mapping
        From :func:`read_parameters`.
    values : mapping
        The values a run would inject.
    notebook : str
        Name used in messages.
    periods : iterable of str, optional
        The quarters in the data; when given, ``period`` parameters must be one of them (or ``latest``).
    areas : Areas, optional
        Known areas; when given, ``area_code`` parameters must be one of them.

    Raises
    ------
    ParameterError
        Unknown parameters (with close matches), required ones not given, ill-typed values, values
        outside ``one of:`` lists, periods that do not parse or are not in the data, unknown areas.

    Examples
    --------
    >>> c = parse_parameters_source('period: str = "latest"  # YYYYQn\\narea_code: str = "E08999901"')
    >>> validate(c, {"period": "2009Q3"}, periods=["2009Q2", "2009Q3"])
    {'period': '2009Q3'}
    >>> areas = Areas({"E05999901": "Abbey", "E05999902": "Brook"}, {"Central": ("E05999901",)},
    ...               "E08999901", "Eastbury")
    >>> validate(c, {"period": "2009Q7", "area_code": "Abbeyy"}, periods=["2009Q3"],
    ...          areas=areas)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    lsp_research.errors.ParameterError: 2 problems with the parameters of the notebook:
      - parameter 'period': '2009Q7' is not a period: the quarter must be 1-4. Use YYYYQn ...
      - parameter 'area_code': 'Abbeyy' is not a known area (did you mean 'Abbey' (E05999901)?)...
    """
    problems = _Problems()
    names = list(contract)
    for name, value in values.items():
        if name not in contract:
            close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            declared = ", ".join(names) if names else "no parameters"
            problems.add(f"unknown parameter '{name}'{hint}; {notebook} declares: {declared}")
            continue
        param = contract[name]
        bad_type = type_problem(param, value)
        if bad_type:
            problems.add(bad_type)
            continue
        if param.allowed is not None and value not in param.allowed:
            shown = ", ".join(str(a) for a in param.allowed)
            close = difflib.get_close_matches(str(value), [str(a) for a in param.allowed], n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.add(f"parameter '{name}' must be one of: {shown}; got {value!r}{hint}")
            continue
        if param.kind == "period" and isinstance(value, str):
            msg = _period_problem(value, periods)
            if msg:
                problems.add(f"parameter '{name}': {msg}")
        elif param.kind == "area" and isinstance(value, str) and areas is not None:
            msg = areas.check(value)
            if msg:
                problems.add(f"parameter '{name}': {msg}")
    for name, param in contract.items():
        if param.required and name not in values:
            problems.add(
                f"parameter '{name}' has no default in {notebook} and was not given"
                + (f" ({param.help})" if param.help else "")
            )
    if problems.items:
        n = len(problems.items)
        raise ParameterError(
            f"{n} problem{'s' if n != 1 else ''} with the parameters of {notebook}:\n"
            + "\n".join(f"  - {p}" for p in problems.items)
        )
    return dict(values)


def _period_problem(value: str, periods: Iterable[str | Quarter] | None) -> str | None:
    if value.strip().lower() == "latest":
        return None
    try:
        q = Quarter.parse(value)
    except PeriodError as exc:
        return str(exc)
    if periods is None:
        return None
    available = sorted({Quarter.parse(p) for p in periods})
    if q not in available:
        if not available:
            return f"{q} is not in the data, which has no periods"
        return f"{q} is not in the data, which covers {available[0]} to {available[-1]}"
    return None


# ------------------------------------------------------------------------------------------ describing


def describe(path: str | Path) -> str:
    """A readable table of the parameters of the notebook at ``path`` (``lsp-research describe``).

    >>> import json, tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> cell = {"cell_type": "code", "metadata": {"tags": ["parameters"]}, "outputs": [],
    ...         "source": 'period: str = "latest"  # YYYYQn or latest\\nmethod: str = "dsr"  # one of: dsr, sar'}
    >>> _ = (d / "demo.ipynb").write_text(json.dumps({"cells": [cell], "metadata": {}}))
    >>> print(describe(d / "demo.ipynb"))  # doctest: +NORMALIZE_WHITESPACE
    Parameters of demo.ipynb (2):
      name    type  default   allowed    help
      period  str   'latest'  a quarter  YYYYQn or latest
      method  str   'dsr'     dsr, sar   one of: dsr, sar
    """
    contract = read_parameters(path)
    rows = [("name", "type", "default", "allowed", "help")]
    for p in contract.values():
        if p.allowed is not None:
            allowed = ", ".join(str(a) for a in p.allowed)
        elif p.kind == "period":
            allowed = "a quarter"
        elif p.kind == "area":
            allowed = "an area code"
        else:
            allowed = "-"
        default = "(required)" if p.required else repr(p.default)
        rows.append((p.name, p.type or "-", default, allowed, p.help or "-"))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [f"Parameters of {Path(path).name} ({len(contract)}):"]
    for r in rows:
        lines.append(
            "  " + "  ".join(c.ljust(w) for c, w in zip(r[:4], widths, strict=True)) + "  " + r[4]
        )
    return "\n".join(line.rstrip() for line in lines)


def available_periods(processed_dir: Path | None = None) -> list[str]:
    """The quarters present in the processed ``indicator_returns`` table, oldest first.

    Reads only the ``period`` column, so it is quick enough to run before every programme run.

    Raises
    ------
    LspError
        When the table has not been built (with the command that builds it).
    """
    path = Path(processed_dir or config.get_paths().processed) / "indicator_returns.parquet"
    if not path.exists():
        raise LspError(
            f"no processed data at {path.parent} (indicator_returns.parquet is missing): "
            "run 'lsp-research data build' first"
        )
    import pyarrow.parquet as pq

    # ParquetFile, not read_table (which goes through pyarrow.dataset and imports pandas, 0.5 s); a
    # set, not pyarrow.compute (0.3 s to import) for a column of a few thousand rows
    column = pq.ParquetFile(path).read(columns=["period"]).column("period")
    return sorted({str(p) for p in column.to_pylist() if p is not None})
