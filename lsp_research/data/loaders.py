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
``ons_lsoa_ward``, ``imd_lsoa``
    the ONS LSOA-to-ward best-fit lookup and the English Indices of Deprivation 2019 LSOA file (File 7),
    which together give the ward ``imd_ward`` table (see :mod:`.lsoa`).
``police_uk``
    a police.uk street-level crime CSV, converted to ``incidents`` (see :mod:`.policeuk`).
``ons_boundary``
    an ONS ward boundary file (see :func:`lsp_research.geo.load_boundaries`).

Row numbers in problems count the header as row 1, so they match a spreadsheet or text editor.

>>> import io, tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "targets.csv").write_text("indicator_code,financial_year,area_code,target\\n"
...                                    "NI39,2009-10,E06000999,2100\\nNI39,2019-20,E06000999,x\\n")
>>> ctx = Context(lad_code="E06000999")
>>> tables, problems = load_file(d / "targets.csv", "contract_csv", ctx, label="targets.csv")
>>> tables["targets"]["target"].tolist()
[2100.0, nan]
>>> print(problems[0])
targets.csv, row 3, column 'financial_year': financial year outside the data period (2004-05 to 2009-10) (got '2019-20')
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow
import pyarrow.csv as pa_csv

from ..errors import DataValidationError, FileProblem, Problem
from .fingertips import FINGERTIPS_COLUMNS, fingertips_period, fingertips_tables
from .lsoa import imd_lsoa_table, lsoa_ward_lookup
from .policeuk import police_uk_tables
from .sape import WARD_COL_HEADERS, age_column, esp_band, norm_header, sape_tables, sex_of_sheet
from .schemas import Context, tag_rows, validate
from .sources import TABLE_NAMES, spec

__all__ = [
    "FINGERTIPS_COLUMNS",
    "LOADERS",
    "Context",
    "age_column",
    "decode_text",
    "esp_band",
    "fingertips_period",
    "load_contract",
    "load_file",
    "load_fingertips",
    "load_mye_sape",
    "load_partner_return",
    "normalise_codes",
    "read_bytes",
    "read_csv",
    "read_excel",
    "read_excel_sheets",
    "read_table",
    "table_from_grid",
    "table_of",
]

_EXCEL = (".xlsx", ".xlsm")


def _problem(label: str, rule: str) -> FileProblem:
    """The error for a whole file (no row or column) that cannot be read: raise it."""
    return FileProblem([Problem(label, None, None, rule)])


# ---------------------------------------------------------------------------------------------------
# reading bytes and text


def read_bytes(path: Path, label: str) -> bytes:
    """Read a file read-only, decompressing ``.gz``; raise :class:`FileProblem` when it cannot be read."""
    if not path.exists():
        raise _problem(label, "file not found (the catalogue lists it)")
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise _problem(label, f"cannot be read: {exc.strerror or exc}") from None
    if len(data) == 0:
        raise _problem(label, "file is empty (0 bytes); expected a header row and data rows")
    if path.name.lower().endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise _problem(
                label,
                f"cannot be read: not a valid gzip file ({exc}); expected a gzip-compressed UTF-8 CSV",
            ) from None
        if len(data) == 0:
            raise _problem(
                label,
                "file is empty (no data after decompression); expected a header row and data rows",
            )
    return data


