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

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from pricebook.errors import InternalError, UsageError

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


def rewrite(tree: exp.Expression, dialect: str, *, timezone: str = "UTC",
            source_columns: Sequence[str] | None = None) -> exp.Expression:
    """Apply this module's fixes to a parsed DuckDB statement for ``dialect`` (returns a copy)."""
    tree = tree.copy()
    if dialect == "duckdb":
        return tree
    fixers: list[Callable[[exp.Expression], exp.Expression]] = [
        lambda node: _local_time(node, dialect),
        lambda node: _round_even(node, dialect),
        lambda node: _wall_clock(node, dialect, timezone),
        _full_match,
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


def _bottom_up(tree: exp.Expression, fix: Callable[[exp.Expression], exp.Expression]) -> exp.Expression:
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


def _local_time(node: exp.Expression, dialect: str) -> exp.Expression:
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


def _bigquery_datetime_trunc(node: exp.Expression) -> exp.Expression:
    """BigQuery truncates a DATETIME with DATETIME_TRUNC(x, MONTH), not TIMESTAMP_TRUNC."""
    from sqlglot import exp

    if not isinstance(node, (exp.DateTrunc, exp.TimestampTrunc)):
        return node
    value = node.this
    if not (isinstance(value, exp.Anonymous) and str(value.this).upper() == "DATETIME"):
        return node
    unit = node.args.get("unit")
    unit_name = (unit.name if isinstance(unit, exp.Expression) else str(unit or "")).upper()
    if not unit_name:
        return node
    return exp.Anonymous(this="DATETIME_TRUNC", expressions=[value, exp.var(unit_name)])


def _bigquery_decimal(node: exp.Expression) -> exp.Expression:
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


def _snowflake_try_cast(node: exp.Expression) -> exp.Expression:
    """Snowflake's TRY_CAST takes text only; sqlglot would otherwise emit a plain CAST."""
    from sqlglot import exp

    if not isinstance(node, exp.TryCast):
        return node
    inner = node.this
    if isinstance(inner, exp.Cast) and inner.to.is_type(*exp.DataType.TEXT_TYPES):
        return node
    as_text = exp.Cast(this=inner, to=exp.DataType.build("VARCHAR"))
    return exp.TryCast(this=as_text, to=node.to)


def _round_even(node: exp.Expression, dialect: str) -> exp.Expression:
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


def _is_zoned_value(node: exp.Expression) -> bool:
    """A value DuckDB types as TIMESTAMPTZ: a cast to it, or ``to_timestamp(epoch seconds)``."""
    from sqlglot import exp

    if isinstance(node, exp.UnixToTime):
        return True
    return isinstance(node, exp.Cast) and node.to.is_type(exp.DataType.Type.TIMESTAMPTZ)


def _wall_clock(node: exp.Expression, dialect: str, timezone: str) -> exp.Expression:
    """``CAST(zoned AS TIMESTAMP)``: DuckDB and Spark use the session zone (set to the catalog's);
    Snowflake and Trino keep the value's own offset and BigQuery uses UTC, so spell out the zone."""
    from sqlglot import exp

    if not (isinstance(node, exp.Cast) and not isinstance(node, exp.TryCast)
            and node.to.is_type(exp.DataType.Type.TIMESTAMP) and _is_zoned_value(node.this)):
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


def _full_match(node: exp.Expression) -> exp.Expression:
    """``regexp_full_match(x, p)`` (DuckDB only) -> a regex match anchored at both ends."""
    from sqlglot import exp

    if not isinstance(node, exp.RegexpFullMatch):
        return node
    pattern = node.expression
    if isinstance(pattern, exp.Literal) and pattern.is_string:
        anchored: exp.Expression = exp.Literal.string(f"^(?:{pattern.this})$")
    else:
        anchored = exp.Concat(expressions=[exp.Literal.string("^(?:"), pattern, exp.Literal.string(")$")])
    return exp.RegexpLike(this=node.this, expression=anchored)


def _spark_epoch(node: exp.Expression) -> exp.Expression:
    """``to_timestamp(seconds)``: sqlglot writes FROM_UNIXTIME, which formats the instant as text in
    the session zone and parses it back (an hour off in a DST fold); TIMESTAMP_SECONDS is exact."""
    from sqlglot import exp

    if isinstance(node, exp.UnixToTime) and node.args.get("scale") is None:
        return exp.Anonymous(this="TIMESTAMP_SECONDS", expressions=[node.this])
    return node


def _expand_star(node: exp.Expression, columns: Sequence[str]) -> exp.Expression:
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
    new_exprs: list[exp.Expression] = []
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
    return query.with_(view_name, as_=body).sql(dialect="duckdb")
