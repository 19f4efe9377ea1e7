"""``run_simulation``: usage in, revenue impact out. No typer, no rich: the CLI and ``ci`` call this.

Pipeline: readers define the view ``usage_events`` over the files (read in place); stage 1
(``stage1.aggregate_sql``) aggregates it into the table ``agg``; the subscriptions and periods give one
billing unit per customer and period; each unit is priced for the baseline and the candidate (with
grandfathering and, for ``--baseline releases``, the release in force) by stage 2 (``stage2.rate``).
"""

from __future__ import annotations

import difflib
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from pricebook.errors import InputError, UsageError
from pricebook.model import Catalog, Meter
from pricebook.simulate.presets import get_preset
from pricebook.simulate.prices import build_tables
from pricebook.simulate.progress import Progress, Report
from pricebook.simulate.readers import (
    UsageSpec,
    ViewShape,
    create_subscriptions_table,
    create_usage_view,
    dimension_names,
    usage_view_shape,
)
from pricebook.simulate.result import SimulationResult, collect, hard_limits
from pricebook.simulate.sqlutil import lit
from pricebook.simulate.stage1 import AggregateSpec, aggregate_sql, dup_hashes_sql, transaction_meters
from pricebook.simulate.stage2 import (
    NARROW_WIDTH,
    WIDE,
    Widths,
    check_scales,
    create_price_tables,
    insert_rows,
    rate,
)

DEFAULT_SCALE = 12
MAX_PERIODS = 1200  # months simulated at most (100 years); more is a stray timestamp, not billing history


