"""``simulate --format json`` (SPEC §5) and the markdown section ``ci`` embeds."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from pricebook.money import money_str
from pricebook.report.values import amount_cells, breach_count, quantity_str
from pricebook.simulate.result import Group, Money3, Mover, SimulationResult


def _q(d: Decimal | None) -> str | None:
    return None if d is None else quantity_str(d)


def _m(m: Money3) -> dict[str, Any]:
    # each amount at its own currency's minor unit (stage 2 computes every currency at the largest)
    return {"currency": m.currency, "baseline": money_str(m.baseline, m.currency),
            "candidate": money_str(m.candidate, m.currency), "delta": money_str(m.delta, m.currency),
            "delta_pct": format(m.delta_pct, "f") if m.delta_pct is not None else None}


def _g(g: Group) -> dict[str, Any]:
    out: dict[str, Any] = {**g.key, **_m(g.amounts)}
    if g.customers is not None:
        out["customers"] = g.customers
    return out


def _mv(m: Mover) -> dict[str, Any]:
    return {"customer_id": m.customer_id, "plan": m.plan, **_m(m.amounts)}


def to_data(r: SimulationResult) -> dict[str, Any]:
    """The JSON contract: SPEC §5 fields first, then the extras."""
    unrated = {}
    for reason, e in r.unrated.items():
        unrated[reason] = {k: (_q(v) if isinstance(v, Decimal) else v)
                           for k, v in e.items() if k != "by_meter"}
        unrated[reason]["by_meter"] = {m: {"events": x["events"], "quantity": _q(x["quantity"])}
                                       for m, x in e.get("by_meter", {}).items()}
    return {
        "baseline": r.baseline,
        "candidate": r.candidate,
        "totals": [_m(t) for t in r.totals],
        "customers": r.customers,
        "unrated": unrated,
        "by_plan": [_g(g) for g in r.by_plan],
        "by_sku": [_g(g) for g in r.by_sku],
        "by_period": [_g(g) for g in r.by_period],
        "movers": {"up": [_mv(m) for m in r.movers_up], "down": [_mv(m) for m in r.movers_down]},
        "histogram": [{"bucket": b, "customers": n} for b, n in r.histogram],
        "entitlement_breaches": [{"customer_id": b.customer_id, "period": b.period, "plan": b.plan,
                                  "feature": b.feature, "meter": b.meter, "limit": _q(b.limit),
                                  "usage": _q(b.usage), "new": b.new} for b in r.breaches],
        "events": r.events,
        "periods": r.periods,
        "dedup": r.dedup,
    }


def to_json(r: SimulationResult) -> str:
    return json.dumps(to_data(r), indent=2, ensure_ascii=False) + "\n"


def _cells(m: Money3) -> str:
    """Baseline, candidate, delta and % as markdown cells, each amount in its currency's convention."""
    return " | ".join(amount_cells(m))


def to_markdown(r: SimulationResult) -> str:
    """A revenue-impact section for a PR comment (``pricebook ci``)."""
    out = [f"### Revenue impact: `{r.baseline}` → `{r.candidate}`", ""]
    out += ["| currency | baseline | candidate | delta | % |", "| --- | ---: | ---: | ---: | ---: |"]
    for t in r.totals:
        out.append(f"| {t.currency} | {_cells(t)} |")
    c = r.customers
    out += ["", f"Customers: {c.get('total', 0)} — {c.get('increased', 0)} pay more, "
            f"{c.get('decreased', 0)} pay less, {c.get('unchanged', 0)} unchanged"
            + (f", {c['mixed']} pay more in one currency and less in another" if c.get("mixed") else "")
            + ".", ""]
    if r.by_plan:
        out += ["| plan | currency | customers | baseline | candidate | delta | % |",
                "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
        for g in r.by_plan:
            a = g.amounts
            out.append(f"| {g.key['plan']} | {a.currency} | {g.customers} | {_cells(a)} |")
        out.append("")
    if r.breaches:
        out.append(f"**{breach_count(r)} hard entitlement limit(s) would be broken** under the candidate.")
        out.append("")
    if r.unrated:
        out.append(f"Unrated events — {unrated_summary(r)}.")
    return "\n".join(out) + "\n"


def unrated_summary(r: SimulationResult) -> str:
    """``reason: events`` per unrated entry; an entry about subscriptions (no events: a plan or add-on
    not billed, overlapping rows) says how many customer-periods or customers it concerns."""
    parts = []
    for reason, e in r.unrated.items():
        n = e.get("customer_periods") or e.get("customers")
        unit = ("customer-period" if e.get("customer_periods") else "customer") + ("" if n == 1 else "s")
        parts.append(f"{reason}: {e['events']}" + (f" ({n} {unit})" if not e["events"] and n else ""))
    return ", ".join(parts)
