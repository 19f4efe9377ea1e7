"""Usage and subscription readers on DuckDB's own readers: files are read in place, never in Python.

``usage_view`` defines the view ``usage_events`` that stage 1 reads, with pricebook's column names:

    event_id VARCHAR, customer_id VARCHAR, meter VARCHAR, ts TIMESTAMP (local to the catalog's
    timezone; NULL when unparseable), value DECIMAL (NULL when missing or unparseable: DECIMAL(38, S),
    or a typed column's own integer or DECIMAL type when every value of it fits DECIMAL(38, S), so
    stage 1 sums the narrow type and casts the sum), value_raw (the value as read: text, or the typed
    column, which stage 1 casts to text only where it needs text: the key unique_count counts),
    excluded VARCHAR (NULL for a usage row, else why it is not usage: FOCUS ChargeCategory),
    d_0 .. d_k VARCHAR (dimensions)

Timestamps with an offset are converted to the catalog's timezone; timestamps without one are read as
already in it; numbers are Unix seconds (also as text, with or without a fraction). A customer id read
as text (CSV, NDJSON) is trimmed of surrounding spaces, as the subscriptions' are, so the two meet.
"""

from __future__ import annotations

import difflib
import glob as _glob
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NoReturn

from pricebook.errors import InputError, PricebookError, UsageError
from pricebook.model import Meter
from pricebook.simulate.presets import Preset
from pricebook.simulate.sqlutil import ident, json_path, lit

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
JSON_SUFFIXES = (".json", ".ndjson", ".jsonl")
PARQUET_SUFFIXES = (".parquet", ".pq")
MAX_SCALE = 28  # DECIMAL(38) keeps 10 integer digits beside the quantity's and the prices' decimals


@dataclass(frozen=True)
class UsageSpec:
    """What the usage view needs: the files, the column mapping and the meters it serves."""

    paths: tuple[str, ...]
    mapping: Mapping[str, str] = field(default_factory=dict)
    preset: Preset | None = None
    scale: int = 12
    # trim the customer id of surrounding spaces, as the subscriptions' ids are; None: when the paths are
    # CSV or NDJSON (text, where such spaces are a slip). A typed Parquet column is taken as written:
    # trimming every event's id there cost half of stage 1 (20M events: 2.5 -> 3.9 s CPU)
    trim_customer: bool | None = None


def file_format(path: str) -> str:
    """``csv``, ``json`` or ``parquet`` from a path's suffix (``.gz``/``.zst`` compression allowed)."""
    name = path.lower()
    for comp in (".gz", ".zst", ".gzip"):
        if name.endswith(comp):
            name = name[: -len(comp)]
    if name.endswith(CSV_SUFFIXES):
        return "csv"
    if name.endswith(JSON_SUFFIXES):
        return "json"
    if name.endswith(PARQUET_SUFFIXES):
        return "parquet"
    raise UsageError(f"cannot tell the format of '{path}': use .csv, .parquet, .json/.ndjson (optionally .gz)")


def _check_exists(paths: Sequence[str], what: str = "usage") -> None:
    plain: list[Path] = []
    for p in paths:
        if any(ch in p for ch in "*?[") or p.startswith(("s3://", "gs://", "http://", "https://")):
            if not any(ch in p for ch in "*?[") or _glob.glob(p, recursive=True):
                continue
            raise InputError(f"{what} glob '{p}' matches no file")
        if not Path(p).exists():
            raise InputError(f"{what} file '{p}' does not exist")
        if Path(p).is_file():
            plain.append(Path(p))
    # a 0-byte file alone is a broken export; among others (a shell's usage/*.csv) it is read as none
    if plain and len(plain) == len(paths) and all(f.stat().st_size == 0 for f in plain):
        raise InputError(f"{what} file '{plain[0]}' is empty" if len(plain) == 1
                         else f"every {what} file is empty ({', '.join(map(str, plain))})")


