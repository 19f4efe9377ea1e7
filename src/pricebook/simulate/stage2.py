"""Stage 2: rate the stage 1 aggregate for every side (baseline, candidate) inside DuckDB.

The SQL follows docs/rating.md step by step (the reference engine ``pricebook.rating`` is the
contract): a component per price (and per listed dimension value, plus the rest), its quantity by the
meter's aggregation, one expression per price model, each line rounded once to the currency's minor
unit with the catalog's rounding, then credit and minimum from the rounded lines. Arithmetic is exact
DECIMAL with explicit casts; DuckDB raises on overflow instead of losing digits.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from pricebook.errors import InputError
from pricebook.simulate.prices import COMPONENT_COLUMNS, TIER_COLUMNS, PriceTables
from pricebook.simulate.sqlutil import lit


def insert_rows(con: Any, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert rows as bound parameters, many per statement."""
    if not rows:
        return
    one = "(" + ", ".join("?" for _ in columns) + ")"
    step = max(1, 2000 // len(columns))
    for i in range(0, len(rows), step):
        chunk = rows[i:i + step]
        params = [v for r in chunk for v in r]
        con.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([one] * len(chunk))}", params)


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


def round_sql(x: str, minors: dict[str, int], cur: str = "currency", mode: str = "rounding") -> str:
    """Round ``x`` to the minor unit of the row's ``currency`` with the row's ``rounding`` mode.

    DuckDB's ROUND on DECIMAL is half away from zero (half_up); ROUND_EVEN returns a DOUBLE, so
    half_even is built exactly: a tie (fraction exactly one half at the minor unit) goes to the even
    neighbour, anything else rounds as usual.
    """
    top = max(minors.values(), default=2)
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


def pick_sql(alias: str, qs: int) -> str:
    """The quantity of a meter by the component's aggregation, from a row of per-aggregation columns."""
    d = f"DECIMAL(38, {qs})"
    return (f"CASE aggregation WHEN 'count' THEN CAST({alias}.q_count AS {d}) WHEN 'sum' THEN {alias}.q_sum "
            f"WHEN 'max' THEN {alias}.q_max WHEN 'unique_count' THEN CAST({alias}.q_unique AS {d}) "
            f"WHEN 'latest' THEN {alias}.q_latest END")


def _per_agg(qs: int) -> str:
    return (f"CAST(SUM(events) AS BIGINT) AS q_count, CAST(SUM(qty_sum) AS DECIMAL(38, {qs})) AS q_sum, "
            f"CAST(MAX(qty_max) AS DECIMAL(38, {qs})) AS q_max, COUNT(DISTINCT vkey) AS q_unique, "
            f"CAST(max_by(vnum, struct_pack(t := last_ts, v := vnum)) AS DECIMAL(38, {qs})) AS q_latest")


