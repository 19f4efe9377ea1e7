"""``simulate --html FILE``: one self-contained page (no network; charts are inline SVG)."""

from __future__ import annotations

from html import escape
from typing import Any

from pricebook.report.values import amount_cells, breach_count, meter_counts, money, quantity, unrated_notes
from pricebook.simulate.result import Group, Money3, SimulationResult


def _cells(m: Money3) -> str:
    """Baseline, candidate, delta and % cells, each amount in its currency's convention (as the text
    report writes it: ``¥158``, ``$1.04``)."""
    return "".join(f"<td>{escape(c)}</td>" for c in amount_cells(m))


def _rows(groups: list[Group], key: str) -> str:
    out = []
    for g in groups:
        a = g.amounts
        out.append(f"<tr><td>{escape(g.key[key])}</td><td>{escape(a.currency)}</td>{_cells(a)}</tr>")
    return "".join(out)


def _table(title: str, key: str, groups: list[Group]) -> str:
    return (f"<h2>{escape(title)}</h2><table><tr><th>{key}</th><th>currency</th><th>baseline</th>"
            f"<th>candidate</th><th>delta</th><th>%</th></tr>{_rows(groups, key)}</table>")


def _histogram_svg(hist: list[tuple[str, int]]) -> str:
    w, h, bar = 720, 220, 720 // max(1, len(hist))
    top = max((n for _, n in hist), default=0) or 1
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h + 60}" role="img">']
    for i, (label, n) in enumerate(hist):
        bh = int(h * n / top)
        x = i * bar
        parts.append(f'<rect x="{x + 4}" y="{h - bh}" width="{bar - 8}" height="{bh}" fill="#4a7bd0"/>'
                     f'<text x="{x + bar / 2}" y="{h - bh - 4}" font-size="11" text-anchor="middle">'
                     f'{n}</text>'
                     f'<text x="{x + bar / 2}" y="{h + 16}" font-size="10" text-anchor="middle" '
                     f'transform="rotate(30 {x + bar / 2} {h + 16})">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _period_svgs(groups: list[Group]) -> str:
    """One chart per currency, each on its own scale: on one scale a yen series dwarfs a dollar one."""
    by_currency: dict[str, list[Group]] = {}
    for g in groups:
        by_currency.setdefault(g.amounts.currency, []).append(g)
    return "".join(_period_svg(cur, by_currency[cur]) for cur in sorted(by_currency))


def _period_svg(currency: str, groups: list[Group]) -> str:
    w, h, top_margin = 720, 200, 20
    vals = [(g.amounts.baseline, g.amounts.candidate) for g in groups]
    top = max(max(b, c) for b, c in vals)
    scale = top if top > 0 else 1
    step = w // max(1, len(groups))
    cur = escape(currency)
    parts = [f'<h3>{cur}</h3>'
             f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h + top_margin + 30}" role="img" '
             f'aria-label="By period, {cur}" data-currency="{cur}"><title>By period, {cur}</title>'
             f'<text x="0" y="12" font-size="11">{escape(money(top, currency))}</text>']
    for i, (g, (b, c)) in enumerate(zip(groups, vals, strict=True)):
        x = i * step
        bh, ch = (max(0, int(h * v / scale)) for v in (b, c))
        base = h + top_margin
        parts.append(f'<rect x="{x + 4}" y="{base - bh}" width="{step / 2 - 6}" height="{bh}" fill="#999"/>'
                     f'<rect x="{x + step / 2}" y="{base - ch}" width="{step / 2 - 6}" height="{ch}" '
                     f'fill="#d0704a"/>'
                     f'<text x="{x + step / 2}" y="{base + 16}" font-size="11" text-anchor="middle">'
                     f'{escape(g.key["period"])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _first(ids: list[str], n: int = 50) -> str:
    return ", ".join(ids[:n]) + (f" and {len(ids) - n} more" if len(ids) > n else "")


def _unrated_row(reason: str, e: dict[str, Any]) -> str:
    """An unrated entry: what the text report says of it (events per meter, customer-periods, the hint,
    plans and add-ons not billed, overlapping rows), every meter listed."""
    meters = meter_counts(e)
    n = e.get("customer_periods")
    details = [*([f"events by meter: {meters}"] if meters else []),
               *([f"customer-periods: {n}"] if n else []), *unrated_notes(e)]
    return (f"<tr><td>{escape(reason)}</td><td>{e['events']}</td><td>{quantity(e['quantity'])}</td>"
            f"<td>{escape(_first(list(e.get('by_customer', {}))))}</td>"
            f"<td>{'<br>'.join(escape(d) for d in details)}</td></tr>")


def to_html(r: SimulationResult) -> str:
    """The report as one HTML document with inline CSS and SVG."""
    totals = "".join(f"<tr><td>{escape(t.currency)}</td>{_cells(t)}</tr>" for t in r.totals)
    c = r.customers
    movers = ""
    for title, ms in (("Largest increases", r.movers_up), ("Largest decreases", r.movers_down)):
        rows = "".join(f"<tr><td>{escape(m.customer_id)}</td><td>{escape(m.plan)}</td>"
                       f"<td>{escape(m.amounts.currency)}</td>{_cells(m.amounts)}</tr>" for m in ms)
        movers += (f"<h2>{title}</h2><table><tr><th>customer</th><th>plan</th><th>currency</th>"
                   f"<th>baseline</th><th>candidate</th><th>delta</th><th>%</th></tr>{rows}</table>")
    unrated = "".join(_unrated_row(k, v) for k, v in r.unrated.items())
    breaches = "".join(f"<tr><td>{escape(b.customer_id)}</td><td>{b.period}</td><td>{escape(b.plan)}</td>"
                       f"<td>{escape(b.feature)}</td><td>{quantity(b.usage)}</td><td>{quantity(b.limit)}</td>"
                       f"<td>{'yes' if b.new else 'no'}</td></tr>"
                       for b in r.breaches)
    events = f"Events read {r.events.get('read', 0)}, rated {r.events.get('rated', 0)}"
    tables = (_table("By plan", "plan", r.by_plan) + _table("By SKU", "sku", r.by_sku)
              + _table("By period", "period", r.by_period))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>pricebook simulate</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem}}table{{border-collapse:collapse;
margin-bottom:1rem}}td,th{{border:1px solid #ccc;padding:.25rem .6rem;text-align:right}}
td:first-child,th:first-child{{text-align:left}}</style></head><body>
<h1>Revenue impact: {escape(r.baseline)} &rarr; {escape(r.candidate)}</h1>
<p>Periods: {escape(', '.join(r.periods))}. {events}.</p>
<h2>Totals</h2><table><tr><th>currency</th><th>baseline</th><th>candidate</th><th>delta</th><th>%</th></tr>
{totals}</table>
<p>Customers: {c.get('total', 0)}; pay more {c.get('increased', 0)}, less {c.get('decreased', 0)},
same {c.get('unchanged', 0)}{f", mixed {c['mixed']}" if c.get('mixed') else ''}.</p>
<h2>Per-customer change</h2>{_histogram_svg(r.histogram)}
<h2>By period (grey: baseline, orange: candidate; one scale per currency)</h2>{_period_svgs(r.by_period)}
{tables}
{movers}
<h2>Hard entitlement limits broken under the candidate: {breach_count(r) if r.breaches else 0}</h2>
<table><tr><th>customer</th><th>period</th>
<th>plan</th><th>feature</th><th>usage</th><th>limit</th><th>new</th></tr>{breaches}</table>
<h2>Unrated</h2><table><tr><th>reason</th><th>events</th><th>quantity</th><th>customers</th><th>details</th></tr>
{unrated}</table>
</body></html>
"""