def usage_format(paths: Sequence[str], what: str = "usage") -> str:
    """The one format of the ``what`` files ``paths`` (they must exist and not mix formats)."""
    return _files(paths, what)[0]


def _files(paths: Sequence[str], what: str) -> tuple[str, list[str]]:
    """The one format of ``paths`` and the paths to read, folders expanded (walked once)."""
    if not paths:
        raise UsageError(f"no {what} files given")
    _check_exists(paths, what)
    files = expand_folders(_expand_bare_globs(paths, what), what)
    formats = {file_format(p) for p in files}
    if len(formats) > 1:
        raise UsageError(f"{what} files mix formats ({', '.join(sorted(formats))}); give one format")
    return formats.pop(), files


def _is_local_glob(path: str) -> bool:
    return any(ch in path for ch in "*?[") and not path.startswith(("s3://", "gs://", "http://", "https://"))


def _expand_bare_globs(paths: Sequence[str], what: str) -> list[str]:
    """``paths`` with each local glob whose own suffix names no format (``usage/*``) replaced by what it
    matches, so the format is told from the files; what a writer leaves beside its data (a name that
    starts with ``_`` or ``.``) is left out, as in a folder. Other globs go to DuckDB as they are."""
    out: list[str] = []
    for p in paths:
        if not _is_local_glob(p):
            out.append(p)
            continue
        try:
            file_format(p)
            out.append(p)
            continue
        except UsageError:
            pass
        found = [m for m in sorted(_glob.glob(p, recursive=True)) if not Path(m).name.startswith((".", "_"))]
        if not found:
            raise InputError(f"{what} glob '{p}' matches no data file")
        out += found
    return out


def expand_folders(paths: Sequence[str], what: str = "usage") -> list[str]:
    """``paths`` with each folder replaced by the data files under it, at any depth (a hive-partitioned
    export, ``usage/month=2026-01/part-0.parquet``). What a writer leaves beside its data is not read:
    a file or folder whose name starts with ``_`` or ``.`` (``_SUCCESS``, ``_temporary/``, ``.crc``
    files), nor a file whose suffix is no data format."""
    out: list[str] = []
    for p in paths:
        if not Path(p).is_dir():
            out.append(p)
            continue
        found = []
        for f in sorted(Path(p).rglob("*")):
            if not f.is_file() or any(part.startswith((".", "_")) for part in f.relative_to(p).parts):
                continue
            try:
                file_format(f.name)
            except UsageError:
                continue
            found.append(str(f))
        if not found:
            raise InputError(f"{what} folder '{p}' holds no .csv, .parquet or .json/.ndjson file")
        out += found
    return out


def reader_sql(paths: Sequence[str], what: str = "usage") -> str:
    """The DuckDB table function reading ``paths`` in place (all of one format; a folder is read as
    every data file under it); ``what`` names the files in errors."""
    return _reader(*_files(paths, what))


_CSV_OPTIONS = "all_varchar = true, header = true, skip = 0, nullstr = ['NULL', '']"
_SEPARATORS = (",", "\t", ";", "|")  # what a header line read as one column is split by


def _reader(fmt: str, expanded: Sequence[str]) -> str:
    files = "[" + ", ".join(lit(p) for p in expanded) + "]"
    if fmt == "csv":
        # every column as text: quantities must not pass through a binary float on the way in. The
        # header is the first line (skip = 0): left to itself, DuckDB's sniffer answers a row with a
        # field too many by skipping every line before it and naming the columns after that row
        return (f"read_csv({files}, {_CSV_OPTIONS}, hive_partitioning = true, union_by_name = true)")
    if fmt == "json":
        # timestamps stay text (a format that never matches), so offsets are honoured as in CSV
        return (f"read_json({files}, format = 'newline_delimited', hive_partitioning = true, "
                "union_by_name = true, timestampformat = '%%never', dateformat = '%%never')")
    return f"read_parquet({files}, hive_partitioning = true, union_by_name = true)"