def decode_text(data: bytes, label: str) -> str:
    """Decode UTF-8 (with or without a BOM); name every line holding bytes that are not UTF-8."""
    if b"\x00" in data[:8192]:
        hint = " (it looks like an Excel workbook)" if data[:2] == b"PK" else ""
        raise _problem(label, f"cannot be read: binary content, not a UTF-8 CSV text file{hint}")
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
    numbers are line numbers). Returns None when Arrow cannot read it (pandas then reports why).
    """
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
        raise _problem(
            label, "file is empty (only blank lines); expected a header row and data rows"
        )
    fast = _arrow_csv(data, text)
    if fast is not None:
        fast.columns = [str(c).strip() for c in fast.columns]
        if len(fast) == 0:
            raise _problem(
                label, f"no data rows below the header (columns: {', '.join(fast.columns)})"
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
        raise _problem(label, "file is empty; expected a header row and data rows") from None
    df.columns = [str(c).strip() for c in df.columns]
    rows = np.arange(len(df)) + 2
    if len(df):
        blank = (df == "").all(axis=1).to_numpy()
        df, rows = df[~blank].reset_index(drop=True), rows[~blank]
    if len(df) == 0:
        raise _problem(label, f"no data rows below the header (columns: {', '.join(df.columns)})")
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
            raise _problem(label, f"the workbook has no sheet number {sheet + 1}")
        name = names[sheet]
    elif sheet in sheets:
        name = sheet
    else:
        raise _problem(label, f"the workbook has no sheet {sheet!r}; sheets: {', '.join(names)}")
    df, rows = table_from_grid(sheets[name], f"{label} (sheet '{name}')", header_has)
    return df, rows, f"{label} (sheet '{name}')"


def read_excel_sheets(path: Path, label: str) -> dict[str, pd.DataFrame]:
    """Every worksheet as a grid of cells (no header), read with openpyxl, read-only."""
    if not path.exists():
        raise _problem(label, "file not found (the catalogue lists it)")
    if path.stat().st_size == 0:
        raise _problem(label, "file is empty (0 bytes); expected an Excel workbook")
    try:
        sheets = pd.read_excel(
            path,
            sheet_name=None,
            header=None,
            dtype=object,
            engine="openpyxl",
            keep_default_na=False,
        )
    except Exception as exc:  # noqa: BLE001 - openpyxl raises BadZipFile, InvalidFileException, KeyError and more for a bad workbook; each becomes a FileProblem
        raise _problem(
            label, f"cannot be read as an Excel workbook (.xlsx): {type(exc).__name__}: {exc}"
        ) from None
    # keep text such as 'n/a' as written (so messages quote it); only empty cells are missing
    return {
        name: grid.map(lambda v: np.nan if isinstance(v, str) and not v.strip() else v)
        for name, grid in sheets.items()
    }


def table_from_grid(
    grid: pd.DataFrame, label: str, header_has: tuple[str, ...] = ()
) -> tuple[pd.DataFrame, np.ndarray]:
    """Turn a sheet's cells into a table: find the header row, drop blank rows, keep row numbers."""
    grid = grid.dropna(how="all", axis=1)
    header_at = 0
    if header_has:
        wanted = {norm_header(h) for h in header_has}
        for i in range(min(len(grid), 30)):
            cells = {norm_header(v) for v in grid.iloc[i].tolist() if not pd.isna(v)}
            if cells & wanted or any(
                re.match(w, c) for w in wanted for c in cells if w.startswith("^")
            ):
                header_at = i
                break
        else:
            raise _problem(
                label,
                f"no header row found: expected a row with {' or '.join(header_has)} in the first 30 rows",
            )
    if len(grid) == 0:
        raise _problem(label, "the sheet is empty")
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
        raise _problem(label, f"no data rows below the header (columns: {', '.join(header)})")
    return body, rows


def read_table(
    path: Path, label: str, options: dict | None = None, header_has: tuple[str, ...] = ()
):
    """CSV or Excel by suffix. Returns (table, row numbers, label)."""
    options = options or {}
    if path.suffix.lower() in _EXCEL:
        return read_excel(path, label, options.get("sheet"), header_has)
    if path.suffix.lower() == ".xls":
        raise _problem(label, "old .xls workbooks are not read; save it as .xlsx or CSV UTF-8")
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
    return {table: tag_rows(parsed, where, rows)}, problems


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
    return {"returns": tag_rows(parsed, where, rows)}, problems


