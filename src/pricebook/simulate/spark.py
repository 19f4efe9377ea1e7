"""Stage 1 of simulate on Spark: read, dedup and aggregate usage with PySpark, rate in DuckDB.

The aggregation SQL is not written twice. The simulate engine's builders produce it as DuckDB SQL
(``readers.usage_view_sql`` for the view of the raw usage, ``stage1.aggregate_sql`` for the
aggregate); ``dialects.transpile`` turns both into Spark SQL; Spark runs it over the files read with
its own readers; the aggregate comes back as Arrow and becomes a DuckDB table for stage 2.

Spark sees the same inputs DuckDB would: CSV columns as text (no float on the way in, as with
DuckDB's ``all_varchar``; ``NULL`` and empty fields are nulls), NDJSON primitives as text, Parquet
with its own types. The session zone is set to the catalog's, which is where DuckDB reads timestamps
too. Quantities are only summed, never multiplied, at DECIMAL(38, S): Spark keeps that scale for a sum
(it cuts the scale of a product of two DECIMAL(38, 12) to 6), so the aggregate equals DuckDB's exactly.

Requires the ``spark`` extra (pyspark, pyarrow, pandas) and a Java runtime.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pricebook.errors import InputError, UsageError

DEFAULT_MASTER = "local[*]"


@dataclass(frozen=True)
class SparkStage1:
    """The aggregate Spark computed (an Arrow table) and the Spark SQL that computed it."""

    table: Any  # pyarrow.Table
    sql: str
    source_columns: Mapping[str, str]


def require_spark() -> None:
    """Raise a UsageError naming what is missing when PySpark or Java is not installed."""
    import os
    from importlib.util import find_spec

    for module, name in (("pyspark", "PySpark"), ("pyarrow", "pyarrow"), ("pandas", "pandas")):
        if find_spec(module) is None:
            raise UsageError(f"--engine spark needs {name}: pip install 'pricebook[spark]'")

    if not os.environ.get("JAVA_HOME") and shutil.which("java") is None:
        raise UsageError("--engine spark needs a Java runtime (17 or newer): install one or set JAVA_HOME")


def spark_session(master: str = DEFAULT_MASTER, *, shuffle_partitions: int | None = None,
                  conf: Mapping[str, str] | None = None) -> Any:
    """Get or create a SparkSession on ``master`` (no UI, Arrow transfers, ANSI SQL).

    A session that already exists in this process is reused, as PySpark does; its master cannot
    change then.
    """
    require_spark()
    from pyspark.sql import SparkSession

    builder = (SparkSession.builder.master(master).appName("pricebook-simulate")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.ansi.enabled", "true")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true"))
    if shuffle_partitions is not None:
        builder = builder.config("spark.sql.shuffle.partitions", str(shuffle_partitions))
    if "spark.driver.extraJavaOptions" not in (conf or {}):
        # Spark's default logging prints a dozen INFO/WARN lines on a terminal: errors only
        builder = builder.config("spark.driver.extraJavaOptions",
                                 f"-Dlog4j2.configurationFile=file:{_quiet_log4j()}")
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # py4j and pyspark raise many kinds; all mean Spark did not start
        raise UsageError(f"cannot start Spark on '{master}': {_first_line(exc)}") from exc
    spark.sparkContext.setLogLevel("ERROR")
    return spark


_LOG4J = """rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n%ex
"""


def _quiet_log4j() -> str:
    import os
    import tempfile

    path = os.path.join(tempfile.gettempdir(), "pricebook-spark-log4j2.properties")
    if not os.path.isfile(path):
        from pricebook.fsutil import write_atomic

        write_atomic(path, _LOG4J)
    return path


def read_usage(spark: Any, paths: Sequence[str]) -> Any:
    """A Spark DataFrame over the usage files, typed as DuckDB's readers would see them."""
    from pricebook.simulate.readers import usage_format

    fmt = usage_format(paths)
    try:
        if fmt == "csv":
            from pyspark.sql import functions as F

            tabs = all(".tsv" in p.lower() for p in paths)
            df = spark.read.csv(list(paths), header=True, inferSchema=False, nullValue="NULL",
                                escape='"', sep="\t" if tabs else ",", mode="FAILFAST", multiLine=False)
            # DuckDB reads both NULL and an empty field as null (nullstr = ['NULL', ''])
            df = df.select([F.when(F.col(f"`{c}`") == "", None).otherwise(F.col(f"`{c}`")).alias(c)
                            for c in df.columns])
        elif fmt == "json":
            df = spark.read.json(list(paths), primitivesAsString=True, mode="FAILFAST")
        else:
            df = spark.read.parquet(*paths)
        df.schema  # noqa: B018 - resolve now, so an unreadable file fails here with its name
    except Exception as exc:
        raise InputError(f"cannot read usage {', '.join(paths)} with Spark: {_first_line(exc)}") from exc
    return df


def duckdb_types(schema: Any) -> dict[str, str]:
    """Column name -> the DuckDB type name DuckDB's own reader would report for that column."""
    return {f.name: _duck_type(f.dataType) for f in schema.fields}