def describe(con: Any, source_sql: str, what: str = "usage", paths: Sequence[str] = ()) -> dict[str, str]:
    """Column name -> DuckDB type of a reader, without scanning the data (``what`` and ``paths``: the
    input in errors)."""
    try:
        rows = con.execute(f"DESCRIBE SELECT * FROM {source_sql}").fetchall()
    except Exception as exc:  # duckdb raises several classes; all mean the input is unreadable
        read_failed(exc, what, paths)
    return {r[0]: str(r[1]) for r in rows}


def read_columns(con: Any, paths: Sequence[str], what: str = "usage") -> tuple[str, str, dict[str, str]]:
    """The format of the ``what`` files ``paths``, their reader (``reader_sql``) and its columns
    (``describe``).

    A CSV file with a row of the wrong number of fields within the part DuckDB's sniffer reads is read
    as one column named by the whole header line: that stops here with the file, the line and the
    numbers of fields (checked only when a column name holds a separator, so a good file costs nothing).
    """
    fmt, files = _files(paths, what)
    source = _reader(fmt, files)
    types = describe(con, source, what, paths)
    if fmt == "csv" and any(sep in name for name in types for sep in _SEPARATORS):
        for f in files:
            _check_csv_fields(con, f, what)
    return fmt, source, types


def _check_csv_fields(con: Any, path: str, what: str) -> None:
    """Raise, naming the line, when the CSV file ``path`` is read as one column because a row has
    another number of fields than its header (DuckDB's sniffer then finds no separator)."""
    import csv

    try:
        names = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_csv({lit(path)}, {_CSV_OPTIONS})")
                 .fetchall()]
    except Exception as exc:
        read_failed(exc, what, [path])
    if len(names) != 1 or not any(sep in names[0] for sep in _SEPARATORS):
        return
    header = names[0]
    sep = max(_SEPARATORS, key=header.count)
    fields = next(csv.reader([header], delimiter=sep))
    columns = "{" + ", ".join(f"{lit(f'c{i}')}: 'VARCHAR'" for i in range(len(fields))) + "}"
    try:  # the header's fields, strictly: DuckDB names the first row that has another number of them
        con.execute(f"SELECT count(*) FROM read_csv({lit(path)}, auto_detect = false, header = true, "
                    f"delim = {lit(sep)}, quote = '\"', escape = '\"', strict_mode = true, "
                    f"columns = {columns})").fetchall()
    except Exception as exc:
        read_failed(exc, what, [path])


def read_failed(exc: Exception, what: str, paths: Sequence[str] = ()) -> NoReturn:
    """Raise the one-line error for a DuckDB error reading the ``what`` input (``usage``,
    ``subscriptions``) from ``paths``: for a CSV error, the file, the line and DuckDB's reason (its first
    line says only ``CSV Error on Line: N``). DuckDB running out of memory is raised as it is, for the
    caller that names the memory limit."""
    import duckdb

    if isinstance(exc, duckdb.OutOfMemoryException):
        raise exc
    raise _read_error(exc, what, paths) from exc


def _read_error(exc: Exception, what: str, paths: Sequence[str]) -> InputError:
    text = str(exc).strip()
    lines = [line.strip() for line in text.splitlines()]
    m = re.search(r"CSV Error on Line: (\d+)", lines[0]) if lines else None
    if m is None:
        return InputError(f"cannot read {_naming(what, paths)}: {_first_line(exc)}")
    file = next((line[len("file = "):] for line in lines if line.startswith("file = ")), None)
    skip = ("Original Line:", "Possible")  # DuckDB's echo of a line (not always the one) and its advice
    reason = next((line for line in lines[1:] if line and not line.startswith(skip)), "")
    fields = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", reason)
    if fields:
        reason = f"wrong number of fields (the header has {fields[1]}, this row {fields[2]})"
    elif "not utf-8" in reason.lower():
        reason = ("not UTF-8 (DuckDB reads CSV as UTF-8: convert the file, e.g. iconv -f latin1 -t utf-8)")
    where = _naming(what, [file] if file else paths)
    return InputError(f"cannot read {where}: line {m[1]}: {reason or _first_line(exc)}")


