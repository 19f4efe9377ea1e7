"""Stage 1 of simulate (read, dedup, aggregate) as SQL for engines other than DuckDB.

Stage 1 is written once, as DuckDB SQL in a portable subset, by the simulate engine's builder. This
module transpiles that text with sqlglot and then fixes what sqlglot gets wrong or passes through
unchanged, so the same aggregate comes out of every engine:

- the billing month in the catalog's timezone: DuckDB's ``timezone(zone, ts)`` (or
  ``ts AT TIME ZONE zone``) has no common spelling, and sqlglot copies ``timezone()`` verbatim or
  turns it into functions whose result depends on the session's timezone. Each engine gets the
  wall-clock time in the zone as a timestamp without zone, which ``DATE_TRUNC`` then cuts to the month;
- exact decimals: sqlglot writes ``DECIMAL(38, 12)`` as a bare ``BIGNUMERIC`` (or an invalid
  ``NUMERIC(38, 12)``) for BigQuery, which drops the declared scale; here it becomes
  ``BIGNUMERIC(38, 12)``, which rounds like DuckDB's cast;
- ``TRY_CAST``: Snowflake accepts it only from text, so sqlglot silently turns it into ``CAST`` (an
  error on the first bad value instead of a NULL that simulate reports); here the value is cast to
  text first so ``TRY_CAST`` survives;
- ``ROUND_EVEN`` (banker's rounding) is DuckDB's own; each engine gets its spelling.

After the rewrite the output is parsed back in the target dialect and every function sqlglot does not
know is checked against a list of functions that engine really has; anything else is a bug here, not
SQL to hand to a warehouse.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pricebook.errors import InputError, InternalError, UsageError
from pricebook.simulate.stage1 import transaction_meters

if TYPE_CHECKING:
    from sqlglot import exp

DIALECTS: tuple[str, ...] = ("duckdb", "spark", "snowflake", "bigquery", "trino")

# Functions each engine has that sqlglot does not model (it keeps them as anonymous calls). Any
# other anonymous function left in the output means a DuckDB-only function slipped through.
_KNOWN_ANONYMOUS: dict[str, frozenset[str]] = {
    "duckdb": frozenset({"TIMEZONE", "ROUND_EVEN", "ARG_MAX", "ARG_MIN"}),
    "spark": frozenset({"CONVERT_TIMEZONE", "BROUND", "MAX_BY", "MIN_BY", "TIMESTAMP_SECONDS"}),
    "snowflake": frozenset({"CONVERT_TIMEZONE", "MAX_BY", "MIN_BY", "TO_TIMESTAMP_TZ"}),
    "bigquery": frozenset({"DATETIME", "DATETIME_TRUNC", "MAX_BY", "MIN_BY"}),
    "trino": frozenset({"AT_TIMEZONE", "MAX_BY", "MIN_BY"}),
}


def check_dialect(dialect: str) -> str:
    """Return ``dialect`` lower-cased, or raise a UsageError naming the supported ones."""
    d = dialect.lower()
    if d not in DIALECTS:
        raise UsageError(f"unknown SQL dialect '{dialect}': use one of {', '.join(DIALECTS)}")
    return d


def transpile(sql: str, dialect: str, *, timezone: str = "UTC",
              source_columns: Sequence[str] | None = None, pretty: bool = True) -> str:
    """Rewrite stage-1 SQL written for DuckDB into ``dialect`` and fix what sqlglot gets wrong.

    ``timezone`` is the catalog's: where an engine turns a zoned timestamp into a wall-clock one
    without looking at its session zone (Snowflake, BigQuery, Trino), the conversion is spelled out.
    ``source_columns`` are the raw usage table's columns: a ``*`` next to computed columns of the
    same name is ambiguous outside DuckDB, so it is expanded to the columns not computed there.

    Raises ``InternalError`` when the input is not SQL sqlglot can read or when the output would
    still contain a function the target engine does not have.
    """
    import sqlglot
    from sqlglot.errors import SqlglotError

    d = check_dialect(dialect)
    try:
        statements = sqlglot.parse(sql, read="duckdb")
    except SqlglotError as exc:
        raise InternalError(f"stage-1 SQL is not readable by sqlglot: {exc}") from exc
    out: list[str] = []
    for tree in statements:
        if tree is None:
            continue
        fixed = rewrite(tree, d, timezone=timezone, source_columns=source_columns)
        try:
            text = fixed.sql(dialect=d, pretty=pretty, unsupported_level=sqlglot.ErrorLevel.RAISE)
        except SqlglotError as exc:
            raise InternalError(f"sqlglot cannot write stage 1 for {d}: {exc}") from exc
        check_functions(text, d)
        out.append(text)
    return ";\n\n".join(out)


def rewrite(tree: exp.Expr, dialect: str, *, timezone: str = "UTC",
            source_columns: Sequence[str] | None = None) -> exp.Expr:
    """Apply this module's fixes to a parsed DuckDB statement for ``dialect`` (returns a copy)."""
    tree = tree.copy()
    if dialect == "duckdb":
        return tree
    fixers: list[Callable[[exp.Expr], exp.Expr]] = [
        lambda node: _local_time(node, dialect),
        lambda node: _round_even(node, dialect),
        lambda node: _wall_clock(node, dialect, timezone),
        _full_match,
        _spread_unkeyed_rows,
    ]
    if source_columns is not None:
        columns = list(source_columns)
        fixers.append(lambda node: _expand_star(node, columns))
    if dialect == "spark":
        fixers.append(_spark_epoch)
    if dialect == "bigquery":
        fixers += [_bigquery_decimal, _bigquery_datetime_trunc]
    if dialect == "snowflake":
        fixers.append(_snowflake_try_cast)
    for fix in fixers:
        tree = _bottom_up(tree, fix)
    return tree


