"""Render rate cards: a rich table, markdown (a pricing page or a PR comment) or JSON."""

from __future__ import annotations

import json
from typing import Any

from pricebook.load.dump import entitlement_data, price_data
from pricebook.money import format_money, money_str
from pricebook.rating.ratecard import PriceRow, RateCard


def _row_label(r: PriceRow) -> str:
    return f"  {r.dimension[0]}={r.dimension[1]}" if r.dimension else r.name


def _price_lines(r: PriceRow) -> list[str]:
    return [r.summary, *r.tiers] if r.tiers else [r.summary]


def _period(card: RateCard) -> str:
    return f"per {card.plan.billing_period}"


def _adjustments(card: RateCard) -> list[tuple[str, str]]:
    out = [("Contact sales", "priced per deal")] if card.plan.sales_negotiated else []
    if card.minimum is not None:
        out.append(
            (
                "Minimum spend",
                f"{format_money(card.minimum, card.currency)} {_period(card)}, topped up when usage is lower",
            )
        )
    if card.credit is not None:
        out.append(
            (
                "Usage credit",
                f"{format_money(card.credit, card.currency)} {_period(card)}, against usage charges",
            )
        )
    return out


def _add_on_text(card: RateCard) -> list[tuple[str, str]]:
    return [
        (a.name, "; ".join(f"{r.name}: {r.summary}" if r.name != a.name else r.summary for r in a.rows)
         or ("contact sales (priced per deal)" if a.sales_negotiated else "no price"))
        for a in card.add_ons
    ]


# --- JSON ----------------------------------------------------------------------------------------


def _row_data(r: PriceRow) -> dict[str, Any]:
    return {
        "sku": r.sku,
        "name": r.name,
        "model": r.model,
        "unit": r.unit,
        "summary": r.summary,
        "tiers": list(r.tiers),
        "dimension": None if r.dimension is None else {"name": r.dimension[0], "value": r.dimension[1]},
        "price": price_data(r.price) if r.price is not None else None,
    }


def card_data(card: RateCard) -> dict[str, Any]:
    p = card.plan
    return {
        "plan": p.id,
        "name": p.name,
        "description": p.description,
        "currency": card.currency,
        "currencies": list(p.currencies),
        "billing_period": p.billing_period,
        "sales_negotiated": p.sales_negotiated,
        "prices": [_row_data(r) for r in card.rows],
        "minimum": money_str(card.minimum, card.currency) if card.minimum is not None else None,
        "credit": money_str(card.credit, card.currency) if card.credit is not None else None,
        "entitlements": {fid: entitlement_data(p.entitlements[fid]) for fid, _, _ in card.entitlements},
        "add_ons": [
            {"id": a.id, "name": a.name, "prices": [_row_data(r) for r in a.rows]} for a in card.add_ons
        ],
        "catalog": card.source,
    }


def to_json(cards: list[RateCard], single: bool) -> str:
    data: Any = card_data(cards[0]) if single else {"plans": [card_data(c) for c in cards]}
    return json.dumps(data, indent=2, ensure_ascii=False)