def _naming(what: str, paths: Sequence[str]) -> str:
    return f"{what} {', '.join(paths)}" if paths else what


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


class _Columns:
    """Turns mapping values (``col``, ``col.key``, ``a|b``) into SQL over the described source."""

    def __init__(self, types: Mapping[str, str], what: str) -> None:
        self.types = dict(types)
        self.lower = {k.lower(): k for k in types}
        self.what = what

    def find(self, name: str) -> str | None:
        if name in self.types:
            return name
        return self.lower.get(name.lower())

    def json_get(self, column: str, key: str) -> str:
        t = self.types[column].upper()
        src = ident(column)
        if t.startswith(("STRUCT", "MAP")) or t.endswith("[]"):
            src = f"to_json({src})"
        return f"json_extract_string({src}, {lit(json_path(key))})"

    def text(self, spec: str, required: bool, role: str) -> str | None:
        """A VARCHAR expression for ``spec``; None when optional and absent."""
        parts = [p.strip() for p in spec.split("|") if p.strip()]
        exprs: list[str] = []
        for part in parts:
            e = self._one(part)
            if e is not None:
                exprs.append(e)
        if not exprs:
            if required:
                fix = (f"map it with --map {role}=COLUMN or a --preset" if self.what == "usage" else
                       f"name the column '{role}' "
                       f"(a subscriptions file takes {', '.join(SUBSCRIPTION_COLUMNS)})")
                raise InputError(f"{self.what} has no column '{spec}' for {role} (columns: {self.shown()}); "
                                 f"{fix}{self.did_you_mean(spec)}")
            return None
        return exprs[0] if len(exprs) == 1 else "COALESCE(" + ", ".join(exprs) + ")"

    def shown(self) -> str:
        return ", ".join(sorted(self.types)) or "none"

    def did_you_mean(self, spec: str) -> str:
        """``; did you mean 'x'?`` for the column closest to one that ``spec`` names, else ""."""
        for part in (p.strip() for p in spec.split("|")):
            for name in dict.fromkeys((part, part.partition(".")[0])):
                close = difflib.get_close_matches(name.lower(), list(self.lower), n=1)
                if name and close:
                    return f"; did you mean '{self.lower[close[0]]}'?"
        return ""

    def as_text(self, col: str) -> str:
        """The column ``col`` (a name the source has) as VARCHAR."""
        if self.types[col].upper() == "JSON":
            # NDJSON whose rows mix types in a column (a string here, a number there) is read as JSON:
            # a string's text without its quotes, a number's as written
            return f"json_extract_string({ident(col)}, '$')"
        return f"CAST({ident(col)} AS VARCHAR)"

    def _one(self, part: str) -> str | None:
        col = self.find(part)
        if col is not None:
            return self.as_text(col)
        head, sep, key = part.partition(".")
        if sep:
            col = self.find(head)
            if col is not None:
                return self.json_get(col, key)
        return None

    def raw(self, spec: str) -> tuple[str, str] | None:
        """A single plain column and its type (for typed reads of timestamps and quantities)."""
        col = self.find(spec)
        return (ident(col), self.types[col].upper()) if col is not None else None