def _bottom_up(tree: exp.Expr, fix: Callable[[exp.Expr], exp.Expr]) -> exp.Expr:
    """Replace nodes children first, so a rewritten parent contains already rewritten children."""
    for node in reversed(list(tree.walk(bfs=False))):
        new = fix(node)
        if new is node:
            continue
        if node is tree:
            tree = new
        else:
            node.replace(new)
    return tree


def check_functions(sql: str, dialect: str) -> None:
    """Parse ``sql`` back in ``dialect``; raise InternalError on a function that engine lacks."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import SqlglotError

    try:
        trees = sqlglot.parse(sql, read=dialect)
    except SqlglotError as exc:
        raise InternalError(f"stage 1 written for {dialect} does not parse back: {exc}") from exc
    allowed = _KNOWN_ANONYMOUS[dialect]
    for tree in trees:
        if tree is None:
            continue
        for fn in tree.find_all(exp.Anonymous):
            name = str(fn.this).upper()
            if name not in allowed:
                raise InternalError(f"stage 1 for {dialect} still calls {name}(), which {dialect} "
                                    "does not have: teach pricebook.simulate.dialects to rewrite it")


# --- fixes -----------------------------------------------------------------------------------


def _local_time(node: exp.Expr, dialect: str) -> exp.Expr:
    """``timezone(zone, ts)`` / ``ts AT TIME ZONE zone`` -> wall-clock time in ``zone``."""
    from sqlglot import exp

    if isinstance(node, exp.Anonymous) and str(node.this).upper() == "TIMEZONE" \
            and len(node.expressions) == 2:
        zone, ts = node.expressions
    elif isinstance(node, exp.AtTimeZone):
        ts, zone = node.this, node.args["zone"]
    else:
        return node
    if dialect == "duckdb":
        return exp.Anonymous(this="timezone", expressions=[zone, ts])
    if dialect == "spark":
        # convert_timezone(target, ts) reads ts in the session zone and returns a TIMESTAMP_NTZ, so
        # the result does not depend on spark.sql.session.timeZone (from_utc_timestamp, what
        # sqlglot writes, does: DATE_TRUNC would then cut the month in the session zone).
        return exp.Anonymous(this="CONVERT_TIMEZONE", expressions=[zone, ts])
    if dialect == "snowflake":
        # CONVERT_TIMEZONE(zone, tz_value) keeps an offset; the NTZ cast keeps the wall clock.
        return exp.Cast(this=exp.Anonymous(this="CONVERT_TIMEZONE", expressions=[zone, ts]),
                        to=exp.DataType.build("TIMESTAMP_NTZ", dialect="snowflake"))
    if dialect == "bigquery":
        return exp.Anonymous(this="DATETIME", expressions=[ts, zone])
    if dialect == "trino":
        return exp.Anonymous(this="AT_TIMEZONE", expressions=[ts, zone])
    raise InternalError(f"no local-time rule for dialect {dialect}")


def _bigquery_datetime_trunc(node: exp.Expr) -> exp.Expr:
    """Every timestamp stage 1 truncates is zone-less (DuckDB TIMESTAMP, BigQuery DATETIME), and
    BigQuery truncates a DATETIME with DATETIME_TRUNC(x, MONTH); sqlglot writes TIMESTAMP_TRUNC."""
    from sqlglot import exp

    if not isinstance(node, (exp.DateTrunc, exp.TimestampTrunc)):
        return node
    unit = node.args.get("unit")
    unit_name = str(getattr(unit, "name", unit) or "").upper()
    if not unit_name:
        return node
    return exp.Anonymous(this="DATETIME_TRUNC", expressions=[node.this, exp.var(unit_name)])


def _bigquery_decimal(node: exp.Expr) -> exp.Expr:
    """``CAST(x AS DECIMAL(p, s))`` -> ``ROUND(CAST(x AS BIGNUMERIC), s)``.

    sqlglot drops the parameters of a type inside CAST for BigQuery (a bare NUMERIC has scale 9 and
    would cut a 12-digit quantity), so the declared scale is kept with ROUND, which rounds half away
    from zero like DuckDB's and Spark's decimal casts.
    """
    from sqlglot import exp

    if isinstance(node, exp.Cast) and node.to.is_type(exp.DataType.Type.DECIMAL):
        params = [p.this for p in node.to.expressions if isinstance(p, exp.DataTypeParam)]
        if len(params) == 2 and isinstance(params[1], exp.Literal):
            cast = node.__class__(this=node.this, to=exp.DataType.build("BIGNUMERIC", dialect="bigquery"))
            return exp.Round(this=cast, decimals=params[1].copy())
    return node


def _snowflake_try_cast(node: exp.Expr) -> exp.Expr:
    """Snowflake's TRY_CAST takes text only; sqlglot would otherwise emit a plain CAST."""
    from sqlglot import exp

    if not isinstance(node, exp.TryCast):
        return node
    inner = node.this
    if isinstance(inner, exp.Cast) and inner.to.is_type(*exp.DataType.TEXT_TYPES):
        return node
    as_text = exp.Cast(this=inner, to=exp.DataType.build("VARCHAR"))
    return exp.TryCast(this=as_text, to=node.to)


