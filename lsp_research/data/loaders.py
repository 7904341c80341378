"""Readers for each raw format: the contract's own CSV files and the real public formats.

Every loader returns contract-shaped tables (the raw columns of ``docs/data_contract.md``, parsed to their
types) and the list of every problem found; nothing raises on bad data, so the build can report all the
problems of all files in one message. The formats (the ``format`` of a file in the catalogue):

``contract_csv``
    UTF-8 CSV (optionally ``.csv.gz``) in the contract's layout; the table is named by the file stem
    (``admissions.csv.gz`` holds ``admissions``) or by the entry's ``table`` option.
``partner_return``
    a partner's quarterly return as CSV or Excel (``.xlsx``), with the ``returns`` columns (any case or
    spacing: ``Indicator Code`` is ``indicator_code``). The header may sit below title rows.
``ons_mye_sape``
    ONS small-area (ward) mid-year population estimates in the wide SAPE layout: one row per ward, one
    column per single year of age (``0`` .. ``89``, ``90+``) or 5-year band, by sex (Males/Females sheets
    of a workbook, a ``sex`` column, or ``M``/``F``-prefixed age columns), converted to the tidy
    ``mid_year_estimates`` table.
``fingertips``
    a Fingertips (PHE/OHID) data download CSV, converted to indicator ``returns`` (rows for the district
    or its wards) and ``comparators`` (rows for England and regions).
``ons_boundary``
    an ONS ward boundary file (see :func:`lsp_research.geo.load_boundaries`).

Row numbers in problems count the header as row 1, so they match a spreadsheet or text editor.

>>> import io, tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "targets.csv").write_text("indicator_code,financial_year,area_code,target\\n"
...                                    "NI39,2009-10,E08000024,2100\\nNI39,2019-20,E08000024,x\\n")
>>> tables, problems = load_file(d / "targets.csv", "contract_csv", Context(), label="targets.csv")
>>> tables["targets"]["target"].tolist()
[2100.0, nan]
>>> print(problems[0])
targets.csv, row 3, column 'financial_year': financial year outside the data period (2004-05 to 2009-10) (got '2019-20')
"""

from __future__ import annotations

import csv
import datetime
import gzip
import io
import re
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow
import pyarrow.csv as pa_csv

from ..config import ENGLAND_CODE, ESP2013_BANDS
from ..errors import DataValidationError, FileProblem, Problem
from ..periods import Quarter
from .schemas import TABLE_NAMES, Context, spec, validate

#: Which contract tables each source may hold.
SOURCE_TABLES = {
    "geography": ("boundaries", "area_committees", "wellness_centres"),
    "deprivation": ("imd_ward",),
    "population": ("mid_year_estimates",),
    "mortality": ("deaths",),
    "hospital": ("admissions",),
    "police": ("incidents",),
    "wellness": ("referrals",),
    "indicators": ("returns", "targets", "comparators"),
    "board": ("decisions",),
}

_EXCEL = (".xlsx", ".xlsm")


# ---------------------------------------------------------------------------------------------------
# reading bytes and text


def read_bytes(path: Path, label: str) -> bytes:
    """Read a file read-only, decompressing ``.gz``; raise :class:`FileProblem` when it cannot be read."""
    if not path.exists():
        raise FileProblem([Problem(label, None, None, "file not found (the catalogue lists it)")])
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise FileProblem(
            [Problem(label, None, None, f"cannot be read: {exc.strerror or exc}")]
        ) from None
    if len(data) == 0:
        raise FileProblem(
            [
                Problem(
                    label,
                    None,
                    None,
                    "file is empty (0 bytes); expected a header row and data rows",
                )
            ]
        )
    if path.name.lower().endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise FileProblem(
                [
                    Problem(
                        label,
                        None,
                        None,
                        f"cannot be read: not a valid gzip file ({exc}); expected a gzip-compressed UTF-8 CSV",
                    )
                ]
            ) from None
        if len(data) == 0:
            raise FileProblem(
                [
                    Problem(
                        label,
                        None,
                        None,
                        "file is empty (no data after decompression); expected a header row and data rows",
                    )
                ]
            )
    return data