def timestamp_expr(cols: _Columns, spec: str) -> str:
    raw = cols.raw(spec)
    if raw is not None:
        expr, typ = raw
        if typ == "TIMESTAMP" or typ.startswith("TIMESTAMP_") or typ == "DATE":
            return f"CAST({expr} AS TIMESTAMP)"
        if typ.startswith("TIMESTAMP WITH TIME ZONE"):
            return f"CAST({expr} AS TIMESTAMP)"
        if typ in ("BIGINT", "INTEGER", "HUGEINT", "UBIGINT", "DOUBLE", "FLOAT") or typ.startswith("DECIMAL"):
            return f"CAST(to_timestamp(TRY_CAST({expr} AS DOUBLE)) AS TIMESTAMP)"  # no-float-ok: epoch seconds
    text = cols.text(spec, True, "timestamp")
    # Unix seconds as text: without a fraction exactly; with one as the same JSON number is read (a DOUBLE)
    return (f"CASE WHEN regexp_full_match({text}, '[0-9]{{9,11}}') "
            f"THEN CAST(to_timestamp(TRY_CAST({text} AS BIGINT)) AS TIMESTAMP) "
            f"WHEN regexp_full_match({text}, '[0-9]{{9,11}}[.][0-9]+') "
            f"THEN CAST(to_timestamp(TRY_CAST({text} AS DOUBLE)) AS TIMESTAMP) "  # no-float-ok: epoch seconds
            f"ELSE CAST(TRY_CAST({text} AS TIMESTAMPTZ) AS TIMESTAMP) END")


def check_scale(scale: int) -> None:
    """Refuse a quantity scale no catalog can be rated at (DuckDB would stop on the SQL it makes)."""
    if not 0 <= scale <= MAX_SCALE:
        raise UsageError(f"--scale {scale} must be from 0 to {MAX_SCALE}: the decimals kept of each "
                         "quantity, which with the prices' decimals must leave 10 integer digits of "
                         "DECIMAL(38)")


_INTEGER_DIGITS = {"TINYINT": 3, "SMALLINT": 5, "INTEGER": 10, "BIGINT": 19, "HUGEINT": 39, "UTINYINT": 3,
                   "USMALLINT": 5, "UINTEGER": 10, "UBIGINT": 20}


def _fits(typ: str, scale: int) -> bool | None:
    """Whether every value of a numeric column type fits DECIMAL(38, scale) exactly (None: not numeric)."""
    if typ in _INTEGER_DIGITS:
        return _INTEGER_DIGITS[typ] <= 38 - scale
    if typ.startswith("DECIMAL(") and typ.endswith(")"):
        p, s = (int(x) for x in typ[8:-1].split(","))
        return s <= scale and p - s <= 38 - scale
    return None


def _decimal_of(cols: _Columns, spec: str | None, scale: int) -> tuple[str, str]:
    """(DECIMAL expression, raw expression) for a quantity spec.

    A typed numeric column whose values all fit DECIMAL(38, scale) is passed as it is (summing the
    narrow type and casting the sum is exact and cheaper than casting every event); others are
    TRY_CAST (NULL, hence ``bad_quantity``, when a value does not fit). The raw expression is the
    column itself: turning every number into text cost a fifth of stage 1.
    """
    if spec is None:
        return "CAST(NULL AS DECIMAL(38, 0))", "CAST(NULL AS VARCHAR)"
    raw = cols.raw(spec)
    if raw is not None:
        expr, typ = raw
        fits = _fits(typ, scale)
        if fits:
            return expr, expr
        if fits is not None:
            return f"CAST(TRY_CAST({expr} AS DECIMAL(38, {scale})) AS DECIMAL(38, {scale}))", expr
    text = cols.text(spec, False, "quantity")
    if text is None:
        return "CAST(NULL AS DECIMAL(38, 0))", "CAST(NULL AS VARCHAR)"
    return f"CAST(TRY_CAST(trim({text}) AS DECIMAL(38, {scale})) AS DECIMAL(38, {scale}))", text


def dimension_names(meters: Mapping[str, Meter]) -> list[str]:
    """Every dimension any meter declares, in a stable order (their view columns d_0, d_1, ...)."""
    names: list[str] = []
    for m in meters.values():
        for d in m.dimensions:
            if d not in names:
                names.append(d)
    return names