def _round_even(node: exp.Expr, dialect: str) -> exp.Expr:
    """DuckDB's ROUND_EVEN(x, n) (half to even) in each engine's spelling."""
    from sqlglot import exp

    if not (isinstance(node, exp.Anonymous) and str(node.this).upper() == "ROUND_EVEN"):
        return node
    args = list(node.expressions)
    if len(args) == 1:
        args.append(exp.Literal.number(0))
    if dialect == "duckdb":
        return exp.Anonymous(this="ROUND_EVEN", expressions=args)
    if dialect == "spark":
        return exp.Anonymous(this="BROUND", expressions=args)
    if dialect == "snowflake":
        return exp.Round(this=args[0], decimals=args[1],
                         truncate=exp.Literal.string("HALF_TO_EVEN"))
    if dialect == "bigquery":
        return exp.Round(this=args[0], decimals=args[1],
                         truncate=exp.Literal.string("ROUND_HALF_EVEN"))
    raise UsageError(f"{dialect} has no half-to-even rounding; stage 1 for it cannot use ROUND_EVEN")


def _is_zoned_value(node: exp.Expr) -> bool:
    """A value DuckDB types as TIMESTAMPTZ: a cast to it, or ``to_timestamp(epoch seconds)``."""
    from sqlglot import exp

    if isinstance(node, exp.UnixToTime):
        return True
    return isinstance(node, exp.Cast) and node.to.is_type(exp.DataType.Type.TIMESTAMPTZ,
                                                         exp.DataType.Type.TIMESTAMPLTZ)


