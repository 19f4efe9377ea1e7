"""Stage 2: rate the stage 1 aggregate for every side (baseline, candidate) inside DuckDB.

The SQL follows docs/rating.md step by step (the reference engine ``pricebook.rating`` is the
contract): a component per price (and per listed dimension value, plus the rest), its quantity by the
meter's aggregation, one expression per price model, each line rounded once to the currency's minor
unit with the catalog's rounding, then credit and minimum from the rounded lines. Arithmetic is exact
DECIMAL with explicit casts; DuckDB raises on overflow instead of losing digits.

How it stays fast (one pass over the usage, both sides at once): units and unit sides are keyed by
integers; a component's amount at quantity 0 is computed once (``comp0``) and only lines with usage
are rated and stored (``lines`` holds their ``delta`` from that amount); a bill adds its owners'
amounts at 0 (``owner_base``) to the deltas; tiers are a list per component read by a list lambda,
not a join and a GROUP BY per line; credit and minimum are rounded once per plan. ``lines_wide``
rebuilds every line, as the reference engine lists them, for tests and ``keep_lines``.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from pricebook.errors import InputError
from pricebook.simulate.prices import COMPONENT_COLUMNS, TIER_COLUMNS, PriceTables
from pricebook.simulate.sqlutil import ident, lit


def _json_value(v: Any) -> Any:
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, Decimal):
        return format(v, "f")
    raise TypeError(f"cannot store {type(v).__name__} in a DuckDB table")


def insert_rows(con: Any, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert rows into ``table`` as data, never as SQL text.

    The rows travel through a newline-delimited JSON file read with the table's own column types
    (amounts are decimal strings, so DECIMAL columns get them exactly). Not bound parameters: binding
    any Python value makes the duckdb module import pandas, numpy and pyarrow (0.3-0.4 s per run).
    """
    if not rows:
        return
    # pragma_table_info reads the one table; duckdb_columns() lists every column of every table
    # (1.2 against 0.3 ms, up to 18 ms while the run's tables are large)
    types = dict(con.execute(f"SELECT name, type FROM pragma_table_info({lit(table)})").fetchall())
    spec = ", ".join(f"{lit(c)}: {lit(types[c])}" for c in columns)
    fd, path = tempfile.mkstemp(prefix="pricebook-", suffix=".ndjson")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(dict(zip(columns, r, strict=True)), default=_json_value))
                f.write("\n")
        names = ", ".join(ident(c) for c in columns)
        con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM read_json({lit(path)}, "
                    f"format = 'newline_delimited', columns = {{{spec}}})")
    finally:
        os.unlink(path)


def create_price_tables(con: Any, t: PriceTables, qs: int, ps: int, rs: int) -> None:
    q, m, r = f"DECIMAL(38, {qs})", f"DECIMAL(38, {ps})", f"DECIMAL(38, {rs})"
    con.execute(f"""CREATE OR REPLACE TEMP TABLE comps (comp_id INTEGER, ckey VARCHAR, owner_kind VARCHAR,
        owner VARCHAR, currency VARCHAR, seq INTEGER, sku VARCHAR, meter VARCHAR, aggregation VARCHAR,
        model VARCHAR, match VARCHAR, dim_idx INTEGER, dim_value VARCHAR, listed VARCHAR[],
        flat_amount {m}, unit_price {m}, included {q}, package_size {q}, package_price {m}, pkg_down BOOLEAN,
        rate {r}, fixed_fee {m}, pmin {m}, pmax {m})""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE tiers (comp_id INTEGER, idx INTEGER, lower_q {q}, upper_q {q},
        unit_price {m}, flat_fee {m})""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE adjustments (ckey VARCHAR, plan VARCHAR, currency VARCHAR,
        credit {m}, minimum {m})""")
    insert_rows(con, "comps", COMPONENT_COLUMNS, t.components)
    insert_rows(con, "tiers", TIER_COLUMNS, t.tiers)
    insert_rows(con, "adjustments", ("ckey", "plan", "currency", "credit", "minimum"), t.adjustments)


def money_scale(minors: Mapping[str, int]) -> int:
    """The scale of every rounded money column (lines, bills, the report): the largest minor unit."""
    return max(minors.values(), default=2)


