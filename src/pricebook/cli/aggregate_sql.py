"""`pricebook aggregate-sql --dialect D`: stage 1 of simulate as SQL for a warehouse or Spark."""

from __future__ import annotations

from typing import Annotated

import typer

from pricebook.cli.common import CatalogOpt, catalog_path, echo


def aggregate_sql(
    dialect: Annotated[str, typer.Option("--dialect", "-d", help="SQL dialect: spark, snowflake, bigquery, "
                                         "trino or duckdb.")] = "duckdb",
    catalog: CatalogOpt = None,
    candidate: Annotated[str | None, typer.Option(
        "--candidate", help="A second catalog the aggregate will be rated with (path, git ref, REF:path or "
        "release:<id>): its meters and percentage prices are kept too.", show_default=False)] = None,
    table: Annotated[str, typer.Option("--table", help="The warehouse table holding the raw usage export "
                                       "(NAME, SCHEMA.NAME or DB.SCHEMA.NAME).")] = "usage",
    map_: Annotated[list[str] | None, typer.Option(
        "--map", help="COLUMN=SOURCE_COLUMN, as for simulate. Repeatable.", show_default=False)] = None,
    preset: Annotated[str | None, typer.Option(
        "--preset", help="Column mapping of a billing system's export: lago, openmeter, stripe, metronome, "
        "orb or focus.", show_default=False)] = None,
    usage: Annotated[list[str] | None, typer.Option(
        "--usage", help="A sample of the export (CSV, Parquet, NDJSON) whose columns and types the table "
        "has; without it every mapped column is taken as text.", show_default=False)] = None,
    scale: Annotated[int, typer.Option("--scale", help="Decimal places quantities are summed at.")] = 12,
    no_dedup: Annotated[bool, typer.Option("--no-dedup", help="Do not drop repeated event ids.")] = False,
    out: Annotated[str | None, typer.Option("--out", "-o", help="Write the SQL to this file instead of "
                                            "printing it.", show_default=False)] = None,
) -> None:
    """Print simulate's aggregation stage (read, dedup, aggregate) as SQL for another engine."""
    from pricebook.settings import load_settings
    from pricebook.simulate.dialects import aggregate_sql_command
    from pricebook.simulate.presets import parse_map

    settings = load_settings().section("usage")
    mapping = dict(settings.get("map") or {}) if isinstance(settings.get("map"), dict) else {}
    mapping.update(parse_map(map_))
    result = aggregate_sql_command(
        catalog_path(catalog), dialect, candidate=candidate, table=table, mapping=mapping,
        preset=preset or settings.get("preset"), sample=list(usage or ()), scale=scale, dedup=not no_dedup)
    if out:
        from pathlib import Path

        from pricebook.fsutil import write_atomic

        write_atomic(Path(out), result.sql.encode("utf-8"))
        typer.echo(f"wrote {out} ({result.dialect}; result columns: "
                   f"{', '.join(n for n, _ in result.columns)})", err=True)
    else:
        echo(result.sql)