def _wall_clock(node: exp.Expr, dialect: str, timezone: str) -> exp.Expr:
    """``CAST(zoned AS TIMESTAMP)``: DuckDB and Spark use the session zone (set to the catalog's);
    Snowflake and Trino keep the value's own offset and BigQuery uses UTC, so spell out the zone."""
    from sqlglot import exp

    if not (isinstance(node, exp.Cast) and not isinstance(node, exp.TryCast)
            and node.to.is_type(exp.DataType.Type.TIMESTAMP, exp.DataType.Type.TIMESTAMPNTZ)
            and _is_zoned_value(node.this)):
        return node
    value, zone = node.this, exp.Literal.string(timezone)
    if dialect == "snowflake":
        if isinstance(value, exp.UnixToTime):
            value = exp.Anonymous(this="TO_TIMESTAMP_TZ", expressions=[value.this])
        return exp.Cast(this=exp.Anonymous(this="CONVERT_TIMEZONE", expressions=[zone, value]),
                        to=exp.DataType.build("TIMESTAMP_NTZ", dialect="snowflake"))
    if dialect == "trino":
        return exp.Cast(this=exp.Anonymous(this="AT_TIMEZONE", expressions=[value, zone]),
                        to=exp.DataType.build("TIMESTAMP"))
    if dialect == "bigquery":
        return exp.Anonymous(this="DATETIME", expressions=[value, zone])
    return node


def _full_match(node: exp.Expr) -> exp.Expr:
    """``regexp_full_match(x, p)`` (DuckDB only) -> a regex match anchored at both ends."""
    from sqlglot import exp

    if not isinstance(node, exp.RegexpFullMatch):
        return node
    pattern = node.expression
    if isinstance(pattern, exp.Literal) and pattern.is_string:
        anchored: exp.Expr = exp.Literal.string(f"^(?:{pattern.this})$")
    else:
        anchored = exp.Concat(expressions=[exp.Literal.string("^(?:"), pattern, exp.Literal.string(")$")])
    return exp.RegexpLike(this=node.this, expression=anchored)


def _spark_epoch(node: exp.Expr) -> exp.Expr:
    """``to_timestamp(seconds)``: sqlglot writes FROM_UNIXTIME, which formats the instant as text in
    the session zone and parses it back (an hour off in a DST fold); TIMESTAMP_SECONDS is exact."""
    from sqlglot import exp

    if isinstance(node, exp.UnixToTime) and node.args.get("scale") is None:
        return exp.Anonymous(this="TIMESTAMP_SECONDS", expressions=[node.this])
    return node


def _expand_star(node: exp.Expr, columns: Sequence[str]) -> exp.Expr:
    """``SELECT expr AS c, * FROM t`` where t also has c: DuckDB keeps both and reads the first;
    Spark, Snowflake, BigQuery and Trino reject the later reference as ambiguous. List t's other
    columns instead of the star."""
    from sqlglot import exp

    if not isinstance(node, exp.Select):
        return node
    stars = [e for e in node.expressions if isinstance(e, exp.Star)]
    if not stars:
        return node
    computed = {e.alias_or_name.lower() for e in node.expressions if not isinstance(e, exp.Star)}
    keep = [c for c in columns if c.lower() not in computed]
    new_exprs: list[exp.Expr] = []
    for e in node.expressions:
        if isinstance(e, exp.Star):
            new_exprs.extend(exp.column(c, quoted=True) for c in keep)
        else:
            new_exprs.append(e)
    node.set("expressions", new_exprs)
    return node


# --- the whole of stage 1 as one query --------------------------------------------------------


def stage1_query(view_sql: str, aggregate_sql: str, *, view_name: str = "usage_events") -> str:
    """One DuckDB query for stage 1: the usage view (a ``CREATE VIEW`` from ``readers``) as a CTE,
    then the aggregate over it. One statement runs the same everywhere (BigQuery has no temporary
    views) and a data team can wrap it in ``CREATE TABLE ... AS``."""
    import sqlglot
    from sqlglot import exp

    view = sqlglot.parse_one(view_sql, read="duckdb")
    body = view.expression if isinstance(view, exp.Create) else view
    if not isinstance(body, exp.Query):
        raise InternalError("the usage view SQL is not a CREATE VIEW ... AS SELECT")
    query = sqlglot.parse_one(aggregate_sql, read="duckdb")
    if not isinstance(query, exp.Select):
        raise InternalError("stage-1 SQL is not a SELECT")
    # the view comes first: the aggregate's own CTEs (dup_ids) read it
    key = "with_" if "with_" in exp.Select.arg_types else "with"  # sqlglot 30 calls it with_
    own = list(query.args[key].expressions) if query.args.get(key) else []
    query.set(key, None)
    query = query.with_(view_name, as_=body)
    for cte in own:
        query.args[key].append("expressions", cte)
    return query.sql(dialect="duckdb")