def round_sql(x: str, minors: dict[str, int], cur: str = "currency", mode: str = "rounding") -> str:
    """Round ``x`` to the minor unit of the row's ``currency`` with the row's ``rounding`` mode.

    DuckDB's ROUND on DECIMAL is half away from zero (half_up); ROUND_EVEN returns a DOUBLE, so
    half_even is built exactly: a tie (fraction exactly one half at the minor unit) goes to the even
    neighbour, anything else rounds as usual.
    """
    top = money_scale(minors)
    up_cases, even_cases = [], []
    for code, mu in sorted(minors.items()):
        scale = f"CAST({lit('1' + '0' * mu)} AS HUGEINT)"
        unit = f"CAST({lit(format(Decimal(1).scaleb(-mu), 'f'))} AS DECIMAL(38, {mu}))"
        y = f"({x} * {scale})"
        even = (f"CASE WHEN abs({y} - trunc({y})) = 0.5 THEN (trunc({y}) + CASE WHEN trunc({y}) % 2 = 0 "
                f"THEN 0 ELSE sign({x}) END) * {unit} ELSE round({x}, {mu}) END")
        up_cases.append(f"WHEN {lit(code)} THEN CAST(round({x}, {mu}) AS DECIMAL(38, {top}))")
        even_cases.append(f"WHEN {lit(code)} THEN CAST({even} AS DECIMAL(38, {top}))")
    return (f"CASE WHEN {mode} = 'half_even' THEN CASE {cur} {' '.join(even_cases)} END "
            f"ELSE CASE {cur} {' '.join(up_cases)} END END")


def pick_sql(alias: str, qs: int, width: int = 38) -> str:
    """The quantity of a meter by the component's aggregation, from a row of per-aggregation columns."""
    d = f"DECIMAL({width}, {qs})"
    return (f"CASE aggregation WHEN 'count' THEN CAST({alias}.q_count AS {d}) WHEN 'sum' THEN {alias}.q_sum "
            f"WHEN 'max' THEN {alias}.q_max WHEN 'unique_count' THEN CAST({alias}.q_unique AS {d}) "
            f"WHEN 'latest' THEN {alias}.q_latest END")


AGGREGATIONS = frozenset({"count", "sum", "max", "unique_count", "latest"})


@dataclass(frozen=True)
class Widths:
    """DECIMAL widths of stage 2's per-line quantities and money (lines, bills, the report's sums).

    18 digits are 64-bit integers in DuckDB, 38 are 128-bit: grouping, joining and summing 600k
    64-bit amounts costs about half as much. Exactness never depends on the choice: DuckDB raises
    instead of wrapping when a value does not fit the narrow type (a CAST or an arithmetic overflow),
    and the caller then rates again with ``WIDE`` (see ``engine._stage2``).
    """

    quantity: int = 38
    money: int = 38

    @property
    def narrow(self) -> bool:
        return self.quantity < 38 or self.money < 38


WIDE = Widths()
NARROW_WIDTH = 18


def _per_agg(qs: int, needed: frozenset[str] = AGGREGATIONS, width: int = 38) -> str:
    """The per-aggregation quantity columns; one no price or limit reads is a typed NULL, not computed
    (COUNT(DISTINCT) and max_by over a struct cost more than the rest of the GROUP BY)."""
    d = f"DECIMAL({width}, {qs})"
    cols = {
        "count": ("CAST(SUM(events) AS BIGINT)", "BIGINT"),
        "sum": (f"CAST(SUM(qty_sum) AS {d})", d),
        "max": (f"CAST(MAX(qty_max) AS {d})", d),
        "unique_count": ("COUNT(DISTINCT vkey)", "BIGINT"),
        "latest": (f"CAST(max_by(vnum, struct_pack(t := last_ts, v := vnum)) AS {d})", d),
    }
    names = {"count": "q_count", "sum": "q_sum", "max": "q_max", "unique_count": "q_unique",
             "latest": "q_latest"}
    return ", ".join(f"{expr if agg in needed else f'CAST(NULL AS {typ})'} AS {names[agg]}"
                     for agg, (expr, typ) in cols.items())


def _per_row(qs: int, needed: frozenset[str] = AGGREGATIONS, width: int = 38) -> str:
    """``_per_agg`` of a group of one row, without the GROUP BY (same values, same types)."""
    d = f"DECIMAL({width}, {qs})"
    cols = {
        "count": ("CAST(events AS BIGINT)", "BIGINT", "q_count"),
        "sum": (f"CAST(qty_sum AS {d})", d, "q_sum"),
        "max": (f"CAST(qty_max AS {d})", d, "q_max"),
        "unique_count": ("CAST(vkey IS NOT NULL AS BIGINT)", "BIGINT", "q_unique"),
        "latest": (f"CAST(vnum AS {d})", d, "q_latest"),
    }
    return ", ".join(f"{expr if agg in needed else f'CAST(NULL AS {typ})'} AS {name}"
                     for agg, (expr, typ, name) in cols.items())