def decode_text(data: bytes, label: str) -> str:
    """Decode UTF-8 (with or without a BOM); name every line holding bytes that are not UTF-8."""
    if b"\x00" in data[:8192]:
        hint = " (it looks like an Excel workbook)" if data[:2] == b"PK" else ""
        raise FileProblem(
            [
                Problem(
                    label,
                    None,
                    None,
                    f"cannot be read: binary content, not a UTF-8 CSV text file{hint}",
                )
            ]
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    problems = []
    for i, line in enumerate(data.split(b"\n"), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad = line[exc.start : exc.end]
            try:
                guess = f"; in Latin-1/Windows-1252 it reads {line.decode('cp1252').strip()[:60]!r}"
            except UnicodeDecodeError:
                guess = ""
            problems.append(
                Problem(
                    label,
                    i,
                    None,
                    f"wrong encoding: byte 0x{bad.hex()} at position {exc.start + 1} is not UTF-8{guess}. "
                    "Expected encoding: UTF-8 (save the file as 'CSV UTF-8')",
                )
            )
    raise FileProblem(problems)


def _arrow_csv(data: bytes, text: str) -> pd.DataFrame | None:
    """Fast path: read every column as text with Arrow when the file has no blank lines (so record
    numbers are line numbers). Returns None when Arrow cannot read it (pandas then reports why)."""
    if b"\n\n" in data or b"\n\r\n" in data or b"\r" in data.replace(b"\r\n", b""):
        return None
    try:
        header = next(csv.reader(io.StringIO(text[: text.find("\n") if "\n" in text else None])))
        if len(set(header)) != len(header) or not all(h.strip() for h in header):
            return None
        start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
        table = pa_csv.read_csv(
            io.BytesIO(data[start:]),
            convert_options=pa_csv.ConvertOptions(
                column_types={h: pyarrow.string() for h in header},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pyarrow.ArrowInvalid, csv.Error, StopIteration):
        return None
    return table.to_pandas(
        types_mapper={pyarrow.string(): pd.StringDtype("pyarrow", na_value=np.nan)}.get
    )


def read_csv(path: Path, label: str) -> tuple[pd.DataFrame, np.ndarray]:
    """Read a UTF-8 CSV as text columns; return it and each record's row number (header = row 1)."""
    data = read_bytes(path, label)
    text = decode_text(data, label)
    if not text.strip():
        raise FileProblem(
            [
                Problem(
                    label,
                    None,
                    None,
                    "file is empty (only blank lines); expected a header row and data rows",
                )
            ]
        )
    fast = _arrow_csv(data, text)
    if fast is not None:
        fast.columns = [str(c).strip() for c in fast.columns]
        if len(fast) == 0:
            raise FileProblem(
                [
                    Problem(
                        label,
                        None,
                        None,
                        f"no data rows below the header (columns: {', '.join(fast.columns)})",
                    )
                ]
            )
        return fast, np.arange(len(fast)) + 2
    try:
        df = pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            skipinitialspace=False,
        )
    except pd.errors.ParserError:
        raise FileProblem(_csv_shape_problems(text, label)) from None
    except pd.errors.EmptyDataError:
        raise FileProblem(
            [Problem(label, None, None, "file is empty; expected a header row and data rows")]
        ) from None
    df.columns = [str(c).strip() for c in df.columns]
    rows = np.arange(len(df)) + 2
    if len(df):
        blank = (df == "").all(axis=1).to_numpy()
        df, rows = df[~blank].reset_index(drop=True), rows[~blank]
    if len(df) == 0:
        raise FileProblem(
            [
                Problem(
                    label,
                    None,
                    None,
                    f"no data rows below the header (columns: {', '.join(df.columns)})",
                )
            ]
        )
    return df, rows


def _csv_shape_problems(text: str, label: str) -> list[Problem]:
    reader = csv.reader(io.StringIO(text))
    problems = []
    try:
        header = next(reader)
        for rec in reader:
            if rec and len(rec) != len(header):
                problems.append(
                    Problem(
                        label,
                        reader.line_num,
                        None,
                        f"malformed CSV: {len(rec)} fields where the header has {len(header)} "
                        "(quote values that contain commas)",
                    )
                )
    except csv.Error as exc:
        problems.append(Problem(label, reader.line_num, None, f"malformed CSV: {exc}"))
    return problems or [Problem(label, None, None, "malformed CSV: cannot be parsed")]


def read_excel(
    path: Path, label: str, sheet: str | int | None = None, header_has: tuple[str, ...] = ()
) -> tuple[pd.DataFrame, np.ndarray, str]:
    """Read one worksheet; the header is the first row that holds any of ``header_has``.

    Returns the table, the worksheet row number of each record and a label naming the sheet.
    """
    sheets = read_excel_sheets(path, label)
    names = list(sheets)
    if sheet is None:
        name = names[0]
    elif isinstance(sheet, int):
        if not 0 <= sheet < len(names):
            raise FileProblem(
                [Problem(label, None, None, f"the workbook has no sheet number {sheet + 1}")]
            )
        name = names[sheet]
    elif sheet in sheets:
        name = sheet
    else:
        raise FileProblem(
            [
                Problem(
                    label,
                    None,
                    None,
                    f"the workbook has no sheet {sheet!r}; sheets: {', '.join(names)}",
                )
            ]
        )
    df, rows = table_from_grid(sheets[name], f"{label} (sheet '{name}')", header_has)
    return df, rows, f"{label} (sheet '{name}')"


def read_excel_sheets(path: Path, label: str) -> dict[str, pd.DataFrame]:
    """Every worksheet as a grid of cells (no header), read with openpyxl, read-only."""
    if not path.exists():
        raise FileProblem([Problem(label, None, None, "file not found (the catalogue lists it)")])
    if path.stat().st_size == 0:
        raise FileProblem(
            [Problem(label, None, None, "file is empty (0 bytes); expected an Excel workbook")]
        )
    try:
        sheets = pd.read_excel(
            path,
            sheet_name=None,
            header=None,
            dtype=object,
            engine="openpyxl",
            keep_default_na=False,
        )
    except Exception as exc:  # zipfile.BadZipFile, openpyxl InvalidFileException, KeyError...
        raise FileProblem(
            [
                Problem(
                    label,
                    None,
                    None,
                    f"cannot be read as an Excel workbook (.xlsx): {type(exc).__name__}: {exc}",
                )
            ]
        ) from None
    # keep text such as 'n/a' as written (so messages quote it); only empty cells are missing
    return {
        name: grid.map(lambda v: np.nan if isinstance(v, str) and not v.strip() else v)
        for name, grid in sheets.items()
    }


def _norm(name) -> str:
    return re.sub(r"[\s_]+", "_", str(name).strip().lower())


def table_from_grid(
    grid: pd.DataFrame, label: str, header_has: tuple[str, ...] = ()
) -> tuple[pd.DataFrame, np.ndarray]:
    """Turn a sheet's cells into a table: find the header row, drop blank rows, keep row numbers."""
    grid = grid.dropna(how="all", axis=1)
    header_at = 0
    if header_has:
        wanted = {_norm(h) for h in header_has}
        for i in range(min(len(grid), 30)):
            cells = {_norm(v) for v in grid.iloc[i].tolist() if not pd.isna(v)}
            if cells & wanted or any(
                re.match(w, c) for w in wanted for c in cells if w.startswith("^")
            ):
                header_at = i
                break
        else:
            raise FileProblem(
                [
                    Problem(
                        label,
                        None,
                        None,
                        f"no header row found: expected a row with {' or '.join(header_has)} in the first 30 rows",
                    )
                ]
            )
    if len(grid) == 0:
        raise FileProblem([Problem(label, None, None, "the sheet is empty")])
    header = [
        str(v).strip() if not pd.isna(v) else f"unnamed_{j}"
        for j, v in enumerate(grid.iloc[header_at])
    ]
    header = [h[:-2] if re.fullmatch(r"\d+\.0", h) else h for h in header]
    body = grid.iloc[header_at + 1 :].copy()
    body.columns = header
    rows = np.arange(len(body)) + header_at + 2
    keep = ~body.isna().all(axis=1).to_numpy()
    body, rows = body[keep].reset_index(drop=True), rows[keep]
    if len(body) == 0:
        raise FileProblem(
            [
                Problem(
                    label,
                    None,
                    None,
                    f"no data rows below the header (columns: {', '.join(header)})",
                )
            ]
        )
    return body, rows


def read_table(
    path: Path, label: str, options: dict | None = None, header_has: tuple[str, ...] = ()
):
    """CSV or Excel by suffix. Returns (table, row numbers, label)."""
    options = options or {}
    if path.suffix.lower() in _EXCEL:
        return read_excel(path, label, options.get("sheet"), header_has)
    if path.suffix.lower() == ".xls":
        raise FileProblem(
            [
                Problem(
                    label,
                    None,
                    None,
                    "old .xls workbooks are not read; save it as .xlsx or CSV UTF-8",
                )
            ]
        )
    df, rows = read_csv(path, label)
    return df, rows, label


# ---------------------------------------------------------------------------------------------------
# per-format loaders


def table_of(path: Path, options: dict) -> str | None:
    """The contract table a file holds: its ``table`` option, else its name without suffixes."""
    if options.get("table"):
        return str(options["table"])
    name = path.name.lower()
    for suffix in (".csv.gz", ".csv", ".xlsx", ".xlsm"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return name if name in TABLE_NAMES else None


def _tag(df: pd.DataFrame, label: str, rows) -> pd.DataFrame:
    df = df.copy()
    df["_file"] = label
    df["_row"] = np.asarray(rows, dtype="int64")
    return df


def load_contract(
    path: Path, ctx: Context, label: str, options: dict
) -> tuple[dict, list[Problem]]:
    """A contract-layout CSV (or Excel) file."""
    table = table_of(path, options)
    if table is None:
        return {}, [
            Problem(
                label,
                None,
                None,
                "cannot tell which contract table this file holds: name it after one "
                f"({', '.join(TABLE_NAMES)}) or give the catalogue entry a 'table' option",
            )
        ]
    sp = spec(table, ctx)
    df, rows, where = read_table(path, label, options, header_has=(sp.names[0],))
    parsed, problems = validate(normalise_codes(df), sp, where, rows)
    return {table: _tag(parsed, where, rows)}, problems


def normalise_codes(df: pd.DataFrame) -> pd.DataFrame:
    """Indicator codes written the way the registry keys them: spaces dropped, upper case, so that a
    partner's ``NI 195`` or ``ni195`` is ``NI195`` (in returns, targets and comparators alike).

    >>> normalise_codes(pd.DataFrame({"indicator_code": ["NI 195", " ni39", "NI8"]}))["indicator_code"].tolist()
    ['NI195', 'NI39', 'NI8']
    """
    if "indicator_code" not in df.columns:
        return df
    codes = pd.Series(
        [re.sub(r"\s+", "", v).upper() if isinstance(v, str) else v for v in df["indicator_code"]],
        index=df.index,
        dtype=df["indicator_code"].dtype,
    )
    return df.assign(indicator_code=codes)


def load_partner_return(
    path: Path, ctx: Context, label: str, options: dict
) -> tuple[dict, list[Problem]]:
    """A partner's quarterly return (CSV or Excel) with the ``returns`` columns."""
    sp = spec("returns", ctx)
    df, rows, where = read_table(path, label, options, header_has=("indicator_code",))
    parsed, problems = validate(normalise_codes(df), sp, where, rows)
    return {"returns": _tag(parsed, where, rows)}, problems


# -- ONS small-area population estimates ------------------------------------------------------------

_SEX_PREFIX = re.compile(r"^(males?|females?|persons|m|f|p)[\s_]*(.+)$")
_OPEN = re.compile(r"^(?:aged?s?\s*)?(\d{1,3})\s*(?:\+|plus|and\s+over|years\s+and\s+over)$")
_BAND = re.compile(r"^(?:aged?s?\s*)?(\d{1,3})\s*(?:-|to)\s*(\d{1,3})$")
_SINGLE = re.compile(r"^(?:aged?s?\s*)?(\d{1,3})$")


def _parse_age(text: str) -> tuple[int, int | None] | None:
    s = re.sub(r"[\s_]+", " ", text.strip().lower())
    for pat, kind in ((_OPEN, "open"), (_BAND, "band"), (_SINGLE, "single")):
        m = pat.match(s)
        if m:
            lo = int(m.group(1))
            if kind == "open":
                return lo, None
            if kind == "band":
                return lo, int(m.group(2))
            return lo, lo
    return None


def age_column(name) -> tuple[str | None, int, int | None] | None:
    """Classify a SAPE column as (sex or None, lowest age, highest age or None for an open band).

    >>> age_column("0"), age_column("90+"), age_column("Aged 5 to 9"), age_column("m_85-89")
    ((None, 0, 0), (None, 90, None), (None, 5, 9), ('M', 85, 89))
    >>> age_column("All Ages") is None, age_column("F90+")
    (True, ('F', 90, None))
    """
    s = str(name).strip()
    if s.endswith(".0") and s[:-2].isdigit():
        s = s[:-2]
    got = _parse_age(s)
    if got:
        return (None, *got)
    m = _SEX_PREFIX.match(s.lower())
    if m:
        got = _parse_age(m.group(2))
        if got:
            sex = {"m": "M", "f": "F", "p": "P"}[m.group(1)[0]]
            return (sex, *got)
    return None


def esp_band(lo: int, hi: int | None) -> str | None:
    """The ESP 2013 band holding ages ``lo``..``hi`` (``hi`` None: open-ended), or None if it straddles.

    >>> esp_band(7, 7), esp_band(85, 89), esp_band(95, None), esp_band(85, None), esp_band(16, 24)
    ('5-9', '85-89', '90+', None, None)
    """
    if hi is None:
        return "90+" if lo >= 90 else None
    if lo >= 90:
        return "90+"
    if lo // 5 == hi // 5 and hi >= lo:
        return ESP2013_BANDS[lo // 5]
    return None


def _find_col(columns, patterns: tuple[str, ...]) -> str | None:
    for pat in patterns:
        for c in columns:
            if re.fullmatch(pat, _norm(c)):
                return c
    return None


_WARD_COL = (r"wd\d{2}cd", r"ward_code(_\d+)?", r"ward_codes?", r"area_codes?", r"code")
_LA_COL = (
    r"lad\d{2}cd",
    r"la_code.*",
    r"lad_code.*",
    r"local_authority_code.*",
    r"la_\(\d{4}_boundaries\)_code",
)
_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20\d{2})(?!\d)")


def _sheet_sex(name: str) -> str | None:
    n = name.lower()
    if "female" in n:
        return "F"
    if "male" in n:
        return "M"
    if "person" in n:
        return "P"
    return None


def load_mye_sape(
    path: Path, ctx: Context, label: str, options: dict
) -> tuple[dict, list[Problem]]:
    """ONS SAPE wide ward estimates -> tidy ``mid_year_estimates`` (ages summed into ESP 2013 bands)."""
    if path.suffix.lower() in _EXCEL:
        sheets = read_excel_sheets(path, label)
        wanted = options.get("sheets")
        parts = []
        for name, grid in sheets.items():
            if wanted and name not in wanted:
                continue
            if not wanted and _sheet_sex(name) == "P":
                continue
            try:
                df, rows = table_from_grid(
                    grid, f"{label} (sheet '{name}')", header_has=_WARD_COL_HEADERS
                )
            except FileProblem:
                continue  # notes or metadata sheets
            parts.append((df, rows, f"{label} (sheet '{name}')", name))
        if not parts:
            return {}, [
                Problem(
                    label,
                    None,
                    None,
                    "no worksheet with a ward code column (e.g. 'Ward Code 1', WD09CD) and age columns",
                )
            ]
    else:
        df, rows = read_csv(path, label)
        parts = [(df, rows, label, "")]
    frames, problems = [], []
    for df, rows, where, sheet in parts:
        f, p = _sape_part(df, rows, where, sheet, path.name, ctx, options)
        frames.append(f)
        problems += p
    tidy = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if len(tidy) == 0:
        return {}, problems
    sp = spec("mid_year_estimates", ctx)
    out = []
    for where, part in tidy.groupby("_file", sort=False):
        parsed, p = validate(
            part.drop(columns=["_file", "_row"]), sp, str(where), part["_row"].to_numpy()
        )
        problems += [q for q in p if not q.rule.startswith("duplicated row")]
        out.append(_tag(parsed, str(where), part["_row"].to_numpy()))
    return {"mid_year_estimates": pd.concat(out, ignore_index=True)}, problems


_WARD_COL_HEADERS = ("^wd\\d{2}cd$", "ward_code", "ward_code_1", "area_codes", "area_code")


def _sape_part(df, rows, where, sheet, filename, ctx, options):
    problems: list[Problem] = []
    cols = list(df.columns)
    ward_col = options.get("ward_code_col") or _find_col(cols, _WARD_COL)
    if ward_col is None or ward_col not in cols:
        return pd.DataFrame(), [
            Problem(
                where,
                None,
                "ward code",
                f"no ward code column (e.g. 'Ward Code 1', WD09CD, ward_code); columns: {', '.join(map(str, cols[:12]))}",
            )
        ]
    la_col = _find_col(cols, _LA_COL)
    keep = np.ones(len(df), bool)
    if la_col is not None:
        keep = (df[la_col].astype(str).str.strip() == ctx.lad_code).to_numpy()
        if not keep.any():
            return pd.DataFrame(), [
                Problem(where, None, la_col, f"no row for district {ctx.lad_code}")
            ]
    df, rows = df[keep].reset_index(drop=True), np.asarray(rows)[keep]
    ages = {c: age_column(c) for c in cols if c != ward_col}
    ages = {c: a for c, a in ages.items() if a is not None}
    if not ages:
        return pd.DataFrame(), [
            Problem(
                where,
                None,
                None,
                "no age columns (single years 0..89 and 90+, or bands such as 0-4 ... 90+)",
            )
        ]
    # year
    year = options.get("year")
    year_col = _find_col(cols, (r"year", r"mid_year", r"date"))
    if year is None and year_col is None:
        m = _YEAR.findall(sheet) or _YEAR.findall(filename)
        if m:
            year = int(m[0])
        else:
            return pd.DataFrame(), [
                Problem(
                    where,
                    None,
                    "year",
                    "no year: add a year column, name the sheet or file after the mid-year (e.g. mid-2009), or set the 'year' option",
                )
            ]
    # sex
    sex_col = _find_col(cols, (r"sex", r"gender"))
    sheet_sex = _sheet_sex(sheet) if sheet else None
    col_sexes = {a[0] for a in ages.values()}
    if (
        sex_col is None
        and col_sexes == {None}
        and sheet_sex in (None, "P")
        and not options.get("sex")
    ):
        return pd.DataFrame(), [
            Problem(
                where,
                None,
                "sex",
                "population must be by sex: no sex column, no M/F-prefixed age columns and no Males/Females sheet",
            )
        ]
    for c, (_s, lo, hi) in ages.items():
        if esp_band(lo, hi) is None:
            problems.append(
                Problem(
                    where,
                    None,
                    str(c),
                    f"age group {lo}{'+' if hi is None else f'-{hi}'} cannot be put into one ESP 2013 band (0-4, ..., 85-89, 90+); supply single years of age or 5-year bands",
                )
            )
    if problems:
        return pd.DataFrame(), problems
    codes = df[ward_col].astype(str).str.strip()
    long = []
    for c, (s, lo, hi) in ages.items():
        text = df[c].astype(str).str.replace(",", "", regex=False).str.strip()
        num = pd.to_numeric(text, errors="coerce")
        missing = df[c].isna() | text.isin(["", "nan", "None"])
        for i in np.flatnonzero((num.isna() & ~missing).to_numpy()):
            problems.append(
                Problem(
                    where,
                    int(rows[i]),
                    str(c),
                    "wrong type: expected a whole number of people",
                    df[c].iloc[i],
                )
            )
        for i in np.flatnonzero(missing.to_numpy()):
            problems.append(
                Problem(
                    where, int(rows[i]), str(c), "missing value (every age column needs a count)"
                )
            )
        for i in np.flatnonzero((num < 0).to_numpy()):
            problems.append(
                Problem(
                    where, int(rows[i]), str(c), "count must be a non-negative number", num.iloc[i]
                )
            )
        if sex_col is not None:
            sex = (
                df[sex_col]
                .astype(str)
                .str.strip()
                .str.upper()
                .str[0]
                .map({"M": "M", "F": "F", "1": "M", "2": "F"})
            )
        else:
            sex = pd.Series(
                s or sheet_sex or str(options.get("sex", "")).upper()[:1], index=df.index
            )
        long.append(
            pd.DataFrame(
                {
                    "year": (
                        df[year_col].astype(str).str.extract(r"(\d{4})")[0]
                        if year_col
                        else str(year)
                    ),
                    "ward_code": codes,
                    "sex": sex,
                    "age_band": esp_band(lo, hi),
                    "population": num,
                    "_row": rows,
                    "_col": str(c),
                }
            )
        )
    tidy = pd.concat(long, ignore_index=True)
    if "all_ages" in {_norm(c) for c in cols}:
        all_col = next(c for c in cols if _norm(c) == "all_ages")
        per_row = tidy.groupby(["_row", "sex"], sort=False)["population"].sum()
        totals = pd.to_numeric(
            df[all_col].astype(str).str.replace(",", "", regex=False), errors="coerce"
        )
        by_row = dict(zip(rows, totals, strict=True))
        if sex_col is None and len(col_sexes - {None}) <= 1:
            for (r, _sex), v in per_row.items():
                t = by_row.get(r)
                if t is not None and not pd.isna(t) and abs(v - t) > 0.5:
                    problems.append(
                        Problem(
                            where,
                            int(r),
                            str(all_col),
                            f"the ages add up to {v:,.0f} but All Ages is {t:,.0f}",
                        )
                    )
    wide_key = tidy.drop_duplicates(["_row", "sex"])[["year", "ward_code", "sex", "_row"]]
    dup = wide_key.duplicated(["year", "ward_code", "sex"], keep="first")
    for y, code, sex, r in wide_key[dup].to_numpy():
        problems.append(
            Problem(
                where,
                int(r),
                str(ward_col),
                f"duplicated row: ward {code} appears twice for {sex} in {y}",
                code,
            )
        )
    agg = (
        tidy.groupby(["year", "ward_code", "sex", "age_band"], sort=False, dropna=False)
        .agg(population=("population", "sum"), _row=("_row", "min"))
        .reset_index()
    )
    agg["population"] = agg["population"].round().astype("Int64").astype(str)
    agg["_file"] = where
    return agg, problems


# -- Fingertips ------------------------------------------------------------------------------------

FINGERTIPS_COLUMNS = ("Indicator ID", "Area Code", "Area Name", "Time period", "Value")


def fingertips_period(text: str, annual_quarter: int = 4) -> tuple[str | None, str | None]:
    """A Fingertips time period as (period ``YYYYQn``, financial year ``YYYY-YY``).

    Financial-year values are placed in the quarter ``annual_quarter`` of that year (default Q4, when
    the year's figure is complete); calendar years in the quarter holding 31 December.

    >>> fingertips_period("2009/10"), fingertips_period("2009/10 Q2"), fingertips_period("2008")
    (('2009Q4', '2009-10'), ('2009Q2', '2009-10'), ('2008Q3', None))
    >>> fingertips_period("2007 - 09")
    (None, None)
    """
    s = str(text).strip()
    m = re.fullmatch(r"(\d{4})/(\d{2})(?:\s*Q([1-4]))?", s)
    if m and (int(m.group(1)) + 1) % 100 == int(m.group(2)):
        y = int(m.group(1))
        q = int(m.group(3)) if m.group(3) else annual_quarter
        return str(Quarter(y, q)), Quarter(y, 1).fy
    m = re.fullmatch(r"(\d{4})", s)
    if m:
        return str(Quarter.from_date(datetime.date(int(s), 12, 31))), None
    return None, None


def load_fingertips(
    path: Path, ctx: Context, label: str, options: dict
) -> tuple[dict, list[Problem]]:
    """A Fingertips data download -> indicator ``returns`` and ``comparators``.

    Options: ``indicators`` maps Fingertips indicator IDs to indicator codes (e.g. ``{92904: NI39}``;
    with a map, other indicators are dropped; without one, codes are ``FT<id>``), ``submitted_by``
    (default ``Fingertips``), ``annual_quarter`` (default 4). Only the headline rows are kept (empty
    ``Category Type``; ``Persons`` when an indicator is given by sex). Rows for other districts are dropped;
    rows without a value (suppressed) are skipped.
    """
    df, rows, where = read_table(path, label, options, header_has=("Indicator ID",))
    problems = []
    missing = [c for c in FINGERTIPS_COLUMNS if c not in df.columns]
    if missing:
        return {}, [
            Problem(
                where,
                None,
                c,
                f"required Fingertips column is missing (the file has: {', '.join(map(str, df.columns))})",
            )
            for c in missing
        ]
    df = df.copy()
    df["_row"] = rows
    for c in ("Category Type", "Sex"):
        if c not in df.columns:
            df[c] = ""
    df = df[df["Category Type"].astype(str).str.strip().isin(["", "nan"])]
    ids = df["Indicator ID"].astype(str).str.strip().str.replace(r"\.0$", "", regex=True)
    mapping = {str(k): str(v) for k, v in (options.get("indicators") or {}).items()}
    if mapping:
        df, ids = df[ids.isin(mapping)], ids[ids.isin(mapping)]
        code = ids.map(mapping)
    else:
        code = "FT" + ids
    df = df.assign(indicator_code=code.to_numpy())
    persons = df.groupby("indicator_code")["Sex"].transform(
        lambda s: (s.astype(str) == "Persons").any()
    )
    df = df[~persons.astype(bool) | (df["Sex"].astype(str) == "Persons")]
    area = df["Area Code"].astype(str).str.strip()
    value_text = df["Value"].astype(str).str.strip()
    has_value = ~(df["Value"].isna() | value_text.isin(["", "nan", "None"]))
    df, area = df[has_value], area[has_value]
    periods = df["Time period"].map(
        lambda t: fingertips_period(t, int(options.get("annual_quarter", 4)))
    )
    bad = periods.map(lambda p: p[0] is None)
    for r, t in zip(df.loc[bad, "_row"], df.loc[bad, "Time period"], strict=True):
        problems.append(
            Problem(
                where,
                int(r),
                "Time period",
                "time period must be a financial year (2009/10), a quarter (2009/10 Q3) or a "
                "calendar year (2009); pooled periods such as '2007 - 09' cannot be used",
                t,
            )
        )
    df, area, periods = df[~bad], area[~bad], periods[~bad]
    local = area.isin(ctx.area_codes)
    comp = area.eq(ENGLAND_CODE) | area.str.match(r"^E12\d{6}$")
    ret = pd.DataFrame(
        {
            "indicator_code": df["indicator_code"],
            "period": periods.map(lambda p: p[0]),
            "area_code": area,
            "value": df["Value"],
            "numerator": df["Count"] if "Count" in df.columns else "",
            "denominator": df["Denominator"] if "Denominator" in df.columns else "",
            "submitted_on": options.get("submitted_on", ""),
            "submitted_by": options.get("submitted_by", "Fingertips"),
        }
    )[local.to_numpy()]
    sp = spec("returns", ctx)
    sp = type(sp)(
        sp.name,
        tuple(
            c if c.name != "submitted_on" else type(c)(c.name, c.kind, False, c.checks)
            for c in sp.columns
        ),
        sp.key,
        sp.frame_checks,
    )
    r_parsed, p1 = validate(ret, sp, where, df["_row"].to_numpy()[local.to_numpy()])
    names = df["Area Name"].astype(str).str.replace(r"\s+region$", "", regex=True).str.strip()
    names = names.where(~area.eq(ENGLAND_CODE), "England")
    annual = df["Time period"].astype(str).str.fullmatch(r"\d{4}/\d{2}")
    cmp_ = pd.DataFrame(
        {
            "indicator_code": df["indicator_code"],
            "period": periods.map(lambda p: p[0]).where(~annual, ""),
            "financial_year": periods.map(lambda p: p[1] or "").where(annual, ""),
            "comparator": names,
            "value": df["Value"],
            "status": "found",  # a published figure
        }
    )[comp.to_numpy()]
    c_parsed, p2 = validate(
        cmp_, spec("comparators", ctx), where, df["_row"].to_numpy()[comp.to_numpy()]
    )
    tables = {
        "returns": _tag(r_parsed, where, df["_row"].to_numpy()[local.to_numpy()]),
        "comparators": _tag(c_parsed, where, df["_row"].to_numpy()[comp.to_numpy()]),
    }
    return tables, problems + p1 + p2


# ---------------------------------------------------------------------------------------------------

LOADERS = {
    "contract_csv": load_contract,
    "partner_return": load_partner_return,
    "ons_mye_sape": load_mye_sape,
    "fingertips": load_fingertips,
}


def load_file(
    path: Path, fmt: str, ctx: Context, label: str | None = None, options: dict | None = None
) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """Load one raw file in format ``fmt``: (tables by contract name, problems). Never raises on bad data.

    The tables keep two bookkeeping columns, ``_file`` and ``_row``, naming where each record came from.
    ``ons_boundary`` files give a ``boundaries`` GeoDataFrame.
    """
    label = label or path.name
    options = dict(options or {})
    try:
        if fmt == "ons_boundary":
            from ..geo import load_boundaries

            gdf = load_boundaries(
                path,
                ward_code_col=options.get("ward_code_col"),
                ward_name_col=options.get("ward_name_col"),
                lad_code=options.get(
                    "lad_code", ctx.lad_code if options.get("filter_district", True) else None
                ),
                label=label,
                layer=options.get("layer"),
            )
            return {"boundaries": gdf}, []
        if fmt not in LOADERS:
            return {}, [Problem(label, None, None, f"unknown format {fmt!r}")]
        return LOADERS[fmt](path, ctx, label, options)
    except FileProblem as exc:
        return {}, exc.problems
    except DataValidationError as exc:
        return {}, exc.problems