# --- the aggregate handed back: columns, types and validation -------------------------------------


def aggregate_columns(agg_spec: Any) -> list[tuple[str, str]]:
    """The aggregate's columns and DuckDB types for ``agg_spec`` (a ``stage1.AggregateSpec``).

    Read from DuckDB's own description of the stage-1 query over an empty usage view, so the
    contract cannot drift from the builder that writes the query.
    """
    import duckdb

    from pricebook.simulate.stage1 import aggregate_sql

    con = duckdb.connect(":memory:")
    try:
        n_dims = len(list(agg_spec.dimensions)) or _dimension_count(agg_spec.meters)
        dims = "".join(f", CAST(NULL AS VARCHAR) AS d_{i}" for i in range(n_dims))
        con.execute(
            f"CREATE TEMP VIEW {agg_spec.source} AS SELECT CAST(NULL AS VARCHAR) AS event_id, "
            "CAST(NULL AS VARCHAR) AS customer_id, CAST(NULL AS VARCHAR) AS meter, "
            f"CAST(NULL AS TIMESTAMP) AS ts, CAST(NULL AS DECIMAL(38, {agg_spec.scale})) AS value, "
            f"CAST(NULL AS VARCHAR) AS value_raw, CAST(NULL AS VARCHAR) AS excluded{dims} LIMIT 0")
        rows = con.execute("DESCRIBE " + aggregate_sql(agg_spec)).fetchall()
    finally:
        con.close()
    return [(str(r[0]), str(r[1])) for r in rows]


def _dimension_count(meters: Any) -> int:
    from pricebook.simulate.readers import dimension_names

    return len(dimension_names(meters))


_INTEGER_TYPES = ("BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER",
                  "USMALLINT", "UTINYINT")