# --- markdown ------------------------------------------------------------------------------------


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(_md(h) for h in header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    out += ["| " + " | ".join(_md(c) for c in row) + " |" for row in rows]
    return out


def card_markdown(card: RateCard) -> str:
    p = card.plan
    out = [f"## {p.name}", ""]
    if p.description:
        out += [p.description, ""]
    out += [f"Prices in {card.currency}, {_period(card)}.", ""]
    rows = [
        [("↳ " + _row_label(r).strip()) if r.dimension else r.name, "<br>".join(_price_lines(r))]
        for r in card.rows
    ]
    rows += [[k, v] for k, v in _adjustments(card)]
    out += _md_table(["Item", "Price"], rows) + [""]
    if card.entitlements:
        out += ["**Includes**", ""] + [f"- {name}: {grant}" for _, name, grant in card.entitlements] + [""]
    if card.add_ons:
        out += ["**Add-ons**", ""] + [f"- {name}: {text}" for name, text in _add_on_text(card)] + [""]
    return "\n".join(out)


def overview_rows(cards: list[RateCard]) -> tuple[list[str], list[list[str]]]:
    """Plans side by side: one row per SKU (and dimension value), adjustments, entitlements, add-ons."""
    header = ["", *(f"{c.plan.name} ({c.currency})" for c in cards)]
    keys: list[tuple[str, tuple[str, str] | None, str]] = []
    for c in cards:  # SKUs in order of first appearance; a dimension value's row follows its SKU
        for r in c.rows:
            label = f"{r.name} ({r.dimension[0]}={r.dimension[1]})" if r.dimension else r.name
            k = (r.sku, r.dimension, label)
            if k in keys:
                continue
            after = [i for i, key in enumerate(keys) if key[0] == r.sku]
            keys.insert(after[-1] + 1 if after else len(keys), k)
    rows: list[list[str]] = []
    if any(c.plan.sales_negotiated for c in cards):
        rows.append(["Pricing", *("contact sales" if c.plan.sales_negotiated else "list" for c in cards)])
    for sku, dim, label in keys:
        cells = []
        for c in cards:
            match = [r for r in c.rows if r.sku == sku and r.dimension == dim]
            if not match:
                cells.append("-")
            elif match[0].tiers:
                cells.append("\n".join([f"{match[0].model}:", *match[0].tiers]))
            else:
                cells.append(match[0].summary)
        rows.append([label, *cells])
    for name, attr in (("Minimum spend", "minimum"), ("Usage credit", "credit")):
        vals = [getattr(c, attr) for c in cards]
        if any(v is not None for v in vals):
            rows.append(
                [
                    name,
                    *(
                        format_money(v, c.currency) if v is not None else "-"
                        for v, c in zip(vals, cards, strict=True)
                    ),
                ]
            )
    features: list[tuple[str, str]] = []
    for c in cards:
        for fid, fname, _ in c.entitlements:
            if (fid, fname) not in features:
                features.append((fid, fname))
    for fid, fname in features:
        rows.append([fname, *(next((g for f, _, g in c.entitlements if f == fid), "-") for c in cards)])
    if any(c.add_ons for c in cards):
        rows.append(["Add-ons", *(", ".join(a.name for a in c.add_ons) or "-" for c in cards)])
    return header, rows


def to_markdown(cards: list[RateCard], single: bool) -> str:
    if single:
        return card_markdown(cards[0])
    header, rows = overview_rows(cards)
    return "\n".join(["## Plans", "", *_md_table(header, rows), ""])


# --- text ----------------------------------------------------------------------------------------


def print_text(cards: list[RateCard], single: bool) -> None:
    from rich import box
    from rich.table import Table

    from pricebook.report.console import console, escape

    out = console()
    if not single:
        header, rows = overview_rows(cards)
        out.print(f"[bold]Plans[/bold] of catalog at {escape(cards[0].source)}")
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_lines=True)
        for h in header:
            table.add_column(escape(h), overflow="fold")
        for row in rows:
            table.add_row(*(escape(c) for c in row))
        out.print(table)
        return
    card = cards[0]
    p = card.plan
    out.print(
        f"[bold]{escape(p.name)}[/bold] ({escape(p.id)}): prices in {card.currency}, {_period(card)}. "
        f"Catalog at {escape(card.source)}."
    )
    if p.description:
        out.print(escape(p.description))
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("Item")
    table.add_column("Model")
    table.add_column("Price", overflow="fold")
    for r in card.rows:
        table.add_row(escape(_row_label(r)), r.model, escape("\n".join(_price_lines(r))))
    for k, v in _adjustments(card):
        table.add_row(k, "", escape(v))
    out.print(table)
    if card.entitlements:
        ents = Table(box=box.SIMPLE_HEAD, pad_edge=False)
        ents.add_column("Feature")
        ents.add_column("Included")
        for _, name, grant in card.entitlements:
            ents.add_row(escape(name), escape(grant))
        out.print(ents)
    for name, text in _add_on_text(card):
        out.print(f"Add-on {escape(name)}: {escape(text)}")