def _duck_type(t: Any) -> str:
    from pyspark.sql import types as T

    simple: list[tuple[type, str]] = [
        (T.StringType, "VARCHAR"), (T.LongType, "BIGINT"), (T.IntegerType, "INTEGER"),
        (T.ShortType, "SMALLINT"), (T.ByteType, "TINYINT"), (T.DoubleType, "DOUBLE"),
        (T.FloatType, "FLOAT"), (T.BooleanType, "BOOLEAN"), (T.DateType, "DATE"),
        (T.TimestampNTZType, "TIMESTAMP"), (T.TimestampType, "TIMESTAMP WITH TIME ZONE"),
        (T.BinaryType, "BLOB"),
    ]
    for cls, name in simple:
        if isinstance(t, cls):
            return name
    if isinstance(t, T.DecimalType):
        return f"DECIMAL({t.precision},{t.scale})"
    if isinstance(t, T.StructType):
        return "STRUCT(" + ", ".join(f'"{f.name}" {_duck_type(f.dataType)}' for f in t.fields) + ")"
    if isinstance(t, T.MapType):
        return f"MAP({_duck_type(t.keyType)}, {_duck_type(t.valueType)})"
    if isinstance(t, T.ArrayType):
        return f"{_duck_type(t.elementType)}[]"
    return "VARCHAR"


def run_stage1(spark: Any, usage: Any, stage1_sql: str, *, timezone: str,
               source_view: str = "pricebook_usage_source") -> SparkStage1:
    """Run stage-1 DuckDB SQL (a query over ``source_view``) on Spark and return its result as Arrow.

    ``usage`` is the DataFrame of the raw usage (``read_usage``); it is registered as
    ``source_view``. The session zone is set to ``timezone`` (the catalog's) for the run.
    """
    from pricebook.simulate.dialects import transpile

    usage.createOrReplaceTempView(source_view)
    spark_sql = transpile(stage1_sql, "spark", timezone=timezone, source_columns=usage.columns,
                          pretty=False)
    spark.conf.set("spark.sql.session.timeZone", timezone)
    try:
        table = spark.sql(spark_sql).toArrow()
    except Exception as exc:
        raise InputError(f"Spark could not aggregate the usage: {_first_line(exc)}") from exc
    return SparkStage1(table=table, sql=spark_sql, source_columns=duckdb_types(usage.schema))


def _first_line(exc: BaseException) -> str:
    """The line of a (possibly Java) error that says what went wrong: Spark's ``[ERROR_CLASS] ...``."""
    import re

    text = str(exc).strip()
    for line in text.splitlines():
        m = re.search(r"\[[A-Z][A-Z0-9_.]+\].*", line)
        if m:
            return m.group(0).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def aggregate_on_spark(spark: Any, usage_spec: Any, meters: Mapping[str, Any], agg_spec: Any, *,
                       timezone: str) -> SparkStage1:
    """Stage 1 on Spark: read ``usage_spec``'s files, build the usage view and the aggregate with the
    simulate engine's builders (``readers.usage_view_sql``, ``stage1.aggregate_sql``), transpile to
    Spark SQL and run it. ``agg_spec`` is the ``stage1.AggregateSpec`` DuckDB would use."""
    from pricebook.simulate.dialects import stage1_query
    from pricebook.simulate.readers import usage_view_sql
    from pricebook.simulate.sqlutil import ident
    from pricebook.simulate.stage1 import aggregate_sql

    source_view = "pricebook_usage_source"
    usage = read_usage(spark, list(usage_spec.paths))
    types = duckdb_types(usage.schema)
    query = stage1_query(usage_view_sql(types, ident(source_view), usage_spec, meters),
                         aggregate_sql(agg_spec), view_name=agg_spec.source)
    return run_stage1(spark, usage, query, timezone=timezone, source_view=source_view)


def into_duckdb(con: Any, stage1: SparkStage1, columns: Sequence[tuple[str, str]], *,
                table: str = "agg") -> int:
    """Make the Arrow aggregate the DuckDB table ``table`` with exactly the contract's ``columns``
    and types (stage 2 reads it as if DuckDB had computed it). Returns the number of rows."""
    from pricebook.simulate.sqlutil import ident

    have = set(stage1.table.column_names)
    missing = [n for n, _ in columns if n not in have]
    if missing:
        from pricebook.errors import InternalError

        raise InternalError(f"Spark's aggregate lacks column(s) {', '.join(missing)}")
    arrow_name = "pricebook_spark_aggregate"
    con.register(arrow_name, stage1.table)
    try:
        select = ", ".join(f"CAST({ident(n)} AS {t}) AS {ident(n)}" for n, t in columns)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {ident(table)} AS SELECT {select} FROM {arrow_name}")
    finally:
        con.unregister(arrow_name)
    return int(con.execute(f"SELECT count(*) FROM {ident(table)}").fetchone()[0])


def stage1_into_duckdb(con: Any, usage_spec: Any, meters: Mapping[str, Any], agg_spec: Any, *,
                       timezone: str, master: str = DEFAULT_MASTER, table: str = "agg") -> int:
    """What ``simulate --engine spark`` does instead of DuckDB's stage 1: aggregate on Spark (on
    ``master``) and leave the result in the DuckDB table ``table`` for stage 2. Returns its rows."""
    from pricebook.simulate.dialects import aggregate_columns

    spark = spark_session(master)
    result = aggregate_on_spark(spark, usage_spec, meters, agg_spec, timezone=timezone)
    return into_duckdb(con, result, aggregate_columns(agg_spec), table=table)