def load_aggregate(con: Any, path: str, columns: Sequence[tuple[str, str]], *,
                   table: str = "agg") -> int:
    """Read an aggregate computed elsewhere (``pricebook aggregate-sql`` in a warehouse) from
    ``path`` into the DuckDB table ``table``, checking it against ``columns`` first.

    Accepts CSV, Parquet or NDJSON. Every expected column must be there, and no other; decimals must
    arrive exactly (DECIMAL or text, never a binary float) with at most the declared scale; each
    value must convert to its column's type. Anything else raises a one-line ``InputError`` that
    names the file, the column and, for a bad value, the row. Returns the number of rows.
    """
    from pricebook.simulate.readers import describe, reader_sql
    from pricebook.simulate.sqlutil import ident, lit

    source = reader_sql([path])
    actual = describe(con, source)
    names = {n.lower(): n for n in actual}
    missing = [n for n, _ in columns if n.lower() not in names]
    extra = sorted(n for n in actual if n.lower() not in {c.lower() for c, _ in columns})
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if extra:
            parts.append(f"unexpected column(s) {', '.join(extra)}")
        expected = ", ".join(f"{n} {t}" for n, t in columns)
        raise InputError(f"aggregate {path}: {'; '.join(parts)} (expected: {expected})")

    selects: list[str] = []
    checks: list[tuple[str, str]] = []
    for name, typ in columns:
        src_name = names[name.lower()]
        src_type = actual[src_name].upper()
        col = ident(src_name)
        if typ.startswith("DECIMAL"):
            scale = int(typ.rstrip(")").split(",")[1])
            if src_type in ("DOUBLE", "FLOAT", "REAL"):
                from pricebook.simulate.readers import file_format

                if file_format(path) == "json":
                    raise InputError(f"aggregate {path}: column {name} holds JSON numbers, which are read "
                                     "as binary floats; write decimals as JSON strings, or export CSV or "
                                     "Parquet")
                raise InputError(f"aggregate {path}: column {name} is {src_type}, a binary float; "
                                 f"export it exactly, as {typ} or as text")
            if src_type.startswith("DECIMAL") and int(src_type.rstrip(")").split(",")[1]) <= scale:
                checks.append((name, f"{col} IS NOT NULL AND TRY_CAST({col} AS {typ}) IS NULL"))
            else:
                text = f"trim(CAST({col} AS VARCHAR))"
                frac = f"rtrim(split_part({text}, '.', 2), '0')"
                checks.append((name, f"{col} IS NOT NULL AND (TRY_CAST({text} AS {typ}) IS NULL "
                                     f"OR NOT regexp_full_match({text}, '[+-]?[0-9]+([.][0-9]*)?') "
                                     f"OR length({frac}) > {scale})"))
                col = text
        elif typ in _INTEGER_TYPES:
            checks.append((name, f"{col} IS NOT NULL AND TRY_CAST({col} AS {typ}) IS NULL"))
        elif typ == "DATE":
            checks.append((name, f"{col} IS NOT NULL AND (TRY_CAST({col} AS DATE) IS NULL "
                                 f"OR day(TRY_CAST({col} AS DATE)) <> 1)"))
            col = f"CAST({col} AS DATE)" if src_type == "DATE" else f"TRY_CAST({col} AS DATE)"
        else:
            checks.append((name, f"{col} IS NOT NULL AND TRY_CAST({col} AS {typ}) IS NULL"))
        if not col.startswith("TRY_CAST"):
            col = f"TRY_CAST({col} AS {typ})"
        selects.append(f"{col} AS {ident(name)}")

    numbered = f"(SELECT row_number() OVER () AS pricebook_row, * FROM {source}) AS a"
    for name, bad in checks:
        try:
            row = con.execute(f"SELECT pricebook_row, CAST({ident(names[name.lower()])} AS VARCHAR) "
                              f"FROM {numbered} WHERE {bad} LIMIT 1").fetchone()
        except Exception as exc:
            raise InputError(f"aggregate {path}: cannot read column {name}: {_first_line(exc)}") from exc
        if row is not None:
            typ = dict(columns)[name]
            why = "is not the first day of a month" if typ == "DATE" else f"is not a {typ}"
            raise InputError(f"aggregate {path}: row {row[0]}: {name} = {row[1]!r} {why}")
    status = ident(names["status"]) if "status" in names else None
    if status is not None:
        from pricebook.simulate.stage1 import STATUSES

        known = ", ".join(lit(s) for s in STATUSES)
        row = con.execute(f"SELECT pricebook_row, CAST({status} AS VARCHAR) FROM {numbered} "
                          f"WHERE {status} IS NULL OR ({status} NOT IN ({known}) "
                          f"AND {status} NOT LIKE 'non\\_usage:%' ESCAPE '\\') LIMIT 1").fetchone()
        if row is not None:
            raise InputError(f"aggregate {path}: row {row[0]}: status {row[1]!r} is not one of "
                             f"{', '.join(STATUSES)} or non_usage:<category>")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {ident(table)} AS SELECT {', '.join(selects)} FROM {source}")
    return int(con.execute(f"SELECT count(*) FROM {ident(table)}").fetchone()[0])


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# --- `pricebook aggregate-sql`: stage 1 for a warehouse -------------------------------------------

SESSION_ZONE: dict[str, str] = {
    "duckdb": "SET TimeZone = {tz};",
    "spark": "SET TIME ZONE {tz};",
    "snowflake": "ALTER SESSION SET TIMEZONE = {tz};",
    "bigquery": "SET @@time_zone = {tz};",
    "trino": "SET TIME ZONE {tz};",
}


def assumed_source_columns(spec: Any) -> dict[str, str]:
    """The raw usage table's columns when no sample describes them: every column the mapping
    (defaults, ``--preset``, ``--map``) names, as text, plus the JSON properties column."""
    preset = spec.preset
    mapping: dict[str, str] = {c: c for c in ("customer_id", "timestamp", "meter", "quantity", "event_id")}
    if preset is not None:
        mapping.update(preset.columns)
        if "event_id" not in preset.columns or not preset.dedup:
            mapping.pop("event_id", None)
    mapping.update(spec.mapping)
    names: list[str] = []

    def add(value: str) -> None:
        for part in value.split("|"):
            head = part.strip().partition(".")[0]
            if head and head not in names:
                names.append(head)

    for value in mapping.values():
        if value:
            add(value)
    # the JSON properties column: named by --map or the preset; a plain export has "properties"
    props = mapping.get("properties") or (preset.properties if preset else "properties")
    if props:
        add(props)
    if preset is not None:
        if preset.usage_filter is not None:
            add(preset.usage_filter[0])
        for value in preset.dimension_columns.values():
            add(value)
    return {n: "VARCHAR" for n in names}