@dataclass(frozen=True)
class ViewShape:
    """What the view's SQL says about its columns before any row is read (DuckDB's stage 1 uses it
    to leave constant keys out of its GROUP BY).

    ``null_columns``: view columns that are ``CAST(NULL ...)`` for every row (``excluded`` without a
    usage filter, a dimension no column or property gives, ``event_id`` when there is none).
    ``value_is_raw``: ``value`` and ``value_raw`` are the same typed column, so a value is never
    unparseable (``bad_quantity`` cannot occur) and is missing exactly when the raw value is.
    """

    null_columns: frozenset[str] = frozenset()
    value_is_raw: bool = False
    has_quantity: bool = True  # a quantity column (or mapping) was found: meters without a property read it


def usage_view_sql(types: Mapping[str, str], source_sql: str, spec: UsageSpec,
                   meters: Mapping[str, Meter]) -> str:
    """``CREATE VIEW usage_events`` over the source, in pricebook's column names (see module doc)."""
    return _usage_view(types, source_sql, spec, meters, _trims_customer(spec))[0]


def usage_view_shape(types: Mapping[str, str], spec: UsageSpec, meters: Mapping[str, Meter]) -> ViewShape:
    """The ``ViewShape`` of the view ``usage_view_sql`` defines for the same arguments."""
    return _usage_view(types, "source", spec, meters, False)[1]  # trimming changes no column's shape


def _check_mapped(cols: _Columns, mapping: Mapping[str, str]) -> None:
    """Every column the user mapped (``--map``, pricebook.yaml ``usage.map``) must be in the usage: one
    that is not is a typo, which would otherwise read nothing for a quantity, event id, dimension or
    properties column without a word. (Defaults and a preset's optional columns may be absent.)"""
    for key, value in mapping.items():
        if key == "properties":
            there = cols.find(value) is not None
        else:
            there = cols.text(value, False, key) is not None
        if not there:
            raise InputError(f"usage has no column '{value}' for the mapping {key}={value} "
                             f"(columns: {cols.shown()}){cols.did_you_mean(value)}")


_TRIMMED_FORMATS = ("csv", "json")  # text formats, whose ids' surrounding spaces are a slip


def _trims_customer(spec: UsageSpec) -> bool:
    if spec.trim_customer is not None:
        return spec.trim_customer
    try:
        return bool(spec.paths) and usage_format(spec.paths) in _TRIMMED_FORMATS
    except PricebookError:  # not files pricebook reads itself (a warehouse table): as written
        return False