@dataclass(frozen=True)
class Side:
    """One side of the comparison: a label, its catalog, grandfathering releases and, for
    ``--baseline releases``, the release timeline."""

    name: str  # baseline | candidate
    label: str
    catalog: Catalog
    releases: Mapping[str, Catalog] = field(default_factory=dict)  # release id -> catalog
    timeline: Sequence[tuple[date, str]] = ()  # (effective_from, release id), oldest first
    rules: Sequence[Any] = ()  # GrandfatheringRule, in precedence order
    # with a timeline: each release's own rules (release id -> rules), applied in the periods that
    # release is in force: what was promised then, whatever the catalogs of today say
    timeline_rules: Mapping[str, Sequence[Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class SimulationOptions:
    usage: Sequence[str]
    subscriptions: str | None = None
    preset: str | None = None
    mapping: Mapping[str, str] = field(default_factory=dict)
    default_plan: str | None = None
    period_from: date | None = None
    period_to: date | None = None
    dedup: bool | None = None  # None: when the usage has an event id
    scale: int = DEFAULT_SCALE
    threads: int | None = None
    memory_limit: str | None = None
    temp_dir: str | None = None
    out: str | None = None
    progress: Report | None = None  # called with the running statement's progress (a terminal's bar)
    keep_lines: bool = False  # tests: also return every rated line
    engine: str = "duckdb"  # where stage 1 runs: duckdb, or spark (pricebook.simulate.spark)
    spark_master: str = "local[*]"
    aggregate: str | None = None  # stage 1 done elsewhere (aggregate-sql): its result, read instead of usage
    widths: Widths | None = None  # stage 2's DECIMAL widths; None: 64-bit where it fits, else 128-bit


def _connect(opts: SimulationOptions, timezone: str) -> Any:
    import duckdb

    con = duckdb.connect(":memory:")
    con.execute(f"SET TimeZone = '{timezone.replace(chr(39), '')}'")
    if opts.threads:
        con.execute(f"SET threads = {int(opts.threads)}")
    con.execute(f"SET memory_limit = '{(opts.memory_limit or default_memory_limit()).replace(chr(39), '')}'")
    tmp = opts.temp_dir or os.path.join(tempfile.gettempdir(), "pricebook-duckdb")
    con.execute(f"SET temp_directory = '{tmp.replace(chr(39), chr(39) * 2)}'")
    con.execute("SET preserve_insertion_order = false")
    # DuckDB's own bar would print to stdout, where the report goes: progress is read, not printed
    con.execute(f"SET enable_progress_bar = {'true' if opts.progress else 'false'}")
    con.execute("SET enable_progress_bar_print = false")
    # Stage 1 tests its meter lists with list_contains, not IN: DuckDB turns an IN list of six or
    # more constants into a join, and the scan under it then reports 0% to the end (see
    # ``stage1._in_list``).
    return con


def default_memory_limit() -> str:
    """Half of physical RAM, at most 3 GiB and at least 1 GiB: a safe share on a laptop or CI runner."""
    total = _physical_memory()
    if total is None:
        return "2GB"
    mib = max(1024, min(3072, total // (2 * 1024 * 1024)))
    return f"{mib}MB"


def _physical_memory() -> int | None:
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return None


def _month(d: date) -> date:
    return date(d.year, d.month, 1)


def _all_catalogs(sides: Sequence[Side]) -> list[tuple[str, Catalog]]:
    out: list[tuple[str, Catalog]] = []
    for s in sides:
        out.append((s.name, s.catalog))
        for rid, cat in s.releases.items():
            key = f"release:{rid}"
            if key not in {k for k, _ in out}:
                out.append((key, cat))
    return out


def run_simulation(opts: SimulationOptions, baseline: Side, candidate: Side) -> SimulationResult:
    """Replay the usage in ``opts`` through ``baseline`` and ``candidate`` and compare the bills.

    Raises ``InputError``/``UsageError`` (exit 2) for unreadable usage or subscriptions, a usage
    column that cannot be found, or a customer on a plan that neither side knows.
    """
    import duckdb

    from pricebook.money import minor_unit

    if opts.out:
        _out_format(opts.out)
    sides = [baseline, candidate]
    catalogs = _all_catalogs(sides)
    tz = candidate.catalog.timezone
    meters: dict[str, Meter] = {}
    for _, cat in catalogs:
        for mid, m in cat.meters.items():
            meters.setdefault(mid, m)
    dims = dimension_names(meters)
    preset = get_preset(opts.preset)
    con = _connect(opts, tz)
    progress = Progress(con, opts.progress) if opts.progress else None
    restore = _watch_interrupts()
    try:
        phase = progress.phase if progress else _quiet
        phase("reading usage", True)
        usage_spec = UsageSpec(tuple(opts.usage), dict(opts.mapping), preset, opts.scale)
        shape: ViewShape | None = None
        if opts.aggregate is None:
            types = create_usage_view(con, usage_spec, meters)
            shape = usage_view_shape(types, usage_spec, meters)
            # any event with an id turns dedup on (the scan stops at the first one); events without
            # an id are never duplicates
            has_event_id = con.execute(
                "SELECT 1 FROM usage_events WHERE event_id IS NOT NULL LIMIT 1").fetchone() is not None \
                if _maps_event_id(types, opts, preset) else False
        else:
            has_event_id = True
        if opts.dedup and shape is not None and "event_id" in shape.null_columns:
            # asked for, but there is nothing to dedup by: say so rather than report "dedup on"
            raise UsageError("--dedup: the usage has no event id column; map one with --map event_id=COLUMN"
                             + (f" (--preset {preset.name} exports none)"
                                if preset and not preset.dedup else ""))
        dedup = has_event_id if opts.dedup is None else opts.dedup
        # one definition, shared with aggregate-sql, so both keep the same event values
        txn_meters = transaction_meters([cat for _, cat in catalogs])
        spec = AggregateSpec(meters, frozenset(txn_meters), opts.scale, dedup, dimensions=tuple(dims))
        if opts.aggregate is not None:
            from pricebook.simulate.dialects import aggregate_columns, load_aggregate

            load_aggregate(con, opts.aggregate, aggregate_columns(spec))
        elif opts.engine == "spark":
            from pricebook.simulate.spark import stage1_into_duckdb

            stage1_into_duckdb(con, usage_spec, meters, spec, timezone=tz, master=opts.spark_master)
        else:
            try:
                _stage1(con, spec, shape, phase)
            except duckdb.OutOfMemoryException:
                raise
            except Exception as exc:  # duckdb errors: unreadable rows, overflow
                if "CSV Error" in str(exc):
                    # a bad row past the sniffer's sample fails only here: the file, line and reason
                    from pricebook.simulate.readers import read_failed

                    read_failed(exc, "usage", list(opts.usage))
                raise InputError(f"cannot aggregate usage: {str(exc).strip().splitlines()[0]}") from exc
        phase("rating")
        create_subscriptions_table(con, opts.subscriptions)
        _periods(con, opts)
        side_ckeys = _units(con, opts, sides)
        _check_someone_billed(con, opts)
        tables = build_tables(catalogs, dims)
        ps, rs, amount_scale = check_scales(opts.scale, tables)
        currencies = {r[0] for r in con.execute("SELECT DISTINCT currency FROM units").fetchall()}
        currencies |= {c[4] for c in tables.components}
        minors = {c: minor_unit(c) for c in currencies if c}
        # stage 1 run here groups by (customer, period, meter, status, dimensions, kept value, key):
        # a meter with none of those has one ok row per customer and period
        single = [mid for mid, m in meters.items() if not m.dimensions and mid not in txn_meters
                  and m.aggregation not in ("latest", "unique_count")] \
            if opts.aggregate is None and opts.engine != "spark" else []
        limit_rows = hard_limits(baseline, candidate)
        limits = frozenset(r[4] for r in limit_rows)

        def stage2(widths: Widths) -> SimulationResult:
            create_price_tables(con, tables, opts.scale, ps, rs)
            rate(con, len(dims), opts.scale, amount_scale, minors, limit_aggregations=limits,
                 limit_meters=frozenset((r[3], r[4]) for r in limit_rows),
                 single_row_meters=single, widths=widths, side_ckeys=side_ckeys)
            return collect(con, baseline, candidate, minors, dedup, opts.scale)

        result = _stage2(con, stage2, opts)
        if shape is not None and not shape.has_quantity:
            _hint_missing_quantity(result, meters)
        if opts.keep_lines:
            result.lines = con.execute(
                "SELECT side, customer_id, strftime(period, '%Y-%m'), line_no, sku, kind, dim_value, add_on, "
                "quantity, amount FROM lines_wide ORDER BY side, customer_id, period, line_no").fetchall()
        if opts.out:
            write_rows(con, opts.out, minors)
        return result
    except duckdb.OutOfMemoryException as exc:
        if _INTERRUPTED[0]:
            raise KeyboardInterrupt from None
        limit = opts.memory_limit or default_memory_limit()
        raise UsageError(f"DuckDB ran out of memory (memory limit {limit}): raise --memory-limit, or lower "
                         "--threads; it spills to --temp-dir where it can") from exc
    except Exception:
        if _INTERRUPTED[0]:  # whatever error DuckDB made of Ctrl-C, it is an interruption (exit 130)
            raise KeyboardInterrupt from None
        raise
    finally:
        restore()
        if progress:
            progress.close()
        con.close()


_INTERRUPTED = [False]  # a SIGINT arrived during the run (see _watch_interrupts)


def _watch_interrupts() -> Callable[[], None]:
    """Note Ctrl-C (SIGINT) during a run; returns the function that puts the previous handler back.

    DuckDB turns Ctrl-C into an error of its own (``Query interrupted``: a RuntimeError, an aggregate or
    read error, or a failed stream that the dedup search would answer by sorting the ids instead), which
    would read as bad input (exit 2 or 3) or be lost. The handler notes it and raises KeyboardInterrupt
    as Python's own does; the run then says "interrupted" (exit 130) whatever error it became. Only on
    the main thread, and never where SIGINT is ignored (a background job without job control).
    """
    import signal
    import threading

    _INTERRUPTED[0] = False
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = signal.getsignal(signal.SIGINT)
    if previous in (signal.SIG_IGN, None):
        return lambda: None

    def noted(signum: int, frame: Any) -> None:
        _INTERRUPTED[0] = True
        if callable(previous):
            previous(signum, frame)
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, noted)

    def restore() -> None:
        signal.signal(signal.SIGINT, previous)

    return restore


def _hint_missing_quantity(result: SimulationResult, meters: Mapping[str, Meter]) -> None:
    """The usage has no quantity column: a meter without a ``property`` then has no value to read, and
    its events are ``null_quantity``. Say how to give one (raw event exports keep the value inside
    their properties, under a key only the catalog can name)."""
    entry = result.unrated.get("null_quantity")
    if not entry:
        return
    lacking = sorted(m for m in entry["by_meter"] if m in meters and not meters[m].property)
    if lacking:
        entry["hint"] = (f"the usage has no quantity column, and meter(s) {', '.join(lacking)} have no "
                         "'property' naming where their value sits: set the meter's property (the key "
                         "inside the event's properties) or map one with --map quantity=COLUMN")


def _quiet(_phase: str, _scan: bool = False) -> None:
    """No progress to report (not on a terminal)."""


def _stage1(con: Any, spec: AggregateSpec, shape: ViewShape | None = None,
            phase: Callable[[str, bool], None] = _quiet) -> None:
    """Stage 1 in DuckDB into ``agg``. With dedup, the repeated id hashes are searched first
    (``_find_repeated_hashes``, one pass over the ids); when there are none, no event is a duplicate
    and the aggregate runs without dedup, so it does not read the ids a second time (20M events: 2.6 ->
    ~2.1 s wall, see docs/simulate.md). Otherwise the aggregate reads the found hashes from
    ``dup_hashes``. ``shape`` (``readers.usage_view_shape``) lets the aggregate leave constant keys out."""
    spec = replace(spec, status_after_group=True)
    if shape is not None:
        spec = replace(spec, null_columns=shape.null_columns, value_is_raw=shape.value_is_raw)
    if not spec.dedup:
        _aggregate(con, spec)
        return
    phase("finding repeated event ids", True)
    if not _find_repeated_hashes(con, spec.source):
        phase("reading usage", True)
        _aggregate(con, replace(spec, dedup=False))
        return
    phase("reading usage", True)
    found = replace(spec, dup_hash=True, dup_table="dup_hashes")
    con.execute("CREATE TEMP TABLE agg AS " + aggregate_sql(found))


def _aggregate(con: Any, spec: AggregateSpec) -> None:
    """``agg`` with the value facts as aggregates (``AggregateSpec.facts_as_aggregates``: 5-8% less
    than with them as group keys at 20M and 100M events); when a group held an event whose missing,
    unparseable or negative value gives it another status, the query with the facts as keys runs
    instead: a second scan, only for usage with such values where they would otherwise be rated."""
    con.execute("CREATE TEMP TABLE agg AS " + aggregate_sql(replace(spec, facts_as_aggregates=True)))
    if con.execute("SELECT 1 FROM agg WHERE split_needed LIMIT 1").fetchone() is None:
        con.execute("ALTER TABLE agg DROP COLUMN split_needed")
        return
    con.execute("DROP TABLE agg")
    con.execute("CREATE TEMP TABLE agg AS " + aggregate_sql(spec))


def _find_repeated_hashes(con: Any, source: str) -> bool:
    """Creates ``dup_hashes`` (column ``h``): every ``hash(event_id)`` that more than one event of
    ``source`` has. Returns whether there is any.

    DuckDB reads and hashes the ids and streams the hashes (Arrow, 8 bytes per event) into the C
    search (``_dupfind.c``), which holds them in memory and finds the repeats while DuckDB reads on
    (20M events: ~0.9 s in all against ~1.4 s with DuckDB's sort; 100M: ~5 s against ~11 s).
    Where it was not built, or the hashes would take more than half the memory limit, DuckDB sorts them
    (``stage1.dup_hashes_sql``), spilling to the temp directory if it must: the same table.
    """
    raw = _search_in_c(con, source)
    if raw is None:
        con.execute("CREATE OR REPLACE TEMP TABLE dup_hashes AS " + dup_hashes_sql(source))
    else:
        _hashes_table(con, raw)
    return bool(con.execute("SELECT count(*) FROM (SELECT 1 FROM dup_hashes LIMIT 1) AS x").fetchone()[0])


def _search_in_c(con: Any, source: str) -> bytes | None:
    """The repeated hashes the C search found (native uint64s), or None where it cannot answer."""
    repeated = _dup_finder()
    if repeated is None:
        return None
    # half the memory limit, 8 bytes per id: DuckDB scans beside it (read before the stream opens:
    # another query on the connection would close it)
    limit = _memory_limit_bytes(con)
    budget = limit // 16
    # DuckDB's scan threads stop once the streamed result holds streaming_buffer_size (976 KiB by
    # default) and wait for the search to take a batch: with 256 MiB (an eighth of the memory limit
    # at most) they run ahead (20M events: the search 0.87-1.05 -> 0.63-0.95 s; 100M: the same)
    con.execute(f"SET streaming_buffer_size = '{min(STREAM_BUFFER, limit // 8)}B'")
    try:
        hashes = con.sql(f"SELECT hash(event_id) AS h FROM {source} WHERE event_id IS NOT NULL")
        found = repeated(hashes.__arrow_c_stream__(), budget)
    except (ImportError, RuntimeError):
        # ImportError: a duckdb that exports Arrow through pyarrow (1.4 and 1.5 do not). RuntimeError:
        # the scan failed (an unreadable file, a value that does not convert); a streamed query may
        # report another thread's "Interrupted!" instead of the cause, so the sort reads the same
        # rows and raises DuckDB's own message. Unless it was Ctrl-C: then stop, not sort
        if _INTERRUPTED[0]:
            raise KeyboardInterrupt from None
        return None
    finally:  # the stream is released by now
        con.execute("RESET streaming_buffer_size")
    return None if found is None else found[1]


def _hashes_table(con: Any, raw: bytes) -> None:
    """``dup_hashes`` from the C search's result (native uint64s), through a text file the C side
    writes (binding a Python value would make duckdb import pandas and numpy, ~0.4 s; ``str()`` per
    value cost 2.3 s for 5M repeated ids)."""
    from pricebook.simulate._dupfind import lines

    con.execute("CREATE OR REPLACE TEMP TABLE dup_hashes (h UBIGINT)")
    if not raw:
        return
    fd, path = tempfile.mkstemp(prefix="pricebook-", suffix=".csv")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(lines(raw))
        quoted = path.replace("'", "''")
        con.execute(f"INSERT INTO dup_hashes SELECT h FROM read_csv('{quoted}', header = false, "
                    "columns = {'h': 'UBIGINT'})")
    finally:
        os.unlink(path)


@lru_cache(maxsize=1)
def _dup_finder() -> Callable[[Any, int], tuple[int, bytes] | None] | None:
    """The C search's ``repeated`` (``_dupfind.c``), or None where it was not built, the installed
    duckdb cannot stream Arrow (``__arrow_c_stream__``), or ``PRICEBOOK_PURE_DEDUP`` is set."""
    if os.environ.get("PRICEBOOK_PURE_DEDUP"):
        return None
    try:
        from pricebook.simulate._dupfind import repeated
    except ImportError:
        return None
    import duckdb

    if not hasattr(duckdb.DuckDBPyRelation, "__arrow_c_stream__"):
        return None
    return repeated


STREAM_BUFFER = 256 * 2**20  # bytes: DuckDB's buffer for the streamed id hashes (see _search_in_c)

_UNITS = {"bytes": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12, "pb": 10**15, "eb": 10**18,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40, "pib": 2**50, "eib": 2**60}


def _memory_limit_bytes(con: Any) -> int:
    """DuckDB's memory limit in bytes, as it prints it (``2.8 GiB``), at most the physical memory
    (no limit prints as ``16383.9 PiB``); 1 GiB if it cannot be read."""
    import re

    text = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    m = re.fullmatch(r"\s*([0-9.]+)\s*([A-Za-z]+)\s*", str(text))
    if m is None or m.group(2).lower() not in _UNITS:
        return 2**30
    limit = int(Decimal(m.group(1)) * _UNITS[m.group(2).lower()])
    physical = _physical_memory()
    return limit if physical is None else min(limit, physical)


def _narrow_quantities(con: Any, scale: int) -> bool:
    """Whether every ``ok`` quantity of ``agg`` (sum, max, kept value, event count) fits DECIMAL(18, S).

    One cheap pass over the aggregate: a unit's quantity can still be larger (the sum of several
    rows), which the narrow run's CAST then reports and ``_stage2`` answers by rating wide.
    """
    if scale >= NARROW_WIDTH:
        return False
    # plain min/max: abs() and greatest() over 128-bit decimals cost 50x as much
    row = con.execute("""SELECT min(qty_sum), max(qty_sum), min(qty_max), max(qty_max), min(vnum), max(vnum),
            max(events) FROM agg WHERE status = 'ok'""").fetchone()
    limit = Decimal(10) ** (NARROW_WIDTH - scale)
    return all(v is None or abs(v) < limit for v in row)


def _stage2(con: Any, stage2: Callable[[Widths], SimulationResult],
            opts: SimulationOptions) -> SimulationResult:
    """Rate with 64-bit quantities and money where they fit (``opts.widths`` None), else 128-bit.

    The narrow run is exact or fails: DuckDB raises a conversion or out-of-range error rather than
    wrap, and then every stage 2 table is built again at DECIMAL(38) (stage 1's ``agg`` stays).
    """
    import duckdb

    if opts.widths is not None:
        return stage2(opts.widths)
    q = NARROW_WIDTH if _narrow_quantities(con, opts.scale) else 38
    try:
        return stage2(Widths(quantity=q, money=NARROW_WIDTH))
    except (duckdb.ConversionException, duckdb.OutOfRangeException):
        return stage2(WIDE)


def _maps_event_id(types: Mapping[str, str], opts: SimulationOptions, preset: Any) -> bool:
    """Whether the usage has event ids to dedup by: a preset may say its ids are not unique event
    ids, unless the user mapped ``event_id`` themselves."""
    return preset is None or bool(preset.dedup) or "event_id" in opts.mapping


_BOUND_IT = "check its timestamps, or give --from and --to (events outside are reported as outside_periods)"


def _ym(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"  # strftime('%Y') does not pad the year 1 on every platform


def _periods(con: Any, opts: SimulationOptions) -> None:
    # The months billed run from the first to the last month of any event with a time (SPEC §6:
    # "present in the usage"), rated or not: a month whose events all lack a quantity, name an
    # unknown meter or are non-usage rows still bills every subscription active in it (taken from
    # rated events only, such a month was dropped with its flat fees, down to an empty report).
    # As year and month: a month before the year 1 or after 9999 has no Python date.
    y0, m0, y1, m1 = con.execute("SELECT year(min(period)), month(min(period)), year(max(period)), "
                                 "month(max(period)) FROM agg WHERE period IS NOT NULL").fetchone()
    for y, given in ((y0, opts.period_from), (y1, opts.period_to)):
        if y is not None and not 1 <= y <= 9999 and given is None:
            raise UsageError(f"the usage has a timestamp in the year {y}: {_BOUND_IT}")
    start = _month(opts.period_from) if opts.period_from else None if y0 is None else date(y0, m0, 1)
    end = _month(opts.period_to) if opts.period_to else None if y1 is None else date(y1, m1, 1)
    if y0 is None and (start is None or end is None) and opts.aggregate is None and \
            not con.execute("SELECT count(*) FROM (SELECT 1 FROM agg LIMIT 1) AS x").fetchone()[0]:
        # no event at all (a header-only export): nothing to bill, and an empty report would not say why
        raise InputError(f"no usage events in {', '.join(opts.usage)}; give --from and --to to bill the "
                         "subscriptions without usage")
    if start is None or end is None:
        con.execute("CREATE OR REPLACE TEMP TABLE periods (period DATE)")
        return
    if end < start:
        raise UsageError(f"--to {_ym(end)} is before --from {_ym(start)}")
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    if months > MAX_PERIODS:
        # one stray time (year 1, a default date) would bill every customer for every month in between
        raise UsageError(f"the usage spans {months:,} months ({_ym(start)} .. {_ym(end)}), more than "
                         f"{MAX_PERIODS:,}: {_BOUND_IT}")
    # dates from our own values, as literals: a bound parameter would make duckdb import pandas
    con.execute("CREATE OR REPLACE TEMP TABLE periods AS SELECT CAST(range AS DATE) AS period "
                f"FROM range(DATE '{start.isoformat()}', DATE '{end.isoformat()}' + INTERVAL 1 MONTH, "
                "INTERVAL 1 MONTH)")


def _check_someone_billed(con: Any, opts: SimulationOptions) -> None:
    """Refuse (exit 2) a run that bills nobody although the usage has rated events: every total would
    be 0 -> 0, and an empty report reads as "no revenue impact" (SPEC §4: a comparison that could
    not run never reports no changes). The usual cause is a missing --subscriptions or --plan."""
    if con.execute("SELECT count(*) FROM (SELECT 1 FROM units LIMIT 1) AS x").fetchone()[0]:
        return
    events, customers = con.execute("SELECT CAST(sum(events) AS BIGINT), count(DISTINCT customer_id) "
                                    "FROM agg WHERE status = 'ok'").fetchone()
    if not events:
        return  # nothing to rate either: the unrated report says why
    usage = f"the usage has {events:,} event{'s' if events != 1 else ''} to rate, of {customers:,} " \
            f"customer{'s' if customers != 1 else ''}"
    if opts.subscriptions is None and opts.default_plan is None:
        raise InputError(f"no customer is billed: {usage} but no subscriptions; give --subscriptions "
                         "FILE, or --plan PLAN to bill every customer on one plan")
    raise InputError(f"no customer is billed: {usage} but no subscription is active in its months "
                     "(check subscribed_at and ended_at, or --from and --to)")


def _plan_currency(sides: Sequence[Side], plan: str) -> str | None:
    from pricebook.rating import default_currency

    for s in reversed(sides):
        if plan in s.catalog.plans:
            return default_currency(s.catalog, plan)
    return None


def _units(con: Any, opts: SimulationOptions, sides: Sequence[Side]) -> tuple[str, str] | None:
    """One billing unit per customer and period with an active subscription, priced per side.

    Returns the (baseline, candidate) prices every unit side has, when no grandfathering rule or
    timeline gives a unit side others (None then: see ``unit_sides.ckey``)."""
    default_plan = opts.default_plan
    if default_plan is not None and not any(default_plan in s.catalog.plans for s in sides):
        raise UsageError(f"--plan '{default_plan}' is in neither catalog")
    con.execute("CREATE OR REPLACE TEMP TABLE default_plan (plan VARCHAR)")
    insert_rows(con, "default_plan", ("plan",), [(default_plan,)])
    # starts: when a row begins to bill. A customer on the default plan has no subscription row to
    # say when it began: it is billed from the month of its first usage (a customer first seen in
    # March pays no flat fee or minimum for January), and its subscribed_at stays unknown (NULL), so
    # no grandfathering rule's subscribed_before matches on a guess.
    con.execute("""CREATE OR REPLACE TEMP TABLE all_subs AS
        SELECT customer_id, COALESCE(s.plan, d.plan) AS plan, currency, subscribed_at, ended_at, add_ons, line,
               subscribed_at AS starts
        FROM subs s, default_plan d""")
    if default_plan is not None:
        con.execute("""INSERT INTO all_subs
            SELECT customer_id, d.plan, NULL, NULL, NULL, CAST([] AS VARCHAR[]), 0, CAST(c.first AS TIMESTAMP)
            FROM (SELECT customer_id, min(period) AS first FROM agg WHERE status = 'ok' GROUP BY customer_id) AS c,
                 default_plan d
            WHERE customer_id NOT IN (SELECT customer_id FROM subs)""")
    missing = con.execute("SELECT customer_id FROM all_subs WHERE plan IS NULL LIMIT 1").fetchone()
    if missing:
        raise InputError(f"subscription of customer '{missing[0]}' has no plan; give --plan for a default")
    plans = [r[0] for r in con.execute("SELECT DISTINCT plan FROM all_subs").fetchall()]
    for p in plans:
        if not any(p in s.catalog.plans for s in sides):
            # the first row that names it, as the subscriptions reader's own errors say (a plan from
            # --plan is checked above, so the plan comes from the file)
            row = con.execute("SELECT line, customer_id FROM subs WHERE plan = ? ORDER BY line LIMIT 1",
                              [p]).fetchone()
            known = sorted({q for s in sides for q in s.catalog.plans})
            near = difflib.get_close_matches(p, known, n=1)
            hint = f"did you mean '{near[0]}'? " if near else ""
            where = f"{opts.subscriptions}: row {row[0]} (customer '{row[1]}'): " if row else ""
            raise InputError(f"{where}plan '{p}' is in neither catalog; {hint}plans: {', '.join(known)}")
    con.execute("CREATE OR REPLACE TEMP TABLE plan_defaults (plan VARCHAR, currency VARCHAR)")
    insert_rows(con, "plan_defaults", ("plan", "currency"), [(p, _plan_currency(sides, p)) for p in plans])
    # The latest started subscription row of a customer wins a period; when no customer has two
    # rows, every match is the only one and the window (a sort by customer) is skipped. Only subs can
    # have two rows of a customer (the default plan's rows are customers not in subs).
    repeated = con.execute("SELECT count(*) <> count(DISTINCT customer_id) FROM subs").fetchone()[0]
    rn = ("ROW_NUMBER() OVER (PARTITION BY s.customer_id, p.period "
          "ORDER BY s.subscribed_at DESC NULLS LAST, s.line DESC)" if repeated else "1")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE units AS
        SELECT CAST(row_number() OVER () AS INTEGER) AS unit_no,
               customer_id, period, plan, currency, add_ons, subscribed_at FROM (
            SELECT s.customer_id, p.period, s.plan, COALESCE(s.currency, d.currency) AS currency, s.add_ons,
                   s.subscribed_at, {rn} AS rn
            FROM all_subs s JOIN periods p
              ON (s.starts IS NULL OR s.starts < p.period + INTERVAL 1 MONTH)
             AND (s.ended_at IS NULL OR s.ended_at > p.period)
            LEFT JOIN plan_defaults d ON d.plan = s.plan) AS x
        WHERE rn = 1""")
    # grandfathering rules and release timelines, per side
    # owner: the release whose rules they are (a timeline's, applied while it is in force); NULL for
    # the side's own catalog's rules
    con.execute("""CREATE OR REPLACE TEMP TABLE gf_rules (side VARCHAR, ord INTEGER, plans VARCHAR[],
        customers VARCHAR[], subscribed_before DATE, until DATE, ckey VARCHAR, owner VARCHAR)""")
    con.execute("CREATE OR REPLACE TEMP TABLE timeline (side VARCHAR, ord INTEGER, effective_from DATE, ckey VARCHAR)")
    con.execute("CREATE OR REPLACE TEMP TABLE sides (side VARCHAR, ckey VARCHAR, rounding VARCHAR, has_timeline BOOLEAN)")
    rows_r: list[tuple[Any, ...]] = []
    rows_t: list[tuple[Any, ...]] = []
    rows_s: list[tuple[Any, ...]] = []
    rounding = {s.name: s.catalog.rounding for s in sides}
    for s in sides:
        for rid, r in s.releases.items():  # keyed by the release id (a catalog's own id is not it)
            rounding[f"release:{rid}"] = r.rounding
        for owner, rules in [(None, s.rules), *((f"release:{rid}", rs) for rid, rs in s.timeline_rules.items())]:
            ordered = sorted((r for r in rules if r.plans or r.customers), key=lambda r: (not r.customers, r.id))
            for r in ordered:  # ord numbers a side's rules across owners: no two tie
                rows_r.append((s.name, len(rows_r), list(r.plans), list(r.customers), r.subscribed_before,
                               r.until, f"release:{r.release}", owner))
        for i, (eff, rid) in enumerate(s.timeline):
            rows_t.append((s.name, i, eff, f"release:{rid}"))
        rows_s.append((s.name, s.name, s.catalog.rounding, bool(s.timeline)))
    insert_rows(con, "gf_rules", ("side", "ord", "plans", "customers", "subscribed_before", "until", "ckey",
                                  "owner"), rows_r)
    insert_rows(con, "timeline", ("side", "ord", "effective_from", "ckey"), rows_t)
    insert_rows(con, "sides", ("side", "ckey", "rounding", "has_timeline"), rows_s)
    con.execute("CREATE OR REPLACE TEMP TABLE ckey_rounding (ckey VARCHAR, rounding VARCHAR)")
    insert_rows(con, "ckey_rounding", ("ckey", "rounding"), list(rounding.items()))
    # first the release in force (tl: a timeline's, else the side's own catalog), then the rule that
    # sends the unit elsewhere: among the side's own rules, or the rules of the release in force
    gf = """(SELECT g.ckey FROM gf_rules g WHERE g.side = k0.side AND (g.owner IS NULL OR g.owner = k0.tl)
                        AND (len(g.plans) = 0 OR list_contains(g.plans, k0.plan))
                        AND (len(g.customers) = 0 OR list_contains(g.customers, k0.customer_id))
                        AND (g.subscribed_before IS NULL OR (k0.subscribed_at IS NOT NULL
                             AND k0.subscribed_at < g.subscribed_before))
                        AND (g.until IS NULL OR k0.period < g.until)
                      ORDER BY g.ord LIMIT 1)"""
    tl = """CASE WHEN sd.has_timeline THEN
                       (SELECT t.ckey FROM timeline t WHERE t.side = sd.side AND t.effective_from <= u.period
                        ORDER BY t.effective_from DESC, t.ord DESC LIMIT 1)
                     ELSE sd.ckey END"""
    # The correlated lookups cost a join per unit even when there is nothing to look up.
    # us_id from the unit and the side (baseline 2u - 1, candidate 2u): no window over 600k rows.
    ckey = f"COALESCE({gf}, k0.tl)" if rows_r else "k0.tl"
    # Without grandfathering rules or a timeline a unit side's prices are its side's: then unit_sides
    # is a view (units x 2 sides), not 600k rows of text written once and read a few times.
    kind = "TABLE" if rows_r or rows_t else "VIEW"
    con.execute(f"""CREATE OR REPLACE TEMP {kind} unit_sides AS
        WITH k0 AS (SELECT u.*, sd.side, {tl if rows_t else 'sd.ckey'} AS tl FROM units u CROSS JOIN sides sd),
        k AS (SELECT k0.* EXCLUDE (tl), {ckey} AS ckey FROM k0)
        SELECT CAST(2 * k.unit_no - CASE WHEN k.side = 'baseline' THEN 1 ELSE 0 END AS INTEGER) AS us_id, k.*,
               r.rounding
        FROM k LEFT JOIN ckey_rounding r ON r.ckey = k.ckey""")
    _drop_unsold_add_ons(con, sides, kind == "VIEW")
    _unsold_plans(con, sides)
    _subscription_overlaps(con)
    return (sides[0].name, sides[1].name) if kind == "VIEW" else None


def _unsold_plans(con: Any, sides: Sequence[Side]) -> None:
    """The unit sides whose catalog cannot bill their plan, into ``plan_skipped``: it has no such plan
    (``unknown``: a candidate that drops a plan) or does not sell it in the unit's currency
    (``not_in_currency``, which ``quote`` refuses). That side bills such a unit nothing; the report
    says so (``plan_not_billed_<side>``) instead of showing a silent zero.
    """
    con.execute("""CREATE OR REPLACE TEMP TABLE plan_skipped (side VARCHAR, customer_id VARCHAR, period DATE,
        plan VARCHAR, currency VARCHAR, why VARCHAR)""")
    sold = {ckey: {p.id: set(p.currencies or (cat.currency,)) for p in cat.plans.values()}
            for ckey, cat in _all_catalogs(sides)}
    combos = con.execute("SELECT DISTINCT plan, currency FROM units").fetchall()
    if all(plan in by_plan and cur in by_plan[plan] for by_plan in sold.values() for plan, cur in combos):
        return  # every catalog sells every subscribed plan in its currency: no unit side to look at
    con.execute("CREATE OR REPLACE TEMP TABLE plan_catalog "
                "(ckey VARCHAR, plan VARCHAR, currencies VARCHAR[])")
    insert_rows(con, "plan_catalog", ("ckey", "plan", "currencies"),
                [(ckey, plan, sorted(curs))
                 for ckey, by_plan in sold.items() for plan, curs in by_plan.items()])
    con.execute("""INSERT INTO plan_skipped
        SELECT us.side, us.customer_id, us.period, us.plan, us.currency,
               CASE WHEN k.plan IS NULL THEN 'unknown' ELSE 'not_in_currency' END
        FROM unit_sides us LEFT JOIN plan_catalog k ON k.ckey = us.ckey AND k.plan = us.plan
        WHERE us.ckey IS NOT NULL
          AND (k.plan IS NULL OR NOT COALESCE(list_contains(k.currencies, us.currency), false))""")


def _drop_unsold_add_ons(con: Any, sides: Sequence[Side], is_view: bool = False) -> None:
    """Take out of each unit side the add-ons its catalog does not sell to it, into ``addon_skipped``.

    As ``quote`` refuses them: an add-on the catalog pricing that unit side does not define
    (``unknown``), one its plan is not in ``available_for`` (``not_available_for_plan``), or one not
    sold in the unit's currency (``not_in_currency``). They are reported under ``unrated``, never
    billed silently or dropped silently.
    """
    con.execute("""CREATE OR REPLACE TEMP TABLE addon_catalog (ckey VARCHAR, add_on VARCHAR,
        available_for VARCHAR[], currencies VARCHAR[])""")
    insert_rows(con, "addon_catalog", ("ckey", "add_on", "available_for", "currencies"),
                [(ckey, a.id, list(a.available_for), list(a.currencies or (cat.currency,)))
                 for ckey, cat in _all_catalogs(sides) for a in cat.add_ons.values()])
    con.execute("""CREATE OR REPLACE TEMP TABLE addon_skipped AS
        SELECT x.us_id, x.side, x.customer_id, x.period, x.plan, x.add_on,
               CASE WHEN k.add_on IS NULL THEN 'unknown'
                    WHEN NOT COALESCE(list_contains(k.available_for, x.plan), false)
                    THEN 'not_available_for_plan'
                    ELSE 'not_in_currency' END AS why
        FROM (SELECT us_id, side, customer_id, period, plan, currency, ckey, unnest(add_ons) AS add_on
              FROM unit_sides WHERE len(add_ons) > 0 AND ckey IS NOT NULL) AS x
        LEFT JOIN addon_catalog k ON k.ckey = x.ckey AND k.add_on = x.add_on
        WHERE k.add_on IS NULL OR NOT COALESCE(list_contains(k.available_for, x.plan), false)
           OR NOT COALESCE(list_contains(k.currencies, x.currency), false)""")
    if con.execute("SELECT count(*) FROM (SELECT 1 FROM addon_skipped LIMIT 1) AS x").fetchone()[0]:
        if is_view:  # the view becomes a table, which the UPDATE below can change
            con.execute("CREATE OR REPLACE TEMP TABLE unit_sides_t AS SELECT * FROM unit_sides")
            con.execute("DROP VIEW unit_sides")
            con.execute("ALTER TABLE unit_sides_t RENAME TO unit_sides")
        con.execute("""UPDATE unit_sides SET add_ons = list_filter(unit_sides.add_ons,
                lambda a: NOT list_contains(s.skipped, a))
            FROM (SELECT us_id, list(add_on) AS skipped FROM addon_skipped GROUP BY us_id) AS s
            WHERE s.us_id = unit_sides.us_id""")


def _subscription_overlaps(con: Any) -> None:
    """Pairs of subscription rows of one customer whose [subscribed_at, ended_at) overlap inside the
    simulated periods, into ``sub_overlaps``. The latest started still wins (see ``units``); the
    overlap is reported, not resolved silently."""
    con.execute("""CREATE OR REPLACE TEMP TABLE sub_overlaps AS
        WITH r AS (SELECT CAST(min(period) AS TIMESTAMP) AS lo,
                          CAST(max(period) + INTERVAL 1 MONTH AS TIMESTAMP) AS hi FROM periods)
        SELECT a.customer_id, a.line AS line_a, b.line AS line_b
        FROM subs a JOIN subs b ON a.customer_id = b.customer_id AND a.line < b.line, r
        WHERE (a.subscribed_at IS NULL OR b.ended_at IS NULL OR a.subscribed_at < b.ended_at)
          AND (b.subscribed_at IS NULL OR a.ended_at IS NULL OR b.subscribed_at < a.ended_at)
          AND COALESCE(greatest(a.subscribed_at, b.subscribed_at), r.lo) < r.hi
          AND COALESCE(least(a.ended_at, b.ended_at), r.hi) > r.lo""")


def _out_format(out: str) -> str:
    """The COPY options for ``--out`` by its suffix (checked before the run, not after it)."""
    low = out.lower()
    if low.endswith((".parquet", ".pq")):
        return "(FORMAT parquet)"
    if low.endswith(".csv"):
        return "(FORMAT csv, HEADER true)"
    if low.endswith((".ndjson", ".jsonl")):
        return "(FORMAT json)"  # a row per line
    if low.endswith(".json"):
        return "(FORMAT json, ARRAY true)"  # one JSON document (json.load reads it)
    raise UsageError(f"--out '{out}': use a .parquet, .csv, .json or .ndjson file name")


def write_rows(con: Any, out: str, minors: Mapping[str, int] | None = None) -> None:
    """Write the per-customer, per-period comparison (Parquet, CSV or JSON by suffix).

    Parquet keeps the amounts as one DECIMAL column (at the largest minor unit of the currencies
    billed); CSV and JSON write each at its own currency's minor unit, as text (JSON has no decimal
    type: strings, as everywhere pricebook writes JSON, SPEC §5).
    """
    import duckdb

    fmt = _out_format(out)
    path = out.replace("'", "''")
    cols = "*"
    if "parquet" not in fmt and minors:
        def text(col: str) -> str:
            cases = " ".join(f"WHEN {lit(c)} THEN CAST(CAST({col} AS DECIMAL(38, {mu})) AS VARCHAR)"
                             for c, mu in sorted(minors.items()))
            return f"CASE currency {cases} ELSE CAST({col} AS VARCHAR) END AS {col}"
        cols = f"* REPLACE ({', '.join(text(c) for c in ('baseline', 'candidate', 'delta'))})"
    try:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        con.execute(f"COPY (SELECT {cols} FROM comparison ORDER BY customer_id, period) TO '{path}' {fmt}")
    except (OSError, duckdb.IOException) as exc:  # a full disk, a folder gone since the run began
        raise InputError(f"--out '{out}': cannot write it ({str(exc).strip().splitlines()[0]})") from None