def _tier_sum(q: str, a: str, tiers: str = "ct.tl") -> tuple[str, str]:
    """(graduated, volume) amount of quantity ``q`` over the component's tier list ``ct.tl``.

    One list lambda per line instead of a join against the tier rows and a GROUP BY per line.
    """
    grad = (f"list_sum(list_transform({tiers}, lambda t: "
            f"CAST(GREATEST(LEAST({q}, COALESCE(t.upper_q, {q})) - t.lower_q, 0) * t.unit_price AS {a}) "
            f"+ CAST(CASE WHEN t.idx = 0 OR {q} > t.lower_q THEN t.flat_fee ELSE 0 END AS {a})))")
    vol = (f"list_sum(list_transform({tiers}, lambda t: "
           f"CASE WHEN (t.idx = 0 OR {q} > t.lower_q) AND (t.upper_q IS NULL OR {q} <= t.upper_q) "
           f"THEN CAST({q} * t.unit_price AS {a}) + CAST(t.flat_fee AS {a}) ELSE CAST(0 AS {a}) END))")
    return grad, vol


def exact_sql(x: str, c: str, a: str, tiers: str = "ct.tl") -> str:
    """The exact (unrounded) amount of a line as DECIMAL ``a``: quantity ``{x}.q``, percentage amount
    ``{x}.pct_amount``, component columns from ``{c}`` and its tier list ``ct.tl``."""
    q = f"{x}.q"
    units = f"GREATEST({q} - COALESCE({c}.included, 0), 0)"
    # package: packages = ceil (or floor) of units / size, exact (DuckDB divides decimals in DOUBLE): a
    # float estimate of the count, refined once from the exact remainder (whose quotient is small enough
    # for a double to be off by less than one, up to ~1e30 packages), then corrected by exact decimal
    # comparisons. A single estimate was off by more than one above 2^53 packages.
    size_f = f"CAST({c}.package_size AS DOUBLE)"  # no-float-ok: a count estimate, checked exactly below
    est1 = f"CAST(floor(CAST({units} AS DOUBLE) / {size_f}) AS HUGEINT)"  # no-float-ok
    rest = f"({units} - {est1} * {c}.package_size)"
    est = f"({est1} + CAST(floor(CAST({rest} AS DOUBLE) / {size_f}) AS HUGEINT))"  # no-float-ok
    floor_n = (f"(CASE WHEN ({est} + 1) * {c}.package_size <= {units} THEN {est} + 1 "
               f"WHEN {est} * {c}.package_size > {units} THEN {est} - 1 ELSE {est} END)")
    packages = (f"(CASE WHEN {c}.pkg_down OR {floor_n} * {c}.package_size = {units} THEN {floor_n} "
                f"ELSE {floor_n} + 1 END)")
    grad, vol = _tier_sum(q, a, tiers)
    return (f"CAST(CASE {c}.model "
            f"WHEN 'flat' THEN CAST({c}.flat_amount AS {a}) "
            f"WHEN 'per_unit' THEN CAST({units} * {c}.unit_price AS {a}) "
            f"WHEN 'package' THEN CAST({packages} * {c}.package_price AS {a}) "
            f"WHEN 'percentage' THEN CAST(COALESCE({x}.pct_amount, 0) AS {a}) "
            f"WHEN 'graduated' THEN COALESCE({grad}, CAST(0 AS {a})) "
            f"WHEN 'volume' THEN COALESCE({vol}, CAST(0 AS {a})) "
            f"ELSE CAST(0 AS {a}) END AS {a})")


