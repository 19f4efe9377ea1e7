"""Stage 1: read, dedup and aggregate usage to one row per customer, period, meter and dimension values.

``aggregate_sql`` returns SQL text in a portable subset (explicit GROUP BY, CASE instead of FILTER, no
reused aliases, explicit CASTs, quantities summed as DECIMAL(38, S)) over the view ``usage_events``
(see ``readers``), so it can be transpiled with sqlglot and run on Spark or a warehouse; stage 2 then
reads its result from a table. It is the only stage that grows with the number of events.

Every event lands in exactly one output row, with a ``status``: ``ok`` (rated in stage 2), or why it
is not rated: ``duplicate``, ``bad_timestamp``, ``no_customer``, ``unknown_meter``, ``null_quantity``,
``bad_quantity``, ``negative_quantity``, ``non_usage:<category>``. Nothing is dropped.

Output columns: customer_id, period (DATE: the month's first day in the catalog timezone), meter,
status, d_0..d_k (dimension values, only for meters that declare the dimension), vnum (the event's
value, kept for meters priced per transaction or by ``latest``), vkey (the value as text, kept for
``unique_count`` meters), events (BIGINT), qty_sum and qty_max (DECIMAL(38, S)), last_ts (the last
event's time; NULL when no meter is priced by ``latest``, its only reader).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pricebook.model import Meter
from pricebook.simulate.readers import dimension_names
from pricebook.simulate.sqlutil import lit

# NULL for a NULL time, and in DuckDB for an infinite one
NO_YEAR = "EXTRACT(YEAR FROM ts)"

STATUSES = ("ok", "duplicate", "bad_timestamp", "no_customer", "unknown_meter", "null_quantity",
            "bad_quantity", "negative_quantity")


@dataclass(frozen=True)
class AggregateSpec:
    """What stage 1 must know: the meters (from both catalogs), which meters keep their transaction
    values, the quantity scale and whether to drop duplicate event ids."""

    meters: Mapping[str, Meter]
    transaction_meters: frozenset[str] = frozenset()
    scale: int = 12
    dedup: bool = True
    source: str = "usage_events"
    dimensions: Sequence[str] = field(default_factory=tuple)
    # DuckDB only: find repeated ids by hash(event_id), 8-byte keys (at 100M events the GROUP BY on
    # the id text spilled and took 2.2x as long). A hash shared by two ids only sends both ids' events
    # to the window, which partitions by the id itself: the result is the same. Off for the SQL handed
    # to other engines (portable GROUP BY event_id).
    dup_hash: bool = False
    # DuckDB only, with dup_hash: the repeated hashes were already found into this table (column h),
    # see ``dup_hashes_sql``; the query reads them instead of searching.
    dup_table: str | None = None
    # DuckDB only: group the events by the raw facts the status reads (period, excluded, whether the
    # value is missing, unparseable or negative), then give each of those far fewer groups its status
    # and group again. The status CASE (string IN lists) per event cost ~0.3 s of 1.9 s at 20M events;
    # per group it is free (20M: 1.95 -> 1.75 s). Same rows; off for the SQL handed to other engines.
    status_after_group: bool = False
    # DuckDB only, with status_after_group: what the view's SQL says about its columns
    # (``readers.ViewShape``): columns NULL on every row, and whether value and value_raw are one typed
    # column (no value is unparseable). A key that is the same on every row (those columns, a dimension
    # no meter declares, the kept value or key when no meter keeps it, a fact that cannot be true) is left
    # out of the GROUP BY and given back as a constant (the rows are the same as without).
    null_columns: frozenset[str] = frozenset()
    value_is_raw: bool = False
    # DuckDB only, with status_after_group and no marked dedup: the value facts (missing, unparseable,
    # negative) are aggregates (COUNT(value_raw), COUNT(value), MIN(value)) instead of group keys, and
    # every row gets the status it has when no fact holds. The result has one more column,
    # ``split_needed``: true where a group held an event whose facts would change its status. When
    # none is, the rows are those of the query with the facts as keys (the caller drops the column);
    # otherwise the caller runs that query. Two boolean keys fewer per event: 20M events ~0.1 s.
    facts_as_aggregates: bool = False


def _in_list(column: str, values: Iterable[str], duckdb: bool = False) -> str | None:
    """``column`` is one of ``values`` (None: no value). ``duckdb``: two or more values as
    ``list_contains`` over a constant list, not an IN list. DuckDB evaluates an IN list of n constants
    as n comparisons per row, or (its in_clause optimizer, from six) as a join whose scan then reports
    no progress; list_contains is one lookup. A dimension declared by 40 meters, tested per event:
    1.2-1.4 s of IN list against 0.07 s at 20M events. NULL in, NULL out, as IN."""
    vals = sorted(set(values))
    if not vals:
        return None
    if duckdb and len(vals) > 1:
        return f"list_contains([{', '.join(lit(v) for v in vals)}], {column})"
    return f"{column} IN ({', '.join(lit(v) for v in vals)})"


def aggregate_sql(spec: AggregateSpec) -> str:
    """The stage 1 query (portable SQL text; see the module docstring for its output)."""
    s = spec.scale
    meters = spec.meters
    dims = list(spec.dimensions) or dimension_names(meters)
    by_agg: dict[str, list[str]] = {}
    for mid, m in meters.items():
        by_agg.setdefault(m.aggregation, []).append(mid)

    def meter_in(values: Iterable[str]) -> str | None:
        """The DuckDB query (status_after_group) tests lists with list_contains; the portable one, IN."""
        return _in_list("meter", values, spec.status_after_group)

    known = meter_in(meters)
    counted = meter_in(by_agg.get("count", []))
    textual = meter_in(by_agg.get("count", []) + by_agg.get("unique_count", []))
    keep_num = meter_in(set(spec.transaction_meters) | set(by_agg.get("latest", [])))
    keep_key = meter_in(by_agg.get("unique_count", []))
    # the last event's time is read only for meters priced by ``latest``: without one it is a typed NULL
    # (MAX(ts) cost ~0.07 s of ~1.4 s at 20M events)
    last_ts = "MAX(ts)" if by_agg.get("latest") else "CAST(NULL AS TIMESTAMP)"

    def status_case(no_ts: str, raw_null: str, bad_value: str | None, negative: str,
                    excluded: bool = True) -> str:
        status = ["CASE"]
        if excluded:
            status.append("WHEN excluded IS NOT NULL THEN 'non_usage:' || excluded")
        if spec.dedup:
            status.append("WHEN is_dup = 1 THEN 'duplicate'")
        status.append(f"WHEN {no_ts} THEN 'bad_timestamp'")
        status.append("WHEN customer_id IS NULL OR customer_id = '' THEN 'no_customer'")
        status.append(f"WHEN meter IS NULL OR NOT ({known}) THEN 'unknown_meter'" if known
                      else "WHEN 1 = 1 THEN 'unknown_meter'")
        not_counted = f"NOT ({counted}) AND " if counted else ""
        status.append(f"WHEN {not_counted}{raw_null} THEN 'null_quantity'")
        not_textual = f"NOT ({textual}) AND " if textual else ""
        if bad_value is not None:
            status.append(f"WHEN {not_textual}{bad_value} THEN 'bad_quantity'")
        status.append(f"WHEN {not_counted}{negative} THEN 'negative_quantity'")
        status.append("ELSE 'ok' END")
        return " ".join(status)

    # an infinite time (DuckDB reads 'infinity') has no year and is a bad timestamp, as in the DuckDB
    # query below (year() is NULL for it); elsewhere EXTRACT is NULL only for a NULL time
    status_sql = status_case(f"{NO_YEAR} IS NULL", "value_raw IS NULL",
                             "value IS NULL AND value_raw IS NOT NULL", "value < 0")

    dim_exprs = []
    const_dims = set()  # d_i that is NULL on every row
    for i, d in enumerate(dims):
        declaring = meter_in([mid for mid, m in meters.items() if d in m.dimensions])
        expr = f"CASE WHEN {declaring} THEN d_{i} ELSE CAST(NULL AS VARCHAR) END" if declaring \
            else "CAST(NULL AS VARCHAR)"
        dim_exprs.append(f"{expr} AS d_{i}")
        if not declaring or f"d_{i}" in spec.null_columns:
            const_dims.add(i)
    vnum = (f"CASE WHEN {keep_num} THEN CAST(value AS DECIMAL(38, {s})) "
            f"ELSE CAST(NULL AS DECIMAL(38, {s})) END" if keep_num else f"CAST(NULL AS DECIMAL(38, {s}))")
    # value_raw may be a typed column: cast to text only here, for the few events that need it
    vkey = (f"CASE WHEN {keep_key} THEN CAST(value_raw AS VARCHAR) ELSE CAST(NULL AS VARCHAR) END" if keep_key
            else "CAST(NULL AS VARCHAR)")

    cols = ["event_id", "customer_id", "meter", "ts", "value", "value_raw", "excluded",
            *(f"d_{i}" for i in range(len(dims)))]
    src_cols = ", ".join(cols)
    with_dup = ""
    if spec.dedup:
        # The first event (by time) of each event_id is kept; later ones are duplicates, counted.
        # Only events whose id repeats are windowed: a narrow GROUP BY finds those ids, every other
        # event passes straight to the aggregate (sorting every event by id cost 2-3x the scan).
        e_cols = ", ".join(f"e.{c}" for c in cols)
        # every column the aggregate reads, so the winner among copies is always the same event
        # (copies that tie on all of them give the same rows whichever wins)
        tie_break = ", ".join(["e.ts", "e.customer_id", "e.meter", "CAST(e.value_raw AS VARCHAR)",
                               "e.excluded", *(f"e.d_{i}" for i in range(len(dims)))])
        if spec.dup_hash:
            # sorting 8-byte hashes and comparing neighbours: half the CPU of a GROUP BY with one group
            # per event (20M: 2.6 vs 5.2 s; 100M: 16 vs 22 s, and no spill)
            e_key = "hash(e.event_id)"
            found = f"SELECT h FROM {spec.dup_table}" if spec.dup_table else dup_hashes_sql(spec.source)
            with_dup = f"WITH dup_ids AS (SELECT h AS event_id FROM ({found}) AS d) "
        else:
            e_key = "e.event_id"
            with_dup = (f"WITH dup_ids AS (SELECT event_id FROM {spec.source} WHERE event_id IS NOT NULL "
                        "GROUP BY event_id HAVING COUNT(*) > 1) ")
        source = (f"(SELECT {e_cols}, 0 AS is_dup FROM {spec.source} AS e "
                  f"LEFT JOIN dup_ids AS k ON k.event_id = {e_key} WHERE k.event_id IS NULL "
                  f"UNION ALL SELECT {e_cols}, CASE WHEN ROW_NUMBER() OVER (PARTITION BY e.event_id "
                  f"ORDER BY {tie_break}) > 1 "
                  "THEN 1 ELSE 0 END AS is_dup "
                  f"FROM {spec.source} AS e JOIN dup_ids AS k ON k.event_id = {e_key}) AS u")
    else:
        source = f"(SELECT {src_cols} FROM {spec.source}) AS u"

    inner = ", ".join([
        "customer_id", "meter",
        f"CASE WHEN {NO_YEAR} IS NOT NULL THEN CAST(DATE_TRUNC('month', ts) AS DATE) END AS period",
        f"{status_sql} AS status",
        *dim_exprs,
        f"{vnum} AS vnum",
        f"{vkey} AS vkey",
        "value",  # the view's type: summed as it is, the sum cast below
        "ts",
    ])
    keys = ["customer_id", "period", "meter", "status", *(f"d_{i}" for i in range(len(dims))), "vnum", "vkey"]
    if spec.status_after_group:
        # The month is grouped as two integer keys, year(ts) and month(ts), and becomes a DATE per
        # group: DATE_TRUNC per event cost 0.9 of 3.7 s CPU at 20M events, year() and month() 0.15.
        # p_year is NULL exactly when the time is NULL or infinite (bad_timestamp, as in the portable
        # query). value_raw/value NULL and value < 0 become group keys, or with facts_as_aggregates,
        # aggregates (n_raw, n_val, q_min) that only say whether some event of the group has them.
        # Keys that are constant on every row are not grouped by (see AggregateSpec.null_columns):
        # the outer SELECT gives them back as typed NULLs, so the columns and rows are the same.
        has_excluded = "excluded" not in spec.null_columns
        bad_value = None if spec.value_is_raw else "value IS NULL AND value_raw IS NOT NULL"
        const = {f"d_{i}": "CAST(NULL AS VARCHAR)" for i in const_dims}
        if not keep_num:
            const["vnum"] = f"CAST(NULL AS DECIMAL(38, {s}))"
        if not keep_key:
            const["vkey"] = "CAST(NULL AS VARCHAR)"
        # with repeated hashes found, one scan marks the events to window (see _marked_groups)
        marked = spec.dedup and spec.dup_hash and bool(spec.dup_table)
        dup_key = ["is_dup"] if spec.dedup and not marked else []
        fast = spec.facts_as_aggregates and not marked
        fact_exprs = {"raw_null": "value_raw IS NULL", "bad_value": bad_value, "negative": "value < 0"}
        value_facts = [] if fast else [f for f, e in fact_exprs.items() if e]
        facts = [*(["excluded"] if has_excluded else []), *dup_key, *value_facts]
        varying = [c for c in (*(f"d_{i}" for i in range(len(dims))), "vnum", "vkey") if c not in const]
        # a typed value (value_is_raw: DECIMAL or integer) is grouped as it is and becomes text per
        # group, not per event: distinct values have distinct texts, so the groups are the same
        typed_key = (f"CASE WHEN {keep_key} THEN value_raw END AS vkey" if keep_key and spec.value_is_raw
                     else None)
        exprs = {**{f"d_{i}": e for i, e in enumerate(dim_exprs)}, "vnum": f"{vnum} AS vnum",
                 "vkey": typed_key or f"{vkey} AS vkey"}
        pre = ", ".join([
            "customer_id", "meter", "year(ts) AS p_year", "month(ts) AS p_month",
            *(["excluded"] if has_excluded else []), *dup_key,
            *(f"{fact_exprs[f]} AS {f}" for f in value_facts),
            *(["value_raw"] if fast and not spec.value_is_raw else []),
            *(exprs[c] for c in varying), "value", "ts"])
        g_keys = ["customer_id", "p_year", "p_month", "meter", *facts, *varying]
        fact_aggs = ""
        # whether some event of the group has each fact; a typed value (value is value_raw) has two,
        # missing and negative, with the same guard in the status: one aggregate says whether either
        # holds (a missing value counts as -1), not two (20M events: ~0.04 s)
        merged = fast and spec.value_is_raw
        if merged:
            fact_aggs = ", MIN(COALESCE(value, -1)) AS q_min"
        elif fast:
            fact_aggs = (", COUNT(value_raw) AS n_raw"
                         f"{', COUNT(value) AS n_val' if bad_value else ''}, MIN(value) AS q_min")
        grouped = (f"SELECT {', '.join(g_keys)}, COUNT(*) AS n, SUM(value) AS q_sum, MAX(value) AS q_max, "
                   f"{last_ts} AS t_max{fact_aggs} FROM (SELECT {pre} FROM {source}) AS e "
                   f"GROUP BY {', '.join(g_keys)}")
        if marked:
            grouped, with_dup = _marked_groups(spec, pre, g_keys, len(dims), last_ts), ""
        if fast:
            # every group gets the status it has when no fact holds; split: some fact would change it
            status = status_case("p_year IS NULL", "FALSE", "FALSE" if bad_value else None, "FALSE",
                                 excluded=has_excluded)
            any_hold = status_case("p_year IS NULL", "q_min < 0" if merged else "n_raw < n",
                                   "n_val < n_raw" if bad_value else None, "q_min < 0", excluded=has_excluded)
            status_cols = f"{status} AS status, ({any_hold}) <> ({status}) AS split"
        else:
            status = status_case("p_year IS NULL", "raw_null", "bad_value" if bad_value else None,
                                 "negative", excluded=has_excluded)
            status_cols = f"{status} AS status"
        out_keys = [f"{const[k]} AS {k}" if k in const else k for k in keys]
        text_key = " REPLACE (CAST(g.vkey AS VARCHAR) AS vkey)" if typed_key and "vkey" in varying else ""
        # each group with its status, and the month as a DATE again
        middle = (f"(SELECT g.* EXCLUDE (p_year, p_month){text_key}, "
                  f"make_date(g.p_year, g.p_month, 1) AS period, {status_cols} FROM ({grouped}) AS g)")
        if fast and not dup_key:
            # Each group already is one output row: its keys besides the output's are at most
            # ``excluded``, which the status names ('non_usage:' || excluded, and only then), so no
            # two groups share a status and the other keys. A projection, not a second GROUP BY
            # (300k groups: ~0.1 s of ~1.6 s at 20M events).
            return (
                f"SELECT {', '.join(out_keys)}, CAST(n AS BIGINT) AS events, "
                f"CAST(q_sum AS DECIMAL(38, {s})) AS qty_sum, CAST(q_max AS DECIMAL(38, {s})) AS qty_max, "
                "t_max AS last_ts, split AS split_needed "
                f"FROM {middle} AS f"
            )
        return (
            f"{with_dup}SELECT {', '.join(out_keys)}, "
            "CAST(SUM(n) AS BIGINT) AS events, "
            f"CAST(SUM(q_sum) AS DECIMAL(38, {s})) AS qty_sum, "
            f"CAST(MAX(q_max) AS DECIMAL(38, {s})) AS qty_max, "
            f"MAX(t_max) AS last_ts{', BOOL_OR(split) AS split_needed' if fast else ''} "
            f"FROM {middle} AS f "
            f"GROUP BY {', '.join(['customer_id', 'period', 'meter', 'status', *varying])}"
        )
    return (
        f"{with_dup}SELECT {', '.join(keys)}, "
        "CAST(COUNT(*) AS BIGINT) AS events, "
        f"CAST(SUM(value) AS DECIMAL(38, {s})) AS qty_sum, "
        f"CAST(MAX(value) AS DECIMAL(38, {s})) AS qty_max, "
        f"{last_ts} AS last_ts "
        f"FROM (SELECT {inner} FROM {source}) AS e "
        f"GROUP BY {', '.join(keys)}"
    )


def _marked_groups(spec: AggregateSpec, pre: str, g_keys: list[str], n_dims: int, last_ts: str) -> str:
    """DuckDB, repeated hashes found (``spec.dup_table``): the status-fact groups with ``is_dup``,
    reading the usage once.

    Each event is marked when its id's hash repeats (a probe into the few found hashes). One GROUP BY
    adds, for marked events only, the id and every column the winner rule orders by (time, value as
    text, the raw dimension values; customer, meter and excluded are keys already), so copies of an
    id land in groups of identical events. Over those few groups, ROW_NUMBER() in the winner order
    (earliest event, ties broken over every aggregated column, as the portable query) picks the first
    group: one of its events is kept, its other events and every later group are duplicates. The
    events of a group are identical in every aggregated column, so the kept one's sum and maximum are
    the group's maximum. Before, the aggregate read the usage twice (the events whose hash does not
    repeat, then the repeated ones for the window).
    """
    dims = [f"d_{i}" for i in range(n_dims) if f"d_{i}" not in spec.null_columns]
    marked = "u.event_id IS NOT NULL AND k.h IS NOT NULL"
    extra = {"m_id": "u.event_id", "m_ts": "u.ts", "m_raw": "CAST(u.value_raw AS VARCHAR)",
             **{f"m_{d}": f"u.{d}" for d in dims}}
    m_pre = ", ".join([pre, *(f"CASE WHEN {marked} THEN {e} END AS {k}" for k, e in extra.items())])
    source = (f"{spec.source} AS u LEFT JOIN (SELECT DISTINCT h FROM {spec.dup_table}) AS k "
              "ON k.h = hash(u.event_id)")
    keys = g_keys  # without is_dup: it is given below
    g0_keys = [*keys, *extra]
    order = ", ".join(["m_ts", "customer_id", "meter", "m_raw",
                       *(["excluded"] if "excluded" in keys else []), *(f"m_{d}" for d in dims)])
    cols = ", ".join(keys)
    return (
        f"WITH g0 AS MATERIALIZED (SELECT {', '.join(g0_keys)}, COUNT(*) AS n, SUM(value) AS q_sum, "
        f"MAX(value) AS q_max, {last_ts} AS t_max FROM (SELECT {m_pre} FROM {source}) AS e "
        f"GROUP BY {', '.join(g0_keys)}), "
        f"m AS (SELECT *, ROW_NUMBER() OVER (PARTITION BY m_id ORDER BY {order}) AS rn "
        "FROM g0 WHERE m_id IS NOT NULL) "
        f"SELECT {cols}, 0 AS is_dup, n, q_sum, q_max, t_max FROM g0 WHERE m_id IS NULL "
        f"UNION ALL SELECT {cols}, 0, 1, q_max, q_max, t_max FROM m WHERE rn = 1 "
        f"UNION ALL SELECT {cols}, 1, n - 1, q_sum - q_max, q_max, t_max FROM m WHERE rn = 1 AND n > 1 "
        f"UNION ALL SELECT {cols}, 1, n, q_sum, q_max, t_max FROM m WHERE rn > 1"
    )


def dup_hashes_sql(source: str = "usage_events") -> str:
    """DuckDB: the ``hash(event_id)`` values (column ``h``) that more than one event of ``source`` has,
    by sorting them (``engine._find_repeated_hashes`` uses it where the C search cannot run).

    Every repeated id is among them (a hash shared by two different ids only sends both ids' events to
    the window over the id itself). Run apart, an empty result lets the caller aggregate without
    reading the ids again (``engine``): the usual case, usage without repeated ids.
    """
    return ("SELECT DISTINCT h FROM (SELECT h, LAG(h) OVER (ORDER BY h) AS prev FROM "
            "(SELECT hash(event_id) AS h "
            f"FROM {source} WHERE event_id IS NOT NULL) AS x) AS y WHERE h = prev")


def transaction_meters(catalogs: Sequence[Any]) -> set[str]:
    """Meters some plan or add-on prices by ``percentage``: stage 1 keeps their event values."""
    out: set[str] = set()
    for cat in catalogs:
        for owner in (*cat.plans.values(), *cat.add_ons.values()):
            for sku_id, price in owner.prices.items():
                sku = cat.skus.get(sku_id)
                prices = [price, *(p for vals in price.dimensions.values() for p in vals.values())]
                if sku is not None and sku.meter and any(p.model == "percentage" for p in prices):
                    out.add(sku.meter)
    return out
