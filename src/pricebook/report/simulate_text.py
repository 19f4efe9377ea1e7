"""``simulate`` for people: totals, changes by plan, SKU and period, movers, histogram, unrated."""

from __future__ import annotations

from typing import Any

from pricebook.report.console import console, escape
from pricebook.report.values import (
    amount_cells,
    breach_count,
    count,
    meter_counts,
    quantity,
    unrated_notes,
)
from pricebook.simulate.result import SimulationResult


def _table(title: str, headers: list[str]) -> Any:
    from rich.table import Table

    t = Table(title=title, title_justify="left", show_edge=False)
    for i, h in enumerate(headers):
        t.add_column(h, justify="left" if i < 2 else "right")
    return t


def print_text(r: SimulationResult) -> None:
    con = console()
    con.print(f"Revenue impact: {escape(r.baseline)} -> {escape(r.candidate)}  "
              f"(periods {', '.join(r.periods) or 'none'}; events read {r.events.get('read', 0)}, "
              f"rated {r.events.get('rated', 0)}{', dedup on' if r.dedup else ''})")
    t = _table("Totals", ["currency", "baseline", "candidate", "delta", "%"])
    for m in r.totals:
        t.add_row(m.currency, *amount_cells(m))
    con.print(t)
    c = r.customers
    con.print(f"Customers: {c.get('total', 0)}  more: {c.get('increased', 0)}  "
              f"less: {c.get('decreased', 0)}  same: {c.get('unchanged', 0)}"
              + (f"  mixed: {c['mixed']}" if c.get("mixed") else ""))
    for title, groups, key in (("By plan", r.by_plan, "plan"), ("By SKU", r.by_sku, "sku"),
                               ("By period", r.by_period, "period")):
        t = _table(title, [key, "currency", "baseline", "candidate", "delta", "%"])
        for g in groups:
            t.add_row(escape(g.key[key]), g.amounts.currency, *amount_cells(g.amounts))
        con.print(t)
    for title, movers in (("Largest increases", r.movers_up), ("Largest decreases", r.movers_down)):
        if not movers:
            continue
        t = _table(title, ["customer", "plan", "baseline", "candidate", "delta", "%"])
        for mv in movers:
            t.add_row(escape(mv.customer_id), escape(mv.plan), *amount_cells(mv.amounts))
        con.print(t)
    top = max((n for _, n in r.histogram), default=0)
    con.print("Per-customer change:")
    for label, n in r.histogram:
        bar = "#" * (round(30 * n / top) if top else 0)
        con.print(f"  {label:>14} {n:>7} {bar}")
    if r.breaches:
        con.print(f"Hard entitlement limits broken under the candidate: {breach_count(r)}")
        for b in r.breaches[:20]:
            con.print(f"  {escape(b.customer_id)} {b.period} {escape(b.plan)}: {escape(b.feature)} "
                      f"{quantity(b.usage)} > {quantity(b.limit)}{' (new)' if b.new else ''}")
        if len(r.breaches) > 20:
            con.print(f"  ... and {len(r.breaches) - 20} more (--format json or --html lists every one)")
    if r.unrated:
        con.print("Unrated (not in any bill):")
        for reason, e in r.unrated.items():
            meters = meter_counts(e, 5)
            n = e.get("customer_periods")
            con.print(escape(f"  {reason}: {count(e['events'], 'event')}" + (f" ({meters})" if meters else "")
                             + (f", {count(n, 'customer-period')}" if n else "")))
            for note in unrated_notes(e):
                con.print(escape(f"    {note}"))
            if e.get("by_customer"):
                ids = list(e["by_customer"])
                more = f" and {len(ids) - 10} more (--format json lists every one)" if len(ids) > 10 else ""
                con.print(escape(f"    customers ({len(ids)}): {', '.join(ids[:10])}{more}"))
