"""``simulate`` for people: totals, changes by plan, SKU and period, movers, histogram, unrated."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pricebook.money import format_money
from pricebook.report.console import console, escape
from pricebook.simulate.result import Money3, SimulationResult


def _pct(m: Money3) -> str:
    if m.delta_pct is None:
        return "n/a"
    return "0.00%" if m.delta_pct.is_zero() else f"{m.delta_pct:+}%"


def _money(amount: Decimal, currency: str) -> str:
    return str(format_money(amount, currency))


def _delta(amount: Decimal, currency: str) -> str:
    if amount.is_zero():
        return _money(abs(amount), currency)
    return ("+" if amount > 0 else "-") + _money(abs(amount), currency)


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
        t.add_row(m.currency, _money(m.baseline, m.currency), _money(m.candidate, m.currency),
                  _delta(m.delta, m.currency), _pct(m))
    con.print(t)
    c = r.customers
    con.print(f"Customers: {c.get('total', 0)}  more: {c.get('increased', 0)}  less: {c.get('decreased', 0)}  "
              f"same: {c.get('unchanged', 0)}"
              + (f"  mixed: {c['mixed']}" if c.get("mixed") else ""))
    for title, groups, key in (("By plan", r.by_plan, "plan"), ("By SKU", r.by_sku, "sku"),
                               ("By period", r.by_period, "period")):
        t = _table(title, [key, "currency", "baseline", "candidate", "delta", "%"])
        for g in groups:
            a = g.amounts
            t.add_row(escape(g.key[key]), a.currency, _money(a.baseline, a.currency),
                      _money(a.candidate, a.currency), _delta(a.delta, a.currency), _pct(a))
        con.print(t)
    for title, movers in (("Largest increases", r.movers_up), ("Largest decreases", r.movers_down)):
        if not movers:
            continue
        t = _table(title, ["customer", "plan", "baseline", "candidate", "delta", "%"])
        for mv in movers:
            a = mv.amounts
            t.add_row(escape(mv.customer_id), escape(mv.plan), _money(a.baseline, a.currency),
                      _money(a.candidate, a.currency), _delta(a.delta, a.currency), _pct(a))
        con.print(t)
    top = max((n for _, n in r.histogram), default=0)
    con.print("Per-customer change:")
    for label, n in r.histogram:
        bar = "#" * (round(30 * n / top) if top else 0)
        con.print(f"  {label:>14} {n:>7} {bar}")
    if r.breaches:
        con.print(f"Hard entitlement limits broken under the candidate: {len(r.breaches)}")
        for b in r.breaches[:20]:
            con.print(f"  {escape(b.customer_id)} {b.period} {escape(b.plan)}: {escape(b.feature)} "
                      f"{b.usage.normalize():,f} > {b.limit.normalize():,f}")
        if len(r.breaches) > 20:
            con.print(f"  ... and {len(r.breaches) - 20} more (--format json or --out lists every one)")
    if r.unrated:
        con.print("Unrated (not in any bill):")
        for reason, e in r.unrated.items():
            meters = ", ".join(f"{escape(m) or '-'}: {x['events']}" for m, x in list(e["by_meter"].items())[:5])
            extra = f" ({meters})" if meters else ""
            n = e.get("customer_periods")
            con.print(f"  {reason}: {_n(e['events'], 'event')}{extra}"
                      + (f", {_n(n, 'customer-period')}" if n else ""))
            if e.get("hint"):
                con.print(f"    hint: {escape(e['hint'])}")
            for label, key in (("plans", "by_plan"), ("add-ons", "by_add_on")):
                if e.get(key):
                    items = ", ".join(_not_billed(name, x) for name, x in e[key].items())
                    con.print(f"    {label}: {items}")
            if e.get("overlaps"):
                con.print(f"    {e['overlaps']} overlapping pair(s) of subscription rows; "
                          "the latest started is billed")
            if e.get("by_customer"):
                ids = list(e["by_customer"])
                more = f" and {len(ids) - 10} more (--format json lists every one)" if len(ids) > 10 else ""
                con.print(f"    customers ({len(ids)}): {escape(', '.join(ids[:10]))}{more}")


def _n(count: int, word: str) -> str:
    """``1 event``, ``2 events``."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def _not_billed(name: str, x: dict[str, Any]) -> str:
    """A plan or add-on not billed: ``starter (not_in_currency in JPY): 1 customer``."""
    where = (f" in {escape(', '.join(c or '-' for c in x['currencies']))}"
             if "not_in_currency" in x["why"] and x.get("currencies") else "")
    return f"{escape(name)} ({', '.join(x['why'])}{where}): {_n(x['customers'], 'customer')}"