@dataclass(frozen=True)
class WarehouseSql:
    """``pricebook aggregate-sql``'s result: the script and the aggregate's columns."""

    dialect: str
    sql: str
    columns: list[tuple[str, str]]


def warehouse_sql(catalogs: Sequence[Any], dialect: str, *, table: str,
                  mapping: Mapping[str, str] | None = None,
                  preset: str | None = None, source_types: Mapping[str, str] | None = None,
                  scale: int = 12, dedup: bool = True) -> WarehouseSql:
    """Stage 1 of ``pricebook simulate`` as one SQL script for ``dialect`` over the table ``table``.

    ``catalogs`` are every catalog the aggregate will be rated with (the baseline and the
    candidate): their meters, dimensions and percentage prices decide what stage 1 keeps.
    ``source_types`` are the raw table's columns and DuckDB types (from a sample export); without
    them every column the mapping names is assumed to be text (``assumed_source_columns``).
    The script sets the session's time zone to the catalog's, then runs one SELECT whose result is
    the aggregate ``pricebook simulate --aggregate FILE`` reads.
    """
    from pricebook.simulate.presets import get_preset
    from pricebook.simulate.readers import UsageSpec, dimension_names, usage_view_sql
    from pricebook.simulate.sqlutil import ident, lit
    from pricebook.simulate.stage1 import AggregateSpec, aggregate_sql

    d = check_dialect(dialect)
    if not catalogs:
        raise UsageError("aggregate-sql needs a catalog")
    parts = [p.strip() for p in table.split(".")]
    if not table.strip() or not all(parts):
        raise UsageError(f"--table '{table}' is not a table name (NAME, SCHEMA.NAME or DB.SCHEMA.NAME)")
    source = ".".join(ident(p) for p in parts)
    meters: dict[str, Any] = {}
    for cat in catalogs:
        for mid, m in cat.meters.items():
            meters.setdefault(mid, m)
    timezone = catalogs[-1].timezone
    spec = UsageSpec(paths=(), mapping=dict(mapping or {}), preset=get_preset(preset), scale=scale)
    types = dict(source_types) if source_types is not None else assumed_source_columns(spec)
    if spec.preset is not None and not spec.preset.dedup and "event_id" not in spec.mapping:
        dedup = False
    agg_spec = AggregateSpec(meters, frozenset(transaction_meters(catalogs)), scale, dedup,
                             dimensions=tuple(dimension_names(meters)))
    query = stage1_query(usage_view_sql(types, source, spec, meters), aggregate_sql(agg_spec))
    body = transpile(query, d, timezone=timezone, source_columns=list(types))
    if d == "snowflake":
        body = _snowflake_unquote(body)
    columns = aggregate_columns(agg_spec)
    header = [
        f"-- pricebook stage 1 (read, dedup, aggregate) for {d}: catalog(s) "
        f"{', '.join(c.id for c in catalogs)}, quantities at DECIMAL(38, {scale}), "
        f"dedup by event_id: {'yes' if dedup else 'no'}.",
        f"-- Reads {table} (columns: {', '.join(types)}). Billing months are in {timezone}:",
        "-- the first statement sets the session zone, timestamps without an offset are read in it.",
        "-- Save the result (CSV with a header, Parquet or NDJSON) and run",
        "--   pricebook simulate --aggregate FILE ...",
        "-- Result columns: " + ", ".join(f"{n} {t}" for n, t in columns),
    ]
    script = "\n".join(header) + "\n" + SESSION_ZONE[d].format(tz=lit(timezone)) + "\n\n" + body + ";\n"
    return WarehouseSql(d, script, columns)


def _snowflake_unquote(sql: str) -> str:
    """Snowflake folds unquoted names to upper case and matches quoted ones exactly, so a quoted
    ``"customer_id"`` misses the CUSTOMER_ID column a load creates. Unquote plain lower-case (and
    upper-case) names; mixed-case ones stay quoted, as they were meant exactly."""
    import sqlglot
    from sqlglot import exp

    trees = sqlglot.parse(sql, read="snowflake")
    out = []
    for tree in trees:
        if tree is None:
            continue
        for ident_node in tree.find_all(exp.Identifier):
            name = ident_node.this
            if ident_node.quoted and isinstance(name, str) and name.isidentifier() and name.isascii() \
                    and name in (name.lower(), name.upper()) and name.upper() not in _SNOWFLAKE_RESERVED:
                ident_node.set("quoted", False)
        out.append(tree.sql(dialect="snowflake", pretty=True))
    return ";\n".join(out)