def _usage_view(types: Mapping[str, str], source_sql: str, spec: UsageSpec,
                meters: Mapping[str, Meter], trim_customer: bool) -> tuple[str, ViewShape]:
    check_scale(spec.scale)
    preset = spec.preset
    mapping: dict[str, str] = {c: c for c in ("customer_id", "timestamp", "meter", "quantity", "event_id")}
    if preset is not None:
        mapping.update(preset.columns)
        if "event_id" not in preset.columns or not preset.dedup:
            mapping["event_id"] = ""
    mapping.update(spec.mapping)
    cols = _Columns(types, "usage")
    _check_mapped(cols, spec.mapping)

    props_name = mapping.get("properties") or (preset.properties if preset else None) or "properties"
    props_col = cols.find(props_name)

    customer = cols.text(mapping["customer_id"], True, "customer_id")
    if trim_customer:
        customer = f"trim({customer})"  # as the subscriptions' ids are: ' c1' is c1 in both files
    meter = cols.text(mapping["meter"], True, "meter")
    if preset is not None and preset.meter_slug:
        meter = f"lower(trim(regexp_replace(trim({meter}), '[^A-Za-z0-9]+', '-', 'g'), '-'))"
    event_id = cols.text(mapping["event_id"], False, "event_id") if mapping.get("event_id") else None
    ts = timestamp_expr(cols, mapping["timestamp"])
    qspec = mapping.get("quantity") or None
    if qspec is not None and cols.text(qspec, False, "quantity") is None:
        qspec = None
    qty_dec, qty_text = _decimal_of(cols, qspec, spec.scale)

    # meters whose value sits inside the properties (or in a column of the property's name)
    dec_cases: list[str] = []
    text_cases: list[str] = []
    for mid, m in meters.items():
        if not m.property:
            continue
        if props_col is not None:
            t = cols.json_get(props_col, m.property)
        elif (prop_col := cols.find(m.property)) is not None:
            t = cols.as_text(prop_col)
        else:
            continue
        dec_cases.append(f"WHEN {lit(mid)} THEN TRY_CAST(trim({t}) AS DECIMAL(38, {spec.scale}))")
        text_cases.append(f"WHEN {lit(mid)} THEN {t}")
    value = qty_dec
    value_raw = qty_text
    if dec_cases:
        value = f"CASE meter_ {' '.join(dec_cases)} ELSE CAST({value} AS DECIMAL(38, {spec.scale})) END"
        value_raw = f"CASE meter_ {' '.join(text_cases)} ELSE CAST({qty_text} AS VARCHAR) END"

    dims = []
    preset_dims = preset.dimension_columns if preset else {}
    for i, d in enumerate(dimension_names(meters)):
        src = mapping.get(f"dimension.{d}") or preset_dims.get(d)
        expr = cols.text(src, False, d) if src else None
        if expr is None and (dim_col := cols.find(d)) is not None:
            expr = cols.as_text(dim_col)
        if expr is None and props_col is not None:
            expr = cols.json_get(props_col, d)
        dims.append(f"{expr or 'CAST(NULL AS VARCHAR)'} AS d_{i}")

    excluded = "CAST(NULL AS VARCHAR)"
    if preset is not None and preset.usage_filter is not None:
        fcol, fval = preset.usage_filter
        f = cols.text(fcol, True, "usage filter")
        excluded = f"CASE WHEN {f} = {lit(fval)} THEN NULL ELSE COALESCE({f}, 'NULL') END"

    inner = ", ".join([
        f"{event_id or 'CAST(NULL AS VARCHAR)'} AS event_id",
        f"{customer} AS customer_id",
        f"{meter} AS meter_",
        f"{ts} AS ts",
        f"{excluded} AS excluded",
        *dims,
        "*",
    ])
    dim_cols = "".join(f", d_{i}" for i in range(len(dims)))
    nulls = {f"d_{i}" for i, d in enumerate(dims) if d.startswith("CAST(NULL AS VARCHAR) ")}
    if excluded == "CAST(NULL AS VARCHAR)":
        nulls.add("excluded")
    if not event_id:
        nulls.add("event_id")
    shape = ViewShape(frozenset(nulls), value_is_raw=value == value_raw, has_quantity=qspec is not None)
    return (f"CREATE OR REPLACE TEMP VIEW usage_events AS SELECT event_id, customer_id, meter_ AS meter, ts, "
            f"{value} AS value, {value_raw} AS value_raw, excluded{dim_cols} "
            f"FROM (SELECT {inner} FROM {source_sql}) AS src", shape)


def create_usage_view(con: Any, spec: UsageSpec, meters: Mapping[str, Meter]) -> dict[str, str]:
    """Define ``usage_events`` on ``con``; returns the source's columns and types."""
    fmt, source, types = read_columns(con, spec.paths)
    if spec.trim_customer is None:  # the format is known here: not told again from the paths
        spec = replace(spec, trim_customer=fmt in _TRIMMED_FORMATS)
    sql = usage_view_sql(types, source, spec, meters)
    try:
        con.execute(sql)
    except Exception as exc:
        read_failed(exc, "usage", spec.paths)
    return types


# --- subscriptions --------------------------------------------------------------------------------

SUBSCRIPTION_COLUMNS = ("customer_id", "plan", "currency", "subscribed_at", "ended_at", "add_ons")


