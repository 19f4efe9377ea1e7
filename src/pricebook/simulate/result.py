"""The simulation's result: plain data (Decimals, dates, strings), rendered by ``report.simulate_*``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pricebook.simulate.sqlutil import lit

ZERO = Decimal(0)
HISTOGRAM_EDGES = (-50, -20, -10, -5, -1, 0, 1, 5, 10, 20, 50)
NO_BASELINE = "no baseline bill"  # the histogram's last bucket, when a customer's baseline is 0


def pct(delta: Decimal, base: Decimal) -> Decimal | None:
    """Percentage change, two decimals, with the sign of the change (a credit of -2 that becomes -3 is
    -50%, not +50%); None when the baseline is zero."""
    if base == 0:
        return None
    out = (delta * 100 / abs(base)).quantize(Decimal("0.01"))
    return out if out else abs(out)  # never -0.00


@dataclass(frozen=True)
class Money3:
    """Baseline, candidate and their difference in one currency."""

    currency: str
    baseline: Decimal
    candidate: Decimal

    @property
    def delta(self) -> Decimal:
        return self.candidate - self.baseline

    @property
    def delta_pct(self) -> Decimal | None:
        return pct(self.delta, self.baseline)


@dataclass(frozen=True)
class Group:
    key: Mapping[str, str]  # e.g. {"plan": "pro"} or {"sku": "tokens"} or {"period": "2026-01"}
    amounts: Money3
    customers: int | None = None


@dataclass(frozen=True)
class Mover:
    customer_id: str
    plan: str
    amounts: Money3


@dataclass(frozen=True)
class Breach:
    customer_id: str
    period: str
    plan: str
    feature: str
    meter: str
    limit: Decimal
    usage: Decimal
    new: bool = True  # the baseline does not break this feature's limit for this customer and period


@dataclass
class SimulationResult:
    """What ``run_simulation`` found. ``unrated`` maps a reason to ``{"events", "quantity", "by_meter"}``."""

    baseline: str
    candidate: str
    totals: list[Money3] = field(default_factory=list)
    customers: dict[str, int] = field(default_factory=dict)
    unrated: dict[str, Any] = field(default_factory=dict)
    by_plan: list[Group] = field(default_factory=list)
    by_sku: list[Group] = field(default_factory=list)
    by_period: list[Group] = field(default_factory=list)
    movers_up: list[Mover] = field(default_factory=list)
    movers_down: list[Mover] = field(default_factory=list)
    histogram: list[tuple[str, int]] = field(default_factory=list)
    breaches: list[Breach] = field(default_factory=list)
    events: dict[str, int] = field(default_factory=dict)
    periods: list[str] = field(default_factory=list)
    dedup: bool = False
    lines: list[tuple[Any, ...]] = field(default_factory=list)  # only with keep_lines


def histogram(pairs: list[tuple[Decimal, Decimal]]) -> list[tuple[str, int]]:
    """Counts of per-customer % changes (``pct(delta, base)`` of each pair) in fixed buckets; exactly 0
    has its own bucket (also a bill of 0 that stays 0); a customer whose baseline is 0 and whose
    candidate is not has no percentage and is counted last, under ``NO_BASELINE``, when there is one."""
    e = HISTOGRAM_EDGES
    labels = [f"< {e[0]}%"] + [f"{lo}% .. {hi}%" for lo, hi in zip(e, e[1:], strict=False)] + [f">= {e[-1]}%"]
    labels.insert(labels.index("0% .. 1%"), "0%")
    counts = dict.fromkeys(labels, 0)
    for delta, base in pairs:
        c = pct(delta, base) if base != 0 else (Decimal(0) if delta == 0 else None)
        if c is None:
            counts[NO_BASELINE] = counts.get(NO_BASELINE, 0) + 1
            continue
        if c == 0:
            counts["0%"] += 1
            continue
        i = sum(1 for edge in e if c >= edge)
        if i == 0:
            counts[labels[0]] += 1
        elif i == len(e):
            counts[labels[-1]] += 1
        else:
            counts[f"{e[i - 1]}% .. {e[i]}%"] += 1
    return list(counts.items())


def histogram_sql(con: Any, table: str, delta: str, base: str) -> list[tuple[str, int]]:
    """``histogram`` of ``pct(delta, base)`` over the rows of ``table``, counted inside DuckDB.

    Exact without a division: the percentage rounded half-even to 0.01 is at least an integer edge E
    exactly when delta * 100 / |base| >= E - 0.005 (a tie rounds to E.00, the even neighbour), that is
    20000 * delta >= (200 E - 1) * |base|; it rounds to 0 exactly when 20000 * |delta| <= |base|.
    A bill of 0 that stays 0 is 0%; a customer whose baseline is 0 and whose candidate is not has no
    percentage: a last bucket counts them, when there are any.
    """
    e = HISTOGRAM_EDGES
    labels = [f"< {e[0]}%"] + [f"{lo}% .. {hi}%" for lo, hi in zip(e, e[1:], strict=False)] + [f">= {e[-1]}%"]
    labels.insert(labels.index("0% .. 1%"), "0%")
    counts = dict.fromkeys(labels, 0)
    ge = " + ".join(f"CASE WHEN 20000 * {delta} >= {200 * edge - 1} * abs({base}) THEN 1 ELSE 0 END"
                    for edge in e)
    for i, n in con.execute(f"""SELECT CASE WHEN {base} = 0 AND {delta} <> 0 THEN -2
            WHEN 20000 * abs({delta}) <= abs({base}) THEN -1 ELSE {ge} END AS i, count(*) FROM {table}
            GROUP BY i""").fetchall():
        if i == -2:
            counts[NO_BASELINE] = n
        elif i == -1:
            counts["0%"] += n
        elif i == 0:
            counts[labels[0]] += n
        elif i == len(e):
            counts[labels[-1]] += n
        else:
            counts[f"{e[i - 1]}% .. {e[i]}%"] += n
    return list(counts.items())


def collect(con: Any, baseline: Any, candidate: Any, minors: Mapping[str, int], dedup: bool,
            scale: int = 12) -> SimulationResult:
    """Read the stage 2 tables into a SimulationResult (and create the ``comparison`` view).

    ``cmp`` is narrow (unit, baseline total, candidate total: a view over ``bills``); the report's
    queries meet ``units`` for the text columns, and ``comparison`` (the rows ``--out`` writes) is a
    view. A unit side's us_id is 2 * unit_no - 1 for the baseline, 2 * unit_no for the candidate.
    """
    from pricebook.simulate.stage2 import money_scale

    con.execute("""CREATE OR REPLACE TEMP VIEW cmp AS
        SELECT unit_no, total_b AS baseline, total_c AS candidate FROM bills""")
    # delta in 128-bit: the view is read after stage 2 (--out), where a 64-bit overflow would no longer
    # be answered by rating wide, and two totals that fit 64-bit may differ by more than fits
    top = money_scale(minors)
    con.execute(f"""CREATE OR REPLACE TEMP VIEW comparison AS
        SELECT u.customer_id, strftime(u.period, '%Y-%m') AS period, u.plan, u.currency,
               bs.ckey AS baseline_prices, cs.ckey AS candidate_prices,
               x.baseline, x.candidate, CAST(x.candidate AS DECIMAL(38, {top})) - x.baseline AS delta
        FROM cmp x JOIN units u ON u.unit_no = x.unit_no
        JOIN unit_sides bs ON bs.us_id = 2 * x.unit_no - 1 JOIN unit_sides cs ON cs.us_id = 2 * x.unit_no""")
    res = SimulationResult(baseline.label, candidate.label, dedup=dedup)
    # Customers counted without count(DISTINCT customer_id) (a distinct hash table per grouping set
    # cost more than the rest of the report): cust_plan has one row per customer, currency and plan,
    # per_customer one per customer and currency, and a unit is one customer in one period.
    con.execute("""CREATE OR REPLACE TEMP TABLE cust_plan AS
        SELECT u.customer_id, u.currency, u.plan, max(u.period) AS last, sum(x.baseline) AS b,
               sum(x.candidate) AS c
        FROM cmp x JOIN units u ON u.unit_no = x.unit_no GROUP BY u.customer_id, u.currency, u.plan""")
    # Per customer (and currency) in SQL: only the counts, the movers and the histogram reach Python.
    con.execute("""CREATE OR REPLACE TEMP TABLE per_customer AS
        SELECT customer_id, arg_max(plan, last) AS plan, currency, sum(b) AS b, sum(c) AS c,
               sum(c) - sum(b) AS d
        FROM cust_plan GROUP BY customer_id, currency""")
    for cur, _, b, c in con.execute("""SELECT currency, count(*), sum(b), sum(c) FROM per_customer
            GROUP BY currency ORDER BY currency""").fetchall():
        res.totals.append(Money3(cur, b, c))
    for plan, cur, n, b, c in con.execute("""SELECT plan, currency, count(*), sum(b), sum(c) FROM cust_plan
            GROUP BY plan, currency ORDER BY plan, currency""").fetchall():
        res.by_plan.append(Group({"plan": plan}, Money3(cur, b, c), n))
    for period, cur, n, b, c in con.execute("""SELECT strftime(u.period, '%Y-%m'), u.currency, count(*),
            sum(x.baseline), sum(x.candidate) FROM cmp x JOIN units u ON u.unit_no = x.unit_no
            GROUP BY u.period, u.currency ORDER BY u.period, u.currency""").fetchall():
        res.by_period.append(Group({"period": period}, Money3(cur, b, c), n))
    # per customer, over its currencies (a customer billed in two has a row in each): more when it pays
    # more in one and less in none, and so on; "mixed" (more in one currency, less in another) only
    # when there is such a customer, so the counts always add up to the total
    total, up, down, same, mixed = con.execute("""SELECT count(*), count(*) FILTER (WHERE hi > 0 AND lo >= 0),
        count(*) FILTER (WHERE lo < 0 AND hi <= 0), count(*) FILTER (WHERE hi = 0 AND lo = 0),
        count(*) FILTER (WHERE hi > 0 AND lo < 0)
        FROM (SELECT max(sign(d)) AS hi, min(sign(d)) AS lo FROM per_customer """
        "GROUP BY customer_id) AS x").fetchone()
    res.customers = {"total": int(total), "increased": int(up), "decreased": int(down), "unchanged": int(same)}
    if mixed:
        res.customers["mixed"] = int(mixed)
    # the 10 largest per currency: amounts in yen and in dinars do not rank against each other
    res.movers_up = [Mover(cid, plan, Money3(cur, b, c)) for cid, plan, cur, b, c in con.execute(
        "SELECT customer_id, plan, currency, b, c FROM per_customer WHERE d > 0 "
        "QUALIFY row_number() OVER (PARTITION BY currency ORDER BY d DESC, customer_id) <= 10 "
        "ORDER BY currency, d DESC, customer_id").fetchall()]
    res.movers_down = [Mover(cid, plan, Money3(cur, b, c)) for cid, plan, cur, b, c in con.execute(
        "SELECT customer_id, plan, currency, b, c FROM per_customer WHERE d < 0 "
        "QUALIFY row_number() OVER (PARTITION BY currency ORDER BY d, customer_id) <= 10 "
        "ORDER BY currency, d, customer_id").fetchall()]
    res.histogram = histogram_sql(con, "per_customer", "d", "b")
    res.periods = sorted({g.key["period"] for g in res.by_period})
    # a bill's currency is its unit's; with one currency in every period (the usual case) it is that
    # one, and the 300k bills do not meet units (0.07 s CPU at 100k customers x 3 months)
    bill_currency = ("CROSS JOIN (SELECT currency FROM units LIMIT 1) AS u"
                     if len({g.amounts.currency for g in res.by_period}) == 1
                     else "JOIN units u ON u.unit_no = bl.unit_no")
    for sku, cur, b, c in con.execute(f"""
            WITH cnt AS (
                SELECT us_id % 2 = 1 AS is_base, oid, count(*) AS n FROM us_owner GROUP BY ALL),
            base AS (
                SELECT c.comp_id, sum(CASE WHEN k.is_base THEN k.n * c.amount0 ELSE 0 END) AS b,
                       sum(CASE WHEN NOT k.is_base THEN k.n * c.amount0 ELSE 0 END) AS c
                FROM cnt k JOIN cx c ON c.oid = k.oid
                GROUP BY c.comp_id),
            dl AS (
                SELECT comp_id, sum(CASE WHEN us_id % 2 = 1 THEN delta ELSE 0 END) AS b,
                       sum(CASE WHEN us_id % 2 = 0 THEN delta ELSE 0 END) AS c
                FROM lines GROUP BY comp_id),
            per_comp AS (
                SELECT base.comp_id, base.b + COALESCE(dl.b, 0) AS b, base.c + COALESCE(dl.c, 0) AS c
                FROM base LEFT JOIN dl ON dl.comp_id = base.comp_id),
            adj0 AS (
                SELECT u.currency, sum(bl.credit_b) AS cb, sum(bl.credit_c) AS cc,
                       sum(bl.minimum_b) AS mb, sum(bl.minimum_c) AS mc,
                       count(bl.credit_b) + count(bl.credit_c) AS n_credit,
                       count(bl.minimum_b) + count(bl.minimum_c) AS n_minimum
                FROM bills bl {bill_currency}
                WHERE bl.credit_b IS NOT NULL OR bl.credit_c IS NOT NULL OR bl.minimum_b IS NOT NULL
                   OR bl.minimum_c IS NOT NULL GROUP BY u.currency),
            adj AS (
                SELECT 'credit' AS sku, currency, COALESCE(cb, 0) AS b, COALESCE(cc, 0) AS c FROM adj0
                WHERE n_credit > 0
                UNION ALL
                SELECT 'minimum', currency, COALESCE(mb, 0), COALESCE(mc, 0) FROM adj0 WHERE n_minimum > 0)
            SELECT sku, currency, sum(b), sum(c) FROM (
                SELECT c.sku, c.currency, p.b, p.c FROM per_comp p JOIN comps c ON c.comp_id = p.comp_id
                UNION ALL SELECT sku, currency, b, c FROM adj) AS x
            GROUP BY sku, currency ORDER BY sku, currency""").fetchall():
        res.by_sku.append(Group({"sku": sku}, Money3(cur, b, c)))
    res.unrated, res.events = _unrated(con)
    res.breaches = _breaches(con, baseline, candidate, scale)
    return res


def _unrated(con: Any) -> tuple[dict[str, Any], dict[str, int]]:
    """Every event that no bill rated, by reason, with counts and quantities per meter; and the
    events read, valid and rated, counted from the same pass over the aggregate."""
    # Rated or unpriced, per (unit, meter) of mtot: the unit's owners meet the few (owner, meter)
    # pairs that price something. mtot holds every ok event of a row with a unit (ev, qs).
    # Without add-ons a unit side has at most one owner (its plan's, us_id 2u - 1 and 2u): mtot is
    # grouped by the pair of owners, a few groups, instead of once per unit and meter (0.14 -> 0.10 s
    # CPU at 100k customers x 3 months).
    plan_only = not con.execute("SELECT count(*) FROM (SELECT 1 FROM us_owner "
                                "WHERE owner_kind = 'add_on' LIMIT 1) AS x").fetchone()[0]
    per_unit = con.execute("""WITH om AS (SELECT DISTINCT oid, meter FROM comps WHERE meter IS NOT NULL),
        p AS (
            SELECT t.meter, ob.oid AS boid, oc.oid AS coid, sum(t.ev) AS ev, sum(t.qs) AS qs
            FROM mtot t LEFT JOIN us_owner ob ON ob.us_id = 2 * t.unit_no - 1
            LEFT JOIN us_owner oc ON oc.us_id = 2 * t.unit_no
            GROUP BY t.meter, ob.oid, oc.oid)
        SELECT CASE WHEN cm.oid IS NULL THEN 'unpriced_meter'
                    WHEN bm.oid IS NULL THEN 'unpriced_meter_baseline' END AS reason,
               p.meter, true, sum(p.ev), sum(p.qs)
        FROM p LEFT JOIN om cm ON cm.oid = p.coid AND cm.meter = p.meter
        LEFT JOIN om bm ON bm.oid = p.boid AND bm.meter = p.meter
        GROUP BY reason, p.meter""").fetchall() if plan_only else con.execute(
        """WITH om AS (SELECT DISTINCT oid, meter FROM comps WHERE meter IS NOT NULL),
        p AS (
            SELECT t.meter, any_value(t.ev) AS ev, any_value(t.qs) AS qs,
                   COALESCE(bool_or(om.oid IS NOT NULL AND o.us_id % 2 = 0), false) AS cand,
                   COALESCE(bool_or(om.oid IS NOT NULL AND o.us_id % 2 = 1), false) AS base
            FROM mtot t LEFT JOIN us_owner o ON o.unit_no = t.unit_no
            LEFT JOIN om ON om.oid = o.oid AND om.meter = t.meter
            GROUP BY t.unit_no, t.meter)
        SELECT CASE WHEN NOT cand THEN 'unpriced_meter' WHEN NOT base THEN 'unpriced_meter_baseline' END
               AS reason,
               meter, true, sum(ev), sum(qs)
        FROM p GROUP BY reason, meter""").fetchall()
    by_status = con.execute("""SELECT status, meter, status = 'ok', sum(events), sum(qty_sum) FROM agg
        GROUP BY status, meter""").fetchall()
    ok_in_units: dict[Any, int] = {}
    for _, meter, _, n, _ in per_unit:
        ok_in_units[meter] = ok_in_units.get(meter, 0) + int(n)
    if all(int(n) == ok_in_units.get(meter, 0) for status, meter, _, n, _ in by_status if status == "ok") \
            and sum(ok_in_units.values()) == sum(int(r[3]) for r in by_status if r[0] == "ok"):
        # every ok event has a unit (the usual case): no row needs the reasons below
        grouped = [r for r in by_status if r[0] != "ok"] + per_unit
        grouped.sort(key=lambda r: (r[0] is not None, r[0] or "", r[1] is not None, r[1] or ""))
    else:
        grouped = _unrated_rows(con)
    # Rated by the candidate: every event of a unit whose candidate prices price its meter (a meter
    # priced by dimension always has its "rest" line, so a priced meter always has a line).
    events = {"read": sum(int(r[3]) for r in grouped),
              "valid": sum(int(r[3]) for r in grouped if r[2]),
              "rated": sum(int(r[3]) for r in grouped if r[0] is None or r[0] == "unpriced_meter_baseline")}
    out: dict[str, Any] = {}
    for reason, meter, _, events_n, qty in grouped:
        if reason is None:
            continue
        events_i = int(events_n)
        entry = out.setdefault(reason, {"events": 0, "quantity": ZERO, "by_meter": {}})
        entry["events"] += events_i
        entry["quantity"] += qty or ZERO
        entry["by_meter"][meter if meter is not None else ""] = {"events": events_i, "quantity": qty or ZERO}
    no_release = con.execute("SELECT side, count(*) FROM unit_sides WHERE ckey IS NULL GROUP BY side").fetchall()
    for side, n in no_release:
        out[f"no_release_{side}"] = {"events": 0, "quantity": ZERO, "by_meter": {}, "customer_periods": int(n)}
    out.update(_skipped_plans(con))
    out.update(_skipped_add_ons(con))
    overlaps = _overlaps(con)
    if overlaps:
        out["overlapping_subscriptions"] = overlaps
    return out, events


def _unrated_rows(con: Any) -> list[tuple[Any, ...]]:
    """(reason, meter, all rows ok, events, quantity) of every aggregate row (a NULL reason: rated),
    when some ok rows have no unit (outside the periods, no subscription): one pass over ``agg``."""
    # The (unit, meter) pairs with usage are in mtot; each meets its unit's owners first, then the few
    # (catalog, owner, meter) triples (a table, so the join runs in that order).
    con.execute("""CREATE OR REPLACE TEMP TABLE mtot_o AS
        SELECT t.unit_no, t.meter, o.us_id % 2 = 1 AS is_base, o.oid
        FROM mtot t JOIN us_owner o ON o.unit_no = t.unit_no""")
    rows: list[tuple[Any, ...]] = con.execute("""WITH om AS (SELECT DISTINCT oid, meter FROM comps
        WHERE meter IS NOT NULL),
        au AS (SELECT a.status, a.customer_id, a.period, a.meter, a.events, a.qty_sum, u.unit_no
               FROM agg a LEFT JOIN units u ON u.customer_id = a.customer_id AND u.period = a.period),
        priced AS (
            SELECT m.unit_no, m.meter, bool_or(NOT m.is_base) AS cand, bool_or(m.is_base) AS base
            FROM mtot_o m
            JOIN om ON om.oid = m.oid AND om.meter = m.meter
            GROUP BY m.unit_no, m.meter)
        SELECT reason, meter, bool_and(ok), sum(events), sum(qty_sum) FROM (
        SELECT CASE
                 WHEN a.status <> 'ok' THEN a.status
                 WHEN NOT EXISTS (SELECT 1 FROM periods p WHERE p.period = a.period) THEN 'outside_periods'
                 WHEN NOT EXISTS (SELECT 1 FROM all_subs s WHERE s.customer_id = a.customer_id)
                 THEN 'unknown_customer'
                 WHEN a.unit_no IS NULL THEN 'no_active_subscription'
                 WHEN NOT COALESCE(p.cand, false) THEN 'unpriced_meter'
                 WHEN NOT COALESCE(p.base, false) THEN 'unpriced_meter_baseline'
               END AS reason, a.meter, a.status = 'ok' AS ok, a.events, a.qty_sum
        FROM au a LEFT JOIN priced p ON p.unit_no = a.unit_no AND p.meter = a.meter) AS r
        GROUP BY reason, meter ORDER BY reason NULLS FIRST, meter NULLS FIRST""").fetchall()
    return rows


def _skipped_add_ons(con: Any) -> dict[str, Any]:
    """``add_on_not_billed_<side>``: subscribed add-ons that side's catalog does not sell to the unit
    (see ``engine._drop_unsold_add_ons``), counted in customer-periods per add-on and per customer."""
    return _skipped(con, "addon_skipped", "add_on", "add_on_not_billed", "by_add_on")


def _skipped_plans(con: Any) -> dict[str, Any]:
    """``plan_not_billed_<side>``: unit sides whose catalog has no such plan or does not sell it in the
    unit's currency (see ``engine._unsold_plans``), per plan (with the currencies) and per customer."""
    out = _skipped(con, "plan_skipped", "plan", "plan_not_billed", "by_plan")
    for side, plan, cur, n in con.execute("""SELECT side, plan, COALESCE(currency, ''), count(*)
            FROM plan_skipped GROUP BY ALL ORDER BY ALL""").fetchall():
        out[f"plan_not_billed_{side}"]["by_plan"][plan].setdefault("currencies", {})[cur] = int(n)
    return out


def _skipped(con: Any, table: str, item: str, prefix: str, by: str) -> dict[str, Any]:
    """``<prefix>_<side>`` entries from ``table`` (a row per unit side and ``item`` not billed, with
    ``why``): customer-periods and customers per side, per ``item`` (``by``) and per customer."""
    out: dict[str, dict[str, Any]] = {}

    def entry(side: str) -> dict[str, Any]:
        return out.setdefault(f"{prefix}_{side}", {
            "events": 0, "quantity": ZERO, "by_meter": {}, "customer_periods": 0, "customers": 0,
            by: {}, "by_customer": {}})

    for side, n, customers in con.execute(f"""SELECT side, count(DISTINCT (customer_id, period)),
            count(DISTINCT customer_id) FROM {table} GROUP BY side ORDER BY side""").fetchall():
        e = entry(side)
        e["customer_periods"], e["customers"] = int(n), int(customers)
    for side, x, n, customers in con.execute(f"""SELECT side, {item}, count(*),
            count(DISTINCT customer_id) FROM {table} GROUP BY ALL ORDER BY side, {item}""").fetchall():
        entry(side)[by][x] = {"customer_periods": int(n), "customers": int(customers), "why": {}}
    for side, x, why, n in con.execute(f"""SELECT side, {item}, why, count(*) FROM {table}
            GROUP BY ALL ORDER BY side, {item}, why""").fetchall():
        entry(side)[by][x]["why"][why] = int(n)
    for side, cid, x, why, n in con.execute(f"""SELECT side, customer_id, {item}, min(why), count(*)
            FROM {table} GROUP BY ALL ORDER BY side, customer_id, {item}""").fetchall():
        c = entry(side)["by_customer"].setdefault(cid, {})
        c[x] = {"why": why, "customer_periods": int(n)}
    return out


def _overlaps(con: Any) -> dict[str, Any] | None:
    """``overlapping_subscriptions``: customers with subscription rows whose intervals overlap (the
    latest started is billed); pairs of rows per customer, with their row numbers."""
    rows = con.execute("SELECT customer_id, line_a, line_b FROM sub_overlaps ORDER BY 1, 2, 3").fetchall()
    if not rows:
        return None
    by_customer: dict[str, Any] = {}
    for cid, a, b in rows:
        by_customer.setdefault(cid, {"overlaps": 0, "rows": []})
        by_customer[cid]["overlaps"] += 1
        for line in (a, b):
            if int(line) not in by_customer[cid]["rows"]:
                by_customer[cid]["rows"].append(int(line))
    for c in by_customer.values():
        c["rows"].sort()
    return {"events": 0, "quantity": ZERO, "by_meter": {}, "overlaps": len(rows),
            "customers": len(by_customer), "by_customer": by_customer}


def hard_limits(*sides: Any) -> list[tuple[str, str, str, str, str, str]]:
    """(ckey, plan, feature, meter, aggregation, limit) of every hard metered limit the sides' catalogs
    (and the releases they price with) check, once per catalog."""
    rows: list[tuple[str, str, str, str, str, str]] = []
    catalogs: dict[str, Any] = {}
    for side in sides:
        catalogs.setdefault(side.name, side.catalog)
        for rid, c in side.releases.items():
            catalogs.setdefault(f"release:{rid}", c)
    for ckey, cat in catalogs.items():
        for plan in cat.plans.values():
            for fid, ent in plan.entitlements.items():
                feat = cat.features.get(fid)
                if (feat is None or feat.type != "metered" or not feat.meter or ent.enforcement != "hard"
                        or ent.unlimited or ent.limit is None):
                    continue
                meter = cat.meters.get(feat.meter)
                rows.append((ckey, plan.id, fid, feat.meter, meter.aggregation if meter else "sum",
                             format(ent.limit, "f")))
    return rows


def _breaches(con: Any, baseline: Any, candidate: Any, scale: int = 12) -> list[Breach]:
    """Customers whose usage would break a hard entitlement limit of their candidate plan, each marked
    ``new`` unless the baseline breaks the same feature's limit for that customer and period (a PR
    that changes nothing breaks nothing new). Usage and limits are compared at the quantity
    ``scale`` (``--scale``), as stage 1 kept them."""
    from pricebook.simulate.stage2 import insert_rows, pick_sql

    rows = hard_limits(baseline, candidate)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE hard_limits (ckey VARCHAR, plan VARCHAR, feature VARCHAR,
        meter VARCHAR, aggregation VARCHAR, lim DECIMAL(38, {scale}))""")
    insert_rows(con, "hard_limits", ("ckey", "plan", "feature", "meter", "aggregation", "lim"), rows)

    def broken(side: str) -> list[tuple[Any, ...]]:
        # only the breaches leave DuckDB (not one row per customer, period and limit)
        found: list[tuple[Any, ...]] = con.execute(f"""SELECT * FROM (
            SELECT u.customer_id, strftime(u.period, '%Y-%m') AS period, u.plan, h.feature, h.meter, h.lim,
                   {pick_sql('t', scale)} AS q
            FROM unit_sides u JOIN hard_limits h ON h.ckey = u.ckey AND h.plan = u.plan
            JOIN mtot t ON t.unit_no = u.unit_no AND t.meter = h.meter
            WHERE u.side = {lit(side)}) AS b
            WHERE q IS NOT NULL AND q > lim ORDER BY 1, 2, 4""").fetchall()
        return found

    found = broken(candidate.name)
    before = ({(cid, period, feature) for cid, period, _, feature, *_ in broken(baseline.name)}
              if found else set())
    out = [Breach(cid, period, plan, feature, meter, lim, q, (cid, period, feature) not in before)
           for cid, period, plan, feature, meter, lim, q in found]
    return sorted(out, key=lambda b: not b.new)  # the change's own first (a stable sort keeps the order)