def load_mye_sape(
    path: Path, ctx: Context, label: str, options: dict
) -> tuple[dict, list[Problem]]:
    """ONS SAPE wide ward estimates -> tidy ``mid_year_estimates`` (ages summed into ESP 2013 bands)."""
    if path.suffix.lower() in _EXCEL:
        sheets = read_excel_sheets(path, label)
        wanted = options.get("sheets")
        parts, skipped_persons = [], 0
        for name, grid in sheets.items():
            if wanted and name not in wanted:
                continue
            persons = sex_of_sheet(name) == "P"
            if not wanted and persons != bool(options.get("persons")):
                skipped_persons += persons
                continue
            try:
                df, rows = table_from_grid(
                    grid, f"{label} (sheet '{name}')", header_has=WARD_COL_HEADERS
                )
            except FileProblem:
                continue  # notes or metadata sheets
            parts.append((df, rows, f"{label} (sheet '{name}')", name))
        if not parts:
            hint = (
                "; the Persons sheet is persons only: set 'persons: true' on the catalogue entry "
                "(sex-specific figures then cannot be computed)"
                if skipped_persons
                else ""
            )
            return {}, [
                Problem(
                    label,
                    None,
                    None,
                    "no worksheet with a ward code column (e.g. 'Ward Code 1', WD09CD) and age "
                    f"columns{hint}",
                )
            ]
    else:
        df, rows = read_csv(path, label)
        parts = [(df, rows, label, "")]
    return sape_tables(parts, path.name, ctx, options)


def load_fingertips(
    path: Path, ctx: Context, label: str, options: dict
) -> tuple[dict, list[Problem]]:
    """A Fingertips data download -> indicator ``returns`` and ``comparators``.

    Options: ``indicators`` maps Fingertips indicator IDs to indicator codes (e.g. ``{92904: NI39}``;
    with a map, other indicators are dropped; without one, codes are ``FT<id>``), ``submitted_by``
    (default ``Fingertips``), ``annual_quarter`` (default 4), ``returns: false`` or
    ``comparators: false`` (take only the other table: a figure another file already gives must not
    come twice). Only the headline rows are kept (empty ``Category Type``; ``Persons`` when an
    indicator is given by sex). Rows for other districts are dropped; rows without a value
    (suppressed) are skipped.
    """
    df, rows, where = read_table(path, label, options, header_has=("Indicator ID",))
    return fingertips_tables(df, rows, where, ctx, options)


def load_lsoa_ward(
    path: Path, ctx: Context, label: str, options: dict
) -> tuple[dict, list[Problem]]:
    """An ONS LSOA-to-ward best-fit lookup -> ``lsoa_ward`` (see :mod:`.lsoa`)."""
    df, rows, where = read_table(path, label, options, header_has=("^lsoa\\d{2}cd$",))
    look, problems = lsoa_ward_lookup(df, rows, where, ctx)
    return ({"lsoa_ward": look} if len(look) else {}), problems


def load_imd_lsoa(
    path: Path, ctx: Context, label: str, options: dict
) -> tuple[dict, list[Problem]]:
    """An English Indices of Deprivation LSOA file (File 7 layout) -> ``imd_lsoa`` (see :mod:`.lsoa`)."""
    df, rows, where = read_table(path, label, options, header_has=("LSOA code (2011)",))
    imd, problems = imd_lsoa_table(df, rows, where)
    return ({"imd_lsoa": imd} if len(imd) else {}), problems


def load_police_uk(
    path: Path, ctx: Context, label: str, options: dict
) -> tuple[dict, list[Problem]]:
    """A police.uk street-level crime CSV -> ``incidents`` (see :mod:`.policeuk`)."""
    df, rows, where = read_table(path, label, options, header_has=("Crime ID",))
    return police_uk_tables(df, rows, where, ctx)


# ---------------------------------------------------------------------------------------------------

LOADERS = {
    "contract_csv": load_contract,
    "partner_return": load_partner_return,
    "ons_mye_sape": load_mye_sape,
    "fingertips": load_fingertips,
    "ons_lsoa_ward": load_lsoa_ward,
    "imd_lsoa": load_imd_lsoa,
    "police_uk": load_police_uk,
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
            from ..geo import load_boundaries  # geopandas is heavy: only for boundary files

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