def create_subscriptions_table(con: Any, path: str | None, mapping: Mapping[str, str] | None = None) -> int:
    """Load the subscriptions file into the table ``subs`` (small: read into DuckDB, not Python).

    ``add_ons`` is a list of ids separated by ``;``, ``|``, ``,`` or spaces (or a list column).
    Returns the number of rows.
    """
    con.execute("CREATE OR REPLACE TEMP TABLE subs (customer_id VARCHAR, plan VARCHAR, currency VARCHAR, "
                "subscribed_at TIMESTAMP, ended_at TIMESTAMP, add_ons VARCHAR[], line BIGINT)")
    if path is None:
        return 0
    _, source, types = read_columns(con, [path], "subscriptions")
    cols = _Columns(types, f"subscriptions {path}")
    m = dict(mapping or {})
    customer = cols.text(m.get("customer_id", "customer_id"), True, "customer_id")
    plan = cols.text(m.get("plan", "plan"), False, "plan") or "CAST(NULL AS VARCHAR)"
    currency = cols.text(m.get("currency", "currency"), False, "currency") or "CAST(NULL AS VARCHAR)"

    def ts(name: str) -> str:
        if cols.find(m.get(name, name)) is None:
            return "CAST(NULL AS TIMESTAMP)"
        return timestamp_expr(cols, m.get(name, name))

    add_col = cols.find(m.get("add_ons", "add_ons"))
    if add_col is None:
        add_ons = "CAST([] AS VARCHAR[])"
    elif types[add_col].upper().endswith("[]"):
        add_ons = f"CAST({ident(add_col)} AS VARCHAR[])"
    else:
        add_ons = (f"list_filter(regexp_split_to_array(COALESCE(CAST({ident(add_col)} AS VARCHAR), ''), "
                   "'[;|, ]+'), x -> x <> '')")
    try:
        con.execute(f"INSERT INTO subs SELECT trim({customer}), NULLIF(trim({plan}), ''), "
                    f"NULLIF(upper(trim({currency})), ''), {ts('subscribed_at')}, {ts('ended_at')}, {add_ons}, "
                    f"row_number() OVER () FROM {source}")
    except Exception as exc:
        read_failed(exc, "subscriptions", [path])
    bad = con.execute("SELECT line FROM subs WHERE customer_id IS NULL OR customer_id = '' LIMIT 1").fetchone()
    if bad:
        raise InputError(f"{path}: row {bad[0]} has no customer_id")
    for name in ("subscribed_at", "ended_at"):
        col = cols.find(m.get(name, name))
        if col is None:
            continue
        row = con.execute(f"SELECT n, v FROM (SELECT row_number() OVER () AS n, CAST({ident(col)} AS VARCHAR) AS v, "
                          f"{timestamp_expr(cols, col)} AS t FROM {source}) AS x "
                          "WHERE v IS NOT NULL AND trim(v) <> '' AND t IS NULL LIMIT 1").fetchone()
        if row:
            raise InputError(f"{path}: row {row[0]}: {name} '{row[1]}' is not a date or timestamp")
    row = con.execute("SELECT line, subscribed_at, ended_at FROM subs WHERE ended_at < subscribed_at "
                      "ORDER BY line LIMIT 1").fetchone()
    if row:  # never active: it would bill nothing and say nothing
        raise InputError(f"{path}: row {row[0]}: ended_at {row[2]} is before subscribed_at {row[1]}")
    row = con.execute("SELECT line, add_on FROM (SELECT line, unnest(add_ons) AS add_on FROM subs) AS x "
                      "GROUP BY line, add_on HAVING count(*) > 1 ORDER BY line LIMIT 1").fetchone()
    if row:  # as quote refuses it: an add-on is billed once, so a second mention is a mistake to show
        raise InputError(f"{path}: row {row[0]}: add-on '{row[1]}' is listed twice")
    return int(con.execute("SELECT count(*) FROM subs").fetchone()[0])