def rate(con: Any, n_dims: int, qs: int, amount_scale: int, minors: dict[str, int]) -> None:
    """From ``agg``, ``unit_sides`` and the price tables, build ``lines`` and ``bills``."""
    d = f"DECIMAL(38, {qs})"
    a = f"DECIMAL(38, {amount_scale})"
    con.execute(f"""CREATE OR REPLACE TEMP TABLE mtot AS
        SELECT customer_id, period, meter, {_per_agg(qs)} FROM agg WHERE status = 'ok'
        GROUP BY customer_id, period, meter""")
    dim_used = [r[0] for r in con.execute(
        "SELECT DISTINCT dim_idx FROM comps WHERE dim_idx IS NOT NULL ORDER BY 1").fetchall()]
    parts = [f"""SELECT customer_id, period, meter, {i} AS dim_idx, COALESCE(d_{i}, '') AS dimval, {_per_agg(qs)}
        FROM agg WHERE status = 'ok' AND meter IN (SELECT meter FROM comps WHERE dim_idx = {i})
        GROUP BY customer_id, period, meter, COALESCE(d_{i}, '')""" for i in dim_used if i < n_dims]
    if parts:
        con.execute("CREATE OR REPLACE TEMP TABLE mval AS " + " UNION ALL ".join(parts))
    else:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE mval (customer_id VARCHAR, period DATE, meter VARCHAR,
            dim_idx INTEGER, dimval VARCHAR, q_count BIGINT, q_sum {d}, q_max {d}, q_unique BIGINT, q_latest {d})""")

    con.execute("""CREATE OR REPLACE TEMP TABLE uc AS
        SELECT us.side, us.customer_id, us.period, us.currency, us.rounding,
               CAST(CASE WHEN c.owner_kind = 'plan' THEN 0 ELSE list_position(us.add_ons, c.owner) END AS INTEGER)
                 AS owner_ord,
               c.comp_id, c.meter, c.aggregation, c.model, c.match, c.dim_idx, c.dim_value, c.listed,
               c.rate, c.fixed_fee, c.pmin, c.pmax
        FROM unit_sides us JOIN comps c ON c.ckey = us.ckey AND c.currency = us.currency
         AND ((c.owner_kind = 'plan' AND c.owner = us.plan)
           OR (c.owner_kind = 'add_on' AND list_contains(us.add_ons, c.owner)))""")

    # Each quantity source is its own equi-join (DuckDB hash-joins them); cq puts them together.
    con.execute(f"""CREATE OR REPLACE TEMP TABLE q_all AS
        SELECT uc.side, uc.customer_id, uc.period, uc.comp_id, {pick_sql('t', qs)} AS q
        FROM (SELECT * FROM uc WHERE match = 'all' AND model NOT IN ('flat', 'percentage')) AS uc
        JOIN mtot t ON t.customer_id = uc.customer_id AND t.period = uc.period AND t.meter = uc.meter""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE q_dim AS
        SELECT uc.side, uc.customer_id, uc.period, uc.comp_id,
               CASE WHEN uc.aggregation = 'max' THEN MAX({pick_sql('v', qs)}) ELSE SUM({pick_sql('v', qs)}) END AS q
        FROM (SELECT * FROM uc WHERE match IN ('value', 'rest')) AS uc
        JOIN mval v ON v.customer_id = uc.customer_id AND v.period = uc.period
          AND v.meter = uc.meter AND v.dim_idx = uc.dim_idx
        WHERE (uc.match = 'value' AND v.dimval = uc.dim_value)
           OR (uc.match = 'rest' AND NOT list_contains(uc.listed, v.dimval))
        GROUP BY uc.side, uc.customer_id, uc.period, uc.comp_id, uc.aggregation""")
    con.execute("""CREATE OR REPLACE TEMP TABLE q_pct AS
        SELECT side, customer_id, period, comp_id,
               SUM(events * CASE WHEN pmin IS NOT NULL AND v < pmin THEN pmin
                                 WHEN pmax IS NOT NULL AND v > pmax THEN pmax ELSE v END) AS amount,
               SUM(qty_sum) AS tsum
        FROM (SELECT uc.side, uc.customer_id, uc.period, uc.comp_id, uc.pmin, uc.pmax, a.events, a.qty_sum,
                     a.vnum * uc.rate + COALESCE(uc.fixed_fee, 0) AS v
              FROM (SELECT * FROM uc WHERE model = 'percentage') AS uc
              JOIN (SELECT * FROM agg WHERE status = 'ok') AS a ON a.customer_id = uc.customer_id
               AND a.period = uc.period AND a.meter = uc.meter) AS x
        GROUP BY side, customer_id, period, comp_id""")
    # package: packages = ceil (or floor) of units / size, exact: a float estimate corrected by exact
    # decimal comparisons (the estimate is off by at most one below 2^52 packages).
    units = "GREATEST(x.q - COALESCE(c.included, 0), 0)"
    est = (f"CAST(floor(CAST({units} AS DOUBLE) / CAST(c.package_size AS DOUBLE)) AS HUGEINT)")  # no-float-ok
    floor_n = (f"(CASE WHEN ({est} + 1) * c.package_size <= {units} THEN {est} + 1 "
               f"WHEN {est} * c.package_size > {units} THEN {est} - 1 ELSE {est} END)")
    packages = (f"(CASE WHEN c.pkg_down OR {floor_n} * c.package_size = {units} THEN {floor_n} "
                f"ELSE {floor_n} + 1 END)")
    top = max(minors.values(), default=2)
    m = f"DECIMAL(38, {top})"
    con.execute(f"""CREATE OR REPLACE TEMP TABLE lines AS
        WITH qs AS (
            SELECT side, customer_id, period, comp_id, q, CAST(NULL AS {a}) AS pct_amount FROM q_all
            UNION ALL SELECT side, customer_id, period, comp_id, q, NULL FROM q_dim
            UNION ALL SELECT side, customer_id, period, comp_id, tsum, amount FROM q_pct),
        x AS (
            SELECT uc.side, uc.customer_id, uc.period, uc.currency, uc.rounding, uc.owner_ord, uc.comp_id,
                   CAST(CASE WHEN uc.model = 'flat' THEN 1 ELSE COALESCE(qs.q, 0) END AS {d}) AS q, qs.pct_amount
            FROM uc LEFT JOIN qs ON qs.side = uc.side AND qs.customer_id = uc.customer_id
                 AND qs.period = uc.period AND qs.comp_id = uc.comp_id),
        tiered AS (
            SELECT x.side, x.customer_id, x.period, x.comp_id,
                   SUM(CASE WHEN c.model = 'graduated' THEN
                         CAST(GREATEST(LEAST(x.q, COALESCE(t.upper_q, x.q)) - t.lower_q, 0) * t.unit_price AS {a})
                         + CAST(CASE WHEN t.idx = 0 OR x.q > t.lower_q THEN t.flat_fee ELSE 0 END AS {a})
                       ELSE CASE WHEN (t.idx = 0 OR x.q > t.lower_q) AND (t.upper_q IS NULL OR x.q <= t.upper_q)
                         THEN CAST(x.q * t.unit_price AS {a}) + CAST(t.flat_fee AS {a}) ELSE CAST(0 AS {a}) END
                       END) AS amount
            FROM x JOIN comps c ON c.comp_id = x.comp_id JOIN tiers t ON t.comp_id = x.comp_id
            WHERE c.model IN ('graduated', 'volume')
            GROUP BY x.side, x.customer_id, x.period, x.comp_id),
        ex AS (
            SELECT x.side, x.customer_id, x.period, x.currency, x.rounding,
                   CAST(x.owner_ord AS BIGINT) * 1000000 + c.seq AS line_no, c.sku, c.model, c.match, c.dim_value,
                   CASE WHEN c.owner_kind = 'add_on' THEN c.owner END AS add_on, c.meter, x.q,
                   CAST(CASE c.model
                     WHEN 'flat' THEN CAST(c.flat_amount AS {a})
                     WHEN 'per_unit' THEN CAST({units} * c.unit_price AS {a})
                     WHEN 'package' THEN CAST({packages} * c.package_price AS {a})
                     WHEN 'percentage' THEN CAST(COALESCE(x.pct_amount, 0) AS {a})
                     ELSE COALESCE(ti.amount, CAST(0 AS {a})) END AS {a}) AS exact
            FROM x JOIN comps c ON c.comp_id = x.comp_id
            LEFT JOIN tiered ti ON ti.side = x.side AND ti.customer_id = x.customer_id
                 AND ti.period = x.period AND ti.comp_id = x.comp_id)
        SELECT side, customer_id, period, currency, rounding, line_no, sku, model, 'price' AS kind,
               CASE WHEN match = 'value' THEN dim_value END AS dim_value, add_on, meter, q AS quantity, exact,
               CAST({round_sql('exact', minors, 'currency', 'rounding')} AS {m}) AS amount
        FROM ex
        WHERE match <> 'value' OR q <> 0 OR exact <> 0""")

    credit_r = round_sql("ad.credit", minors, "s.currency", "s.rounding")
    minimum_r = round_sql("ad.minimum", minors, "s.currency", "s.rounding")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE adj AS
        WITH per AS (
            SELECT side, customer_id, period, SUM(amount) AS subtotal,
                   SUM(CASE WHEN model <> 'flat' THEN amount ELSE 0 END) AS usage_total
            FROM lines GROUP BY side, customer_id, period),
        sums AS (
            SELECT us.side, us.customer_id, us.period, us.plan, us.currency, us.ckey, us.rounding,
                   COALESCE(per.subtotal, 0) AS subtotal, COALESCE(per.usage_total, 0) AS usage_total
            FROM unit_sides us LEFT JOIN per ON per.side = us.side AND per.customer_id = us.customer_id
                 AND per.period = us.period),
        r AS (
            SELECT s.*, CAST({credit_r} AS {m}) AS credit_r,
                   CAST({minimum_r} AS {m}) AS minimum_r
            FROM sums s LEFT JOIN adjustments ad ON ad.ckey = s.ckey AND ad.plan = s.plan AND ad.currency = s.currency),
        c AS (
            SELECT r.*, CASE WHEN credit_r IS NULL THEN CAST(0 AS {m})
                             ELSE LEAST(credit_r, GREATEST(usage_total, 0)) END AS applied FROM r)
        SELECT side, customer_id, period, currency, rounding, CAST(9000000000 AS BIGINT) AS line_no,
               'credit' AS sku, 'credit' AS model, 'credit' AS kind, CAST(NULL AS VARCHAR) AS dim_value,
               CAST(NULL AS VARCHAR) AS add_on, CAST(NULL AS VARCHAR) AS meter, CAST(1 AS {d}) AS quantity,
               CAST(-applied AS {a}) AS exact, CAST(-applied AS {m}) AS amount
        FROM c WHERE applied > 0
        UNION ALL
        SELECT side, customer_id, period, currency, rounding, CAST(9000000001 AS BIGINT),
               'minimum', 'minimum', 'minimum', NULL, NULL, NULL, CAST(1 AS {d}),
               CAST(minimum_r - (subtotal - applied) AS {a}), CAST(minimum_r - (subtotal - applied) AS {m})
        FROM c WHERE minimum_r IS NOT NULL AND subtotal - applied < minimum_r""")
    con.execute("INSERT INTO lines SELECT * FROM adj")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE bills AS
        SELECT us.side, us.customer_id, us.period, us.plan, us.currency, us.ckey,
               CAST(COALESCE(per.total, 0) AS {m}) AS total
        FROM unit_sides us LEFT JOIN (SELECT side, customer_id, period, SUM(amount) AS total FROM lines
                                      GROUP BY side, customer_id, period) AS per
          ON per.side = us.side AND per.customer_id = us.customer_id AND per.period = us.period""")


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