_SNOWFLAKE_RESERVED = frozenset({
    "ACCOUNT", "ALL", "ALTER", "AND", "ANY", "AS", "BETWEEN", "BY", "CASE", "CAST", "CHECK", "COLUMN",
    "CONNECT", "CONNECTION", "CONSTRAINT", "CREATE", "CROSS", "CURRENT", "CURRENT_DATE", "CURRENT_TIME",
    "CURRENT_TIMESTAMP", "CURRENT_USER", "DATABASE", "DELETE", "DISTINCT", "DROP", "ELSE", "EXISTS",
    "FALSE", "FOLLOWING", "FOR", "FROM", "FULL", "GRANT", "GROUP", "GSCLUSTER", "HAVING", "ILIKE", "IN",
    "INCREMENT", "INNER", "INSERT", "INTERSECT", "INTO", "IS", "ISSUE", "JOIN", "LATERAL", "LEFT", "LIKE",
    "LOCALTIME", "LOCALTIMESTAMP", "MINUS", "NATURAL", "NOT", "NULL", "OF", "ON", "OR", "ORDER",
    "ORGANIZATION", "QUALIFY", "REGEXP", "REVOKE", "RIGHT", "RLIKE", "ROW", "ROWS", "SAMPLE", "SCHEMA",
    "SELECT", "SET", "SOME", "START", "TABLE", "TABLESAMPLE", "THEN", "TO", "TRIGGER", "TRUE", "TRY_CAST",
    "UNION", "UNIQUE", "UPDATE", "USING", "VALUES", "VIEW", "WHEN", "WHENEVER", "WHERE", "WINDOW", "WITH",
})


def aggregate_sql_command(catalog_dir: Path, dialect: str, *, candidate: str | None = None,
                          table: str = "usage", mapping: Mapping[str, str] | None = None,
                          preset: str | None = None, sample: Sequence[str] = (), scale: int = 12,
                          dedup: bool = True) -> WarehouseSql:
    """Everything ``pricebook aggregate-sql`` does: load the catalog (and ``candidate``, a revision
    spec as for diff), describe the ``sample`` usage export if given, and build the SQL."""
    from pricebook.errors import CatalogLoadError
    from pricebook.load.revision import load_revision

    check_dialect(dialect)
    if not 0 <= scale <= 18:
        raise UsageError(f"--scale must be between 0 and 18, not {scale}")
    catalogs = []
    for spec in (None, candidate) if candidate else (None,):
        rev, result = load_revision(spec, catalog_dir)
        if result.catalog is None:
            raise CatalogLoadError(f"catalog {rev.label} has errors; run 'pricebook validate'",
                                   list(result.diagnostics))
        catalogs.append(result.catalog)
    source_types = None
    if sample:
        import duckdb

        from pricebook.simulate.readers import describe, reader_sql

        con = duckdb.connect(":memory:")
        try:
            source_types = describe(con, reader_sql(list(sample)))
        finally:
            con.close()
    return warehouse_sql(catalogs, dialect, table=table, mapping=mapping, preset=preset,
                         source_types=source_types, scale=scale, dedup=dedup)


def _spread_unkeyed_rows(node: exp.Expr) -> exp.Expr:
    """``ROW_NUMBER() OVER (PARTITION BY event_id ORDER BY ...)`` puts every event without an id in
    one partition: one task on a cluster sorts all of them. Their row number is never used (only a
    repeated id is a duplicate), so spread them by the ORDER BY keys; rows with an id keep their
    partition (the added keys are NULL for them), and the result is unchanged."""
    from sqlglot import exp

    if not isinstance(node, exp.Window):
        return node
    partition = node.args.get("partition_by") or []
    order = node.args.get("order")
    if len(partition) != 1 or not isinstance(partition[0], exp.Column) or order is None:
        return node
    key = partition[0]
    extra = [exp.Case(ifs=[exp.If(this=exp.Is(this=key.copy(), expression=exp.Null()),
                                  true=o.this.copy())])
             for o in order.expressions if isinstance(o, exp.Ordered)]
    if not extra:
        return node
    node.set("partition_by", [key, *extra])
    return node
