"""`pricebook simulate`: replay usage through a baseline and a candidate catalog (SPEC §6)."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Annotated

import typer

from pricebook.cli.common import CatalogOpt, catalog_path, echo, writable_file, writable_folder


class SimFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


def _month(value: str | None, flag: str) -> date | None:

    from pricebook.errors import UsageError

    if value is None:
        return None
    try:
        y, m = value.split("-")[:2]
        return date(int(y), int(m), 1)
    except ValueError:
        raise UsageError(f"{flag} '{value}' must be a month like 2026-01") from None


def _memory_limit(value: str | None) -> str | None:
    """``--memory-limit``: a positive size that DuckDB's ``memory_limit`` parses (``500MB``, ``4G``,
    ``1.5GiB``, ``4 gigabytes``). DuckDB itself takes ``-5GB``, ``-1`` and ``none`` silently as no limit
    at all, and refuses ``50%`` only with an internal error: both are refused here, in one line."""
    import re
    from decimal import Decimal

    import duckdb

    from pricebook.errors import UsageError

    if value is None:
        return None
    m = re.fullmatch(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([A-Za-z]+)\s*", value)
    ok = m is not None and Decimal(m.group(1)) > 0
    if ok:
        try:
            duckdb.connect().execute(f"SET memory_limit = '{value.strip()}'")
        except duckdb.Error:
            ok = False
    if not ok:
        raise UsageError(f"--memory-limit '{value}' must be a positive size with a unit, "
                         "like 500MB, 4G or 1.5GiB")
    return value.strip()


def _not_an_input(outputs: list[tuple[str, str]], inputs: list[tuple[str, list[str]]]) -> None:
    """Refuse an output (``--out``, ``--html``) that is one of the input files (a usage file, after
    globs and folders are expanded, the subscriptions or the aggregate) or the other output: the run
    would overwrite what it reads, or one output the other."""
    import glob
    import os

    from pricebook.errors import UsageError
    from pricebook.simulate.readers import expand_folders

    def same(a: str, b: str) -> bool:
        try:
            return os.path.samefile(a, b)
        except OSError:  # one does not exist (yet): the same only as the same path
            return os.path.abspath(a) == os.path.abspath(b)

    for i, (flag, path) in enumerate(outputs):
        for other_flag, other in outputs[:i]:
            if same(path, other):
                raise UsageError(f"{flag} '{path}' is the file {other_flag} writes: give each its own file")
        if not os.path.exists(path):
            continue  # a file to be created overwrites no input: the inputs need not be walked
        for what, paths in inputs:
            for p in paths:
                local = any(ch in p for ch in "*?[") and "://" not in p
                matches = sorted(glob.glob(p, recursive=True)) if local else [p]
                for f in expand_folders([m for m in matches if os.path.exists(m)], what):
                    if same(path, f):
                        raise UsageError(f"{flag} '{path}' is the {what} file '{f}': the run would overwrite "
                                         "what it reads; write the result elsewhere")


_PHASE_SEEN: dict[str, float] = {}  # no-float-ok: phase -> when it was first drawn (a clock)


def _draw_progress(phase: str, pct: float | None) -> None:  # no-float-ok
    """One line on stderr, redrawn in place (``reading usage  47% (12 s)``, ``rating... (3 s)``); cleared
    when the run is done (phase ""). The seconds say it is alive where DuckDB's estimate stalls (a scan
    joined with the repeated ids can sit at one percentage for most of its time)."""
    import sys
    import time

    from pricebook.simulate.progress import SHOW_AFTER

    line = ""
    if phase:
        secs = time.monotonic() - _PHASE_SEEN.setdefault(phase, time.monotonic()) + SHOW_AFTER
        line = (f"pricebook simulate: {phase}" + ("..." if pct is None else f" {pct:3.0f}%")
                + f" ({secs:.0f} s)")
    sys.stderr.write("\r" + line + "\x1b[K")  # and clear what a longer line left to its right
    sys.stderr.flush()


def simulate(
    usage: Annotated[list[str] | None, typer.Argument(help="Usage files or globs (CSV, Parquet, NDJSON; .gz ok). "
                                                      "Default: pricebook.yaml usage.sample.", show_default=False)] = None,
    subscriptions: Annotated[str | None, typer.Option("--subscriptions", "-s", help="Subscriptions CSV/Parquet: "
                                                      "customer_id, plan, currency, subscribed_at, ended_at, add_ons.")] = None,
    plan: Annotated[str | None, typer.Option("--plan", help="Plan for customers without a subscription.")] = None,
    preset: Annotated[str | None, typer.Option("--preset", help="Export shape: lago, openmeter, stripe, metronome, "
                                               "orb or focus.")] = None,
    map_: Annotated[list[str] | None, typer.Option("--map", help="COLUMN=SOURCE_COLUMN (repeatable).")] = None,
    baseline: Annotated[str | None, typer.Option("--baseline", help="Baseline catalog: path, git ref, REF:path, "
                                                 "release:<id> or 'releases' (default: the pull request's base "
                                                 "branch in GitHub Actions, else pricebook.yaml base, else "
                                                 "the newest release, else HEAD).")] = None,
    candidate: Annotated[str | None, typer.Option("--candidate", help="Candidate catalog (default: the working "
                                                  "tree).")] = None,
    period_from: Annotated[str | None, typer.Option("--from", help="First month (YYYY-MM).")] = None,
    period_to: Annotated[str | None, typer.Option("--to", help="Last month (YYYY-MM).")] = None,
    format: Annotated[SimFormat, typer.Option("--format", "-f", help="Output format.")] = SimFormat.text,
    html: Annotated[str | None, typer.Option("--html", help="Also write a self-contained HTML report.")] = None,
    out: Annotated[str | None, typer.Option("--out", help="Write per-customer, per-period rows "
                                            "(.parquet, .csv, .json, or .ndjson: a row per line).")] = None,
    dedup: Annotated[bool | None, typer.Option("--dedup/--no-dedup", help="Drop repeated event ids (default: "
                                               "when the usage has an event id).", show_default=False)] = None,
    threads: Annotated[int | None, typer.Option("--threads", help="DuckDB threads.")] = None,
    memory_limit: Annotated[str | None, typer.Option(
        "--memory-limit", help="DuckDB memory limit, e.g. 4GB (default: half of RAM, at most 3GB; it "
                               "also bounds the ids dedup's search holds).")] = None,
    temp_dir: Annotated[str | None, typer.Option("--temp-dir", help="Where DuckDB spills (default: the system "
                                                 "temp folder).")] = None,
    scale: Annotated[int, typer.Option("--scale", help="Decimals kept of each quantity.")] = 12,
    engine: Annotated[str, typer.Option("--engine", help="Where stage 1 (read, dedup, aggregate) runs: "
                                        "duckdb, or spark (pip install 'pricebook[spark]').")] = "duckdb",
    spark_master: Annotated[str, typer.Option("--spark-master",
                                              help="Spark master for --engine spark.")] = "local[*]",
    aggregate: Annotated[str | None, typer.Option("--aggregate", help="Stage 1's result computed elsewhere "
                                                  "(see pricebook aggregate-sql): rate it instead of reading "
                                                  "usage.", show_default=False)] = None,
    catalog: CatalogOpt = None,
) -> None:
    """Replay usage through a baseline and a candidate catalog and report the revenue impact."""
    import sys

    from pricebook.errors import InputError, UsageError
    from pricebook.settings import load_settings
    from pricebook.simulate import SimulationOptions, run_simulation
    from pricebook.simulate.presets import parse_map, settings_map
    from pricebook.simulate.readers import check_scale
    from pricebook.simulate.sides import resolve_sides

    settings = load_settings()
    us = settings.section("usage")
    files = list(usage or [])
    if not files and us.get("sample"):
        files = [str(settings.path(us["sample"]))]
    if threads is not None and threads < 1:
        raise UsageError(f"--threads must be at least 1, not {threads}")
    limit = _memory_limit(memory_limit)
    check_scale(scale)
    outputs = [(flag, path) for flag, path in (("--out", out), ("--html", html)) if path]
    for flag, path in outputs:
        writable_file(flag, path)
    if temp_dir:  # DuckDB makes it only when it spills, deep into a run: a file there fails only then
        writable_folder("--temp-dir", temp_dir)
    if engine not in ("duckdb", "spark"):
        raise UsageError(f"--engine must be duckdb or spark, not '{engine}'")
    if aggregate is not None and (usage or engine != "duckdb"):
        raise UsageError("--aggregate replaces the usage and its engine: give usage files or --aggregate, "
                         "not both")
    if aggregate is not None:
        files = []
    elif not files:
        raise UsageError("no usage given: pass usage files or set usage.sample in pricebook.yaml")
    subs = subscriptions or (str(settings.path(us["subscriptions"])) if us.get("subscriptions") else None)
    _not_an_input(outputs, [("usage", files), ("subscriptions", [subs] if subs else []),
                            ("aggregate", [aggregate] if aggregate else [])])
    mapping = settings_map(us)
    mapping.update(parse_map(map_))
    cat_dir = catalog_path(catalog)
    base_side, cand_side = resolve_sides(baseline, candidate, cat_dir)
    opts = SimulationOptions(
        usage=files, subscriptions=subs, preset=preset or us.get("preset"), mapping=mapping, default_plan=plan,
        period_from=_month(period_from, "--from"), period_to=_month(period_to, "--to"), dedup=dedup, scale=scale,
        threads=threads, memory_limit=limit, temp_dir=temp_dir, out=out,
        progress=_draw_progress if sys.stderr.isatty() else None, engine=engine, spark_master=spark_master,
        aggregate=aggregate)
    result = run_simulation(opts, base_side, cand_side)
    if html:
        from pricebook.fsutil import write_atomic
        from pricebook.report.simulate_html import to_html

        try:
            write_atomic(html, to_html(result))
        except OSError as exc:
            raise InputError(f"--html '{html}': cannot write it ({exc.strerror or exc})") from None
    if format is SimFormat.json:
        from pricebook.report.simulate_json import to_json

        echo(to_json(result))
    elif format is SimFormat.markdown:
        from pricebook.report.simulate_json import to_markdown

        echo(to_markdown(result))
    else:
        from pricebook.report.simulate_text import print_text

        print_text(result)