def rate(con: Any, n_dims: int, qs: int, amount_scale: int, minors: dict[str, int],
         limit_aggregations: frozenset[str] = AGGREGATIONS, single_row_meters: Sequence[str] = (),
         widths: Widths = WIDE, limit_meters: frozenset[tuple[str, str]] | None = None,
         side_ckeys: tuple[str, str] | None = None) -> None:
    """From ``agg``, ``units``, ``unit_sides`` and the price tables, build ``lines`` and ``bills``.

    Every per-line table is keyed by integers (``us_id``: one customer, period and side, odd for the
    baseline, so no table copies a side's name; ``comp_id``: one price component) and kept narrow;
    ``lines_wide`` is a view with the readable columns.
    ``bills`` carries each unit's credit and minimum lines and total for both sides (``_b``, ``_c``),
    keyed by ``unit_no`` (narrow: writing the unit's text columns again cost more than computing the
    bill). ``mtot`` computes only the aggregations a component or one of ``limit_aggregations`` (the
    entitlement limits checked on it) reads.
    ``single_row_meters``: meters whose ``agg`` rows with status ``ok`` are already one per customer
    and period (no dimension, kept value or key: stage 1's GROUP BY made them so); they skip the GROUP BY.
    ``widths``: the DECIMAL width of the per-line quantities and of the money columns (lines, bills);
    18 (64-bit) where the values fit, see ``Widths``. Exact amounts before rounding stay DECIMAL(38).
    ``limit_meters``: the (meter, aggregation) pairs the entitlement limits read; with it, COUNT(DISTINCT)
    and max_by run only over the meters a component or limit reads by ``unique_count`` or ``latest``
    (None: over every meter that is grouped).
    ``side_ckeys``: the (baseline, candidate) prices of every unit side, when they are the same for all
    (no grandfathering, no timeline); None: each unit side's ``ckey`` in ``unit_sides``.
    """
    qw = widths.quantity
    d = f"DECIMAL({qw}, {qs})"
    a = f"DECIMAL(38, {amount_scale})"
    top = money_scale(minors)
    m = f"DECIMAL({widths.money}, {top})"
    used = con.execute("SELECT DISTINCT meter, aggregation, dim_idx FROM comps "
                       "WHERE aggregation IS NOT NULL").fetchall()
    needed = frozenset(r[1] for r in used) | limit_aggregations
    con.execute("CREATE OR REPLACE TEMP TABLE single_row_meters (meter VARCHAR)")
    insert_rows(con, "single_row_meters", ("meter",), [(m,) for m in sorted(single_row_meters)])
    # ev, qs: the events and their quantity (DECIMAL(38)) the unrated report counts from mtot
    # (both kinds of rows meet units in one join: one hash table of 300k text keys, not two)
    grouped = [("meter NOT IN (SELECT meter FROM single_row_meters)", needed)]
    heavy_aggs = frozenset({"unique_count", "latest"})
    if limit_meters is not None and needed & heavy_aggs:
        # COUNT(DISTINCT) and max_by only for the meters read that way (a dimension meter priced by
        # sum would otherwise pay a distinct hash table per group for a column nobody reads)
        con.execute("CREATE OR REPLACE TEMP TABLE heavy_meters (meter VARCHAR)")
        heavy = {r[0] for r in used if r[1] in heavy_aggs}
        heavy |= {mt for mt, ag in limit_meters if ag in heavy_aggs}
        insert_rows(con, "heavy_meters", ("meter",), [(mt,) for mt in sorted(heavy)])
        base = grouped[0][0]
        grouped = [(f"{base} AND meter NOT IN (SELECT meter FROM heavy_meters)", needed - heavy_aggs),
                   (f"{base} AND meter IN (SELECT meter FROM heavy_meters)", needed)]
    grouped_sql = "".join(f"""
            UNION ALL
            SELECT customer_id, period, meter, {_per_agg(qs, need, qw)},
                   CAST(SUM(events) AS BIGINT), CAST(SUM(qty_sum) AS DECIMAL(38, {qs})) FROM agg
            WHERE status = 'ok' AND {where}
            GROUP BY customer_id, period, meter""" for where, need in grouped)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE mtot AS
        SELECT u.unit_no, t.meter, t.q_count, t.q_sum, t.q_max, t.q_unique, t.q_latest, t.ev, t.qs FROM (
            SELECT customer_id, period, meter, {_per_row(qs, needed, qw)}, events AS ev, qty_sum AS qs
            FROM agg WHERE status = 'ok' AND meter IN (SELECT meter FROM single_row_meters){grouped_sql}) AS t
        JOIN units u ON u.customer_id = t.customer_id AND u.period = t.period""")
    # us_owner: each unit side's owners (its plan, then its add-ons in order); uc: the (unit side,
    # component) pairs, a view, since only lines with usage are stored (see below).
    # An owner (catalog, currency, plan or add-on) with components gets an integer ``oid``: every
    # per-unit table then joins and groups on it, not on four text columns. A unit side's owner
    # without components prices nothing and has no row.
    con.execute("""CREATE OR REPLACE TEMP TABLE owners AS
        SELECT CAST(row_number() OVER (ORDER BY ckey, currency, owner_kind, owner) AS INTEGER) AS oid,
               ckey, currency, owner_kind, owner
        FROM (SELECT DISTINCT ckey, currency, owner_kind, owner FROM comps) AS o""")
    con.execute("""CREATE OR REPLACE TEMP TABLE comps AS
        SELECT c.*, w.oid FROM comps c JOIN owners w ON w.ckey = c.ckey AND w.currency = c.currency
         AND w.owner_kind = c.owner_kind AND w.owner = c.owner""")
    con.execute("""CREATE OR REPLACE TEMP TABLE us_owner AS
        SELECT x.us_id, x.unit_no, x.owner_kind, x.owner_ord, w.oid FROM (
            SELECT us_id, unit_no, ckey, currency, 'plan' AS owner_kind, plan AS owner, 0 AS owner_ord
            FROM unit_sides
            UNION ALL
            SELECT us_id, unit_no, ckey, currency, 'add_on', add_on, CAST(min(ord) AS INTEGER)
            FROM (SELECT us_id, unit_no, ckey, currency, unnest(add_ons) AS add_on,
                         generate_subscripts(add_ons, 1) AS ord
                  FROM unit_sides WHERE len(add_ons) > 0) AS y
            GROUP BY us_id, unit_no, ckey, currency, add_on) AS x
        JOIN owners w ON w.ckey = x.ckey AND w.currency = x.currency AND w.owner_kind = x.owner_kind
         AND w.owner = x.owner""")
    con.execute("""CREATE OR REPLACE TEMP VIEW uc AS
        SELECT o.us_id, o.unit_no, c.comp_id, o.owner_ord
        FROM us_owner o JOIN comps c ON c.oid = o.oid""")

    # Quantities of dimension components and amounts of percentage components: few rows, computed
    # apart and joined back by (us_id, comp_id).
    con.execute(f"""CREATE OR REPLACE TEMP TABLE qx (us_id INTEGER, comp_id INTEGER, q {d}, pct_amount {a})""")
    dim_used = [r[0] for r in con.execute(
        "SELECT DISTINCT dim_idx FROM comps WHERE dim_idx IS NOT NULL ORDER BY 1").fetchall()]
    parts = [f"""SELECT u.unit_no, t.meter, {i} AS dim_idx, t.dimval, t.q_count, t.q_sum, t.q_max, t.q_unique,
               t.q_latest
        FROM (SELECT customer_id, period, meter, COALESCE(d_{i}, '') AS dimval,
                     {_per_agg(qs, frozenset(r[1] for r in used if r[2] == i), qw)}
              FROM agg WHERE status = 'ok' AND meter IN (SELECT meter FROM comps WHERE dim_idx = {i})
              GROUP BY customer_id, period, meter, COALESCE(d_{i}, '')) AS t
        JOIN units u ON u.customer_id = t.customer_id AND u.period = t.period"""
             for i in dim_used if i < n_dims]
    if parts:
        # From the usage side: (unit, meter, value) rows meet their unit's owners (mval_o, a
        # materialized CTE, so the join runs in that order), then the few dimension components (not
        # every unit side's components first, then the usage). One statement: writing mval and mval_o
        # as tables cost as much as the rest (20M events: 0.13 -> 0.07 s).
        con.execute(f"""INSERT INTO qx (us_id, comp_id, q)
            WITH mval AS ({" UNION ALL ".join(parts)}),
            mval_o AS MATERIALIZED (
                SELECT o.us_id, o.oid, v.*
                FROM mval v JOIN us_owner o ON o.unit_no = v.unit_no)
            SELECT v.us_id, c.comp_id,
                   CASE WHEN c.aggregation = 'max' THEN MAX({pick_sql('v', qs, qw)})
                        ELSE SUM({pick_sql('v', qs, qw)}) END
            FROM mval_o v JOIN comps c ON c.oid = v.oid AND c.meter = v.meter
             AND c.dim_idx = v.dim_idx
            WHERE c.match IN ('value', 'rest')
              AND ((c.match = 'value' AND v.dimval = c.dim_value)
                OR (c.match = 'rest' AND NOT list_contains(c.listed, v.dimval)))
            GROUP BY v.us_id, c.comp_id, c.aggregation""")
    if con.execute("SELECT count(*) FROM comps WHERE model = 'percentage'").fetchone()[0]:
        # every branch of the CASE in the exact amount type: DuckDB gives a CASE over DECIMAL(38, x)
        # and DECIMAL(38, y) the smaller scale when the larger would not fit, which rounded each
        # transaction's fee to the price's decimals before the sum
        con.execute(f"""INSERT INTO qx (us_id, comp_id, q, pct_amount)
            SELECT us_id, comp_id, SUM(qty_sum),
                   SUM(events * CASE WHEN pmin IS NOT NULL AND v < pmin THEN pmin
                                     WHEN pmax IS NOT NULL AND v > pmax THEN pmax ELSE v END)
            FROM (SELECT uc.us_id, uc.comp_id, CAST(c.pmin AS {a}) AS pmin, CAST(c.pmax AS {a}) AS pmax,
                         a.events, a.qty_sum,
                         CAST(a.vnum * c.rate + COALESCE(c.fixed_fee, 0) AS {a}) AS v
                  FROM uc JOIN comps c ON c.comp_id = uc.comp_id
                  JOIN (SELECT u.unit_no, g.meter, g.events, g.qty_sum, g.vnum FROM agg g
                        JOIN units u ON u.customer_id = g.customer_id AND u.period = g.period
                        WHERE g.status = 'ok' AND g.meter IN (SELECT meter FROM comps WHERE model = 'percentage'))
                    AS a ON a.unit_no = uc.unit_no AND a.meter = c.meter
                  WHERE c.model = 'percentage') AS x
            GROUP BY us_id, comp_id""")
    con.execute("""CREATE OR REPLACE TEMP TABLE comp_tiers AS
        SELECT comp_id, list(struct_pack(idx := idx, lower_q := lower_q, upper_q := upper_q,
                                         unit_price := unit_price, flat_fee := flat_fee) ORDER BY idx) AS tl
        FROM tiers GROUP BY comp_id""")

    top_shortcut = "x.model = 'flat' OR (x.q = 0 AND x.model <> 'percentage')"
    # A line's amount depends only on its component and quantity (percentage: its transactions), so
    # flat lines and lines without usage take their component's amount at quantity 0, computed once;
    # only lines with usage pay for the DECIMAL(38) arithmetic and the rounding.
    con.execute(f"""CREATE OR REPLACE TEMP TABLE comp0 AS
        SELECT comp_id, exact AS exact0, CAST({round_sql('exact', minors, 'currency', 'rounding')} AS {m}) AS amount0
        FROM (SELECT c.comp_id, c.currency, r.rounding, {exact_sql('x', 'c', a)} AS exact
              FROM comps c LEFT JOIN comp_tiers ct ON ct.comp_id = c.comp_id
              LEFT JOIN ckey_rounding r ON r.ckey = c.ckey,
              (SELECT CAST(0 AS {d}) AS q, CAST(NULL AS {a}) AS pct_amount) AS x) AS e""")
    # ``rid``: one id per distinct rating rule (model, amounts, tiers, currency, rounding): a price
    # equal in the baseline and the candidate (or in two plans) has one rid, so it is rated once.
    con.execute("""CREATE OR REPLACE TEMP TABLE cx AS
        SELECT c.comp_id, c.oid, c.ckey, c.owner_kind, c.owner, c.currency, c.match, c.model, c.meter,
               c.aggregation,
               c.flat_amount, c.unit_price, c.included, c.package_size, c.package_price, c.pkg_down,
               z.exact0, z.amount0, r.rounding, ct.tl,
               CAST(dense_rank() OVER (ORDER BY c.currency, r.rounding, c.model, c.flat_amount, c.unit_price,
                    c.included, c.package_size, c.package_price, c.pkg_down, CAST(ct.tl AS VARCHAR))
                    AS INTEGER)
                 AS rid
        FROM comps c JOIN comp0 z ON z.comp_id = c.comp_id
        LEFT JOIN comp_tiers ct ON ct.comp_id = c.comp_id
        LEFT JOIN ckey_rounding r ON r.ckey = c.ckey""")
    # Sparse lines: only (unit side, component) pairs with usage are rated and stored, with ``delta``
    # = amount - amount0. Every other line is its component's amount at quantity 0, so a bill is the
    # sum of amount0 over its components (per owner, precomputed) plus the deltas; exact either way.
    # A line's amount depends only on (rid, quantity, percentage amount): each distinct triple is
    # rated once (``rated``) and joined back; the rating expression, not the joins, is the cost.
    # line_q (every line with usage and its rating key) and rated (each distinct key rated once) are
    # CTEs of the one statement that writes lines: written as tables they cost as much again.
    con.execute(f"""CREATE OR REPLACE TEMP TABLE lines AS
        WITH line_q AS MATERIALIZED (
        SELECT o.us_id, c.comp_id, c.rid, c.model <> 'flat' AS usage, CAST(0 AS {a}) AS pct,
               CAST(COALESCE({pick_sql('t', qs, qw)}, 0) AS {d}) AS q
        FROM mtot t JOIN us_owner o ON o.unit_no = t.unit_no
        JOIN cx c ON c.oid = o.oid AND c.meter = t.meter
        WHERE c.match = 'all' AND c.model NOT IN ('flat', 'percentage')
        UNION ALL
        SELECT qx.us_id, qx.comp_id, c.rid, c.model <> 'flat',
               CAST(COALESCE(qx.pct_amount, 0) AS {a}),
               CAST(COALESCE(qx.q, 0) AS {d})
        FROM qx JOIN cx c ON c.comp_id = qx.comp_id),
        k AS (SELECT DISTINCT rid, q, pct FROM line_q),
        x AS (
            SELECT k.rid, k.q, k.pct AS pct_amount, c.currency, c.rounding, c.model, c.flat_amount,
                   c.unit_price,
                   c.included, c.package_size, c.package_price, c.pkg_down, c.exact0, c.amount0, c.tl
            FROM k JOIN (SELECT * FROM cx
                         QUALIFY row_number() OVER (PARTITION BY rid ORDER BY comp_id) = 1) AS c
              ON c.rid = k.rid),
        ex AS (
            SELECT x.*,
                   CASE WHEN {top_shortcut} THEN x.exact0 ELSE {exact_sql('x', 'x', a, 'x.tl')} END AS exact
            FROM x),
        r AS (
            SELECT rid, q, pct_amount, q <> 0 OR exact <> 0 AS keep, amount0,
                   CASE WHEN {top_shortcut.replace('x.', '')} THEN amount0
                        ELSE CAST({round_sql('exact', minors, 'currency', 'rounding')} AS {m}) END AS amount
            FROM ex),
        rated AS (
            SELECT rid, q, pct_amount AS pct, keep, amount, CAST(amount - amount0 AS {m}) AS delta FROM r)
        SELECT l.us_id, l.comp_id, l.usage, l.q AS quantity, r.keep, r.amount, r.delta
        FROM line_q l JOIN rated r ON r.rid = l.rid AND r.q = l.q AND r.pct = l.pct""")

    credit_r = round_sql("ad.credit", minors, "ad.currency", "r.rounding")
    minimum_r = round_sql("ad.minimum", minors, "ad.currency", "r.rounding")
    # credit and minimum rounded once per (catalog, plan, currency), with that catalog's rounding
    con.execute(f"""CREATE OR REPLACE TEMP TABLE adj_r AS
        SELECT ad.ckey, ad.plan, ad.currency, CAST({credit_r} AS {m}) AS credit_r, CAST({minimum_r} AS {m}) AS minimum_r
        FROM adjustments ad LEFT JOIN ckey_rounding r ON r.ckey = ad.ckey""")
    # per owner: the sum of its components' amounts at quantity 0 (all of them, and the usage ones)
    # (in the money type: the bills' UNION ALL of line deltas and owner bases then stays in it)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE owner_base AS
        SELECT oid, ckey, currency, owner_kind, owner, CAST(SUM(amount0) AS {m}) AS base,
               CAST(SUM(CASE WHEN model <> 'flat' THEN amount0 ELSE 0 END) AS {m}) AS base_usage
        FROM cx GROUP BY oid, ckey, currency, owner_kind, owner""")
    # per plan (catalog, plan, currency): its base and its credit and minimum, one join per bill
    con.execute("""CREATE OR REPLACE TEMP TABLE plan_adj AS
        SELECT ad.ckey, ad.plan, ad.currency, ad.credit_r, ad.minimum_r, b.base, b.base_usage
        FROM adj_r ad LEFT JOIN owner_base b ON b.ckey = ad.ckey AND b.currency = ad.currency
         AND b.owner_kind = 'plan' AND b.owner = ad.plan""")
    # per: the line deltas and the add-ons' bases of a unit, both sides in one row (a unit side's
    # us_id is 2 * unit_no - 1 for the baseline, 2 * unit_no for the candidate), in one GROUP BY:
    # half the groups of one per unit side (20M events: 0.27 -> 0.24 s CPU for the statement).
    # Every sum is cast back to the money type at once: DuckDB's SUM and + widen a DECIMAL(18) to
    # DECIMAL(38) (128-bit), and the CASE arithmetic over 600k bills in 128-bit cost about twice as much.
    # bills has one row per unit with both sides' credit, minimum and total (_b, _c): half the rows
    # of one per unit side, and the report's comparison needs no join of bills with itself.
    if side_ckeys is None:  # grandfathering or a timeline: each unit side's catalog is its own
        unit_ckeys = """(SELECT u.unit_no, u.plan, u.currency, bs.ckey AS ckey_b, cs.ckey AS ckey_c
            FROM units u JOIN unit_sides bs ON bs.us_id = 2 * u.unit_no - 1
            JOIN unit_sides cs ON cs.us_id = 2 * u.unit_no)"""
    else:
        unit_ckeys = (f"(SELECT unit_no, plan, currency, {lit(side_ckeys[0])} AS ckey_b, "
                      f"{lit(side_ckeys[1])} AS ckey_c FROM units)")

    def side_bill(x: str) -> tuple[str, str, str]:
        """Side ``x`` (b or c): the credit applied, then the credit and minimum lines, then the total
        (three select lists, each reading the one before)."""
        applied = (f"CASE WHEN credit_r{x} IS NULL THEN CAST(0 AS {m}) ELSE CAST(LEAST(credit_r{x}, "
                   f"GREATEST(usage_{x}, CAST(0 AS {m}))) AS {m}) END")
        minimum = (f"CASE WHEN minimum_r{x} IS NOT NULL AND subtotal_{x} - applied_{x} < minimum_r{x} "
                   f"THEN CAST(minimum_r{x} - (subtotal_{x} - applied_{x}) AS {m}) END")
        return (f"{applied} AS applied_{x}", f"CASE WHEN applied_{x} > 0 THEN CAST(-applied_{x} AS {m}) END "
                f"AS credit_{x}, {minimum} AS minimum_{x}",
                f"credit_{x}, minimum_{x}, CAST(subtotal_{x} + COALESCE(credit_{x}, 0) + "
                f"COALESCE(minimum_{x}, 0) AS {m}) AS total_{x}")

    def side_sums(x: str, pa: str) -> str:
        """Side ``x``'s credit and minimum (rounded, from its plan) and its subtotal and usage total."""
        return (f"{pa}.credit_r AS credit_r{x}, {pa}.minimum_r AS minimum_r{x}, "
                f"CAST(COALESCE({pa}.base, 0) + COALESCE(per.delta_{x}, 0) AS {m}) AS subtotal_{x}, "
                f"CAST(COALESCE({pa}.base_usage, 0) + COALESCE(per.usage_delta_{x}, 0) AS {m}) AS usage_{x}")

    b, c = side_bill("b"), side_bill("c")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE bills AS
        WITH per AS (
            SELECT CAST((us_id + 1) // 2 AS INTEGER) AS unit_no,
                   CAST(SUM(CASE WHEN us_id % 2 = 1 THEN delta END) AS {m}) AS delta_b,
                   CAST(SUM(CASE WHEN us_id % 2 = 1 THEN usage_delta END) AS {m}) AS usage_delta_b,
                   CAST(SUM(CASE WHEN us_id % 2 = 0 THEN delta END) AS {m}) AS delta_c,
                   CAST(SUM(CASE WHEN us_id % 2 = 0 THEN usage_delta END) AS {m}) AS usage_delta_c
            FROM (
                SELECT us_id, delta, CASE WHEN usage THEN delta ELSE 0 END AS usage_delta FROM lines
                UNION ALL
                SELECT o.us_id, b.base, b.base_usage
                FROM us_owner o JOIN owner_base b ON b.oid = o.oid
                WHERE o.owner_kind = 'add_on') AS y
            GROUP BY 1),
        r AS (
            SELECT u.unit_no, {side_sums('b', 'pb')}, {side_sums('c', 'pc')}
            FROM {unit_ckeys} AS u LEFT JOIN per ON per.unit_no = u.unit_no
            LEFT JOIN plan_adj pb ON pb.ckey = u.ckey_b AND pb.plan = u.plan AND pb.currency = u.currency
            LEFT JOIN plan_adj pc ON pc.ckey = u.ckey_c AND pc.plan = u.plan AND pc.currency = u.currency),
        a AS (SELECT r.*, {b[0]}, {c[0]} FROM r),
        f AS (SELECT a.*, {b[1]}, {c[1]} FROM a)
        SELECT unit_no, {b[2]}, {c[2]} FROM f""")
    # every line, as the reference engine lists them (tests, --keep-lines): stored lines, and the
    # component's amount at quantity 0 for the rest
    con.execute(f"""CREATE OR REPLACE TEMP VIEW lines_wide AS
        SELECT us.side, us.customer_id, us.period, c.currency, us.rounding,
               CAST(uc.owner_ord AS BIGINT) * 1000000 + c.seq AS line_no, c.sku, c.model, 'price' AS kind,
               CASE WHEN c.match = 'value' THEN c.dim_value END AS dim_value,
               CASE WHEN c.owner_kind = 'add_on' THEN c.owner END AS add_on, c.meter,
               COALESCE(l.quantity, CAST(CASE WHEN c.model = 'flat' THEN 1 ELSE 0 END AS {d})) AS quantity,
               COALESCE(l.amount, z.amount0) AS amount
        FROM uc JOIN unit_sides us ON us.us_id = uc.us_id JOIN comps c ON c.comp_id = uc.comp_id
        JOIN comp0 z ON z.comp_id = uc.comp_id
        LEFT JOIN lines l ON l.us_id = uc.us_id AND l.comp_id = uc.comp_id
        WHERE c.match <> 'value' OR (l.us_id IS NULL AND z.exact0 <> 0) OR l.keep
        UNION ALL
        SELECT * FROM (
            SELECT us.side, us.customer_id, us.period, us.currency, us.rounding, CAST(9000000000 AS BIGINT),
                   'credit', 'credit', 'credit', NULL, NULL, NULL, CAST(1 AS {d}),
                   CASE WHEN us.us_id % 2 = 1 THEN b.credit_b ELSE b.credit_c END AS amount
            FROM bills b JOIN unit_sides us ON us.unit_no = b.unit_no) AS cr WHERE amount IS NOT NULL
        UNION ALL
        SELECT * FROM (
            SELECT us.side, us.customer_id, us.period, us.currency, us.rounding, CAST(9000000001 AS BIGINT),
                   'minimum', 'minimum', 'minimum', NULL, NULL, NULL, CAST(1 AS {d}),
                   CASE WHEN us.us_id % 2 = 1 THEN b.minimum_b ELSE b.minimum_c END AS amount
            FROM bills b JOIN unit_sides us ON us.unit_no = b.unit_no) AS mn WHERE amount IS NOT NULL""")


def check_scales(qs: int, t: PriceTables) -> tuple[int, int, int]:
    """(price scale, rate scale, amount scale); raise when a product would not fit DECIMAL(38)."""
    if t.qty_digits > qs:
        raise InputError(f"a catalog quantity (included, package_size or up_to) has {t.qty_digits} decimals, "
                         f"more than the quantity scale {qs}: raise --scale")
    ps, rs = t.money_digits, t.rate_digits
    amount_scale = qs + max(ps, rs)
    if amount_scale > 28:
        raise InputError(f"quantity scale {qs} plus price scale {max(ps, rs)} leaves too few integer digits in "
                         "DECIMAL(38): lower --scale")
    return ps, rs, amount_scale
