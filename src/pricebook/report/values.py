"""Report values as people read them, shared by simulate's text, markdown and HTML renderers, ``ci``
and ``quote``.

Each amount is written at its own currency's minor unit and in its convention (``¥158``, ``$1.04``,
``KWD0.313``): stage 2 computes every currency at the largest minor unit of the run, so a raw Decimal
would print ``158.000`` yen. Quantities are written without the trailing zeros of the quantity scale.
Nothing here escapes: each renderer escapes the finished string for its own markup. ``quote`` writes
its quantities with ``quantity`` too, so this module must stay light to import (no simulate engine).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pricebook.money import format_money

if TYPE_CHECKING:  # importing pricebook.simulate loads its engine: too heavy for ``quote``
    from pricebook.simulate.result import Money3


def money(amount: Decimal, currency: str) -> str:
    """``$1.04``, ``¥158``, ``KWD0.313``."""
    return str(format_money(amount, currency))


def signed(amount: Decimal, currency: str) -> str:
    """A change: ``+$0.01``, ``-¥3``, and ``$0.00`` without a sign when nothing changed."""
    if amount.is_zero():
        return money(abs(amount), currency)
    return ("+" if amount > 0 else "-") + money(abs(amount), currency)


def pct(m: Money3) -> str:
    """``+0.96%``, ``-50.00%``, ``0.00%``; ``n/a`` when the baseline is 0. A change too small for two
    decimals keeps its direction (``-<0.01%``): a "0.00%" beside "-$0.01" reads as no change."""
    if m.delta_pct is None:
        return "n/a"
    if m.delta_pct.is_zero():
        return "0.00%" if m.delta.is_zero() else ("+" if m.delta > 0 else "-") + "<0.01%"
    return f"{m.delta_pct:+}%"


def amount_cells(m: Money3) -> tuple[str, str, str, str]:
    """Baseline, candidate, delta and % of one currency: ``("$1.04", "$1.05", "+$0.01", "+0.96%")``."""
    cur = m.currency
    return money(m.baseline, cur), money(m.candidate, cur), signed(m.delta, cur), pct(m)


def quantity_str(d: Decimal) -> str:
    """A quantity for JSON: plain notation without trailing zeros, exact at any precision
    (``574498.360000000000`` -> ``574498.36``, ``1E+3`` -> ``1000``, zero -> ``0``)."""
    s = format(d, "f")  # never an exponent; unlike normalize(), never rounds to the context's 28 digits
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def quantity(d: Decimal) -> str:
    """A quantity for people: ``575,498.36``, ``1,000``, ``0``."""
    return format(Decimal(quantity_str(d)), ",f")


def count(n: int, word: str) -> str:
    """``1 event``, ``2 events``."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def meter_counts(entry: dict[str, Any], limit: int | None = None) -> str:
    """Events per meter of an unrated entry: ``bogus: 2, -: 1`` (``-``: no meter)."""
    items = list(entry.get("by_meter", {}).items())
    return ", ".join(f"{m or '-'}: {x['events']}" for m, x in items[:limit])


def unrated_notes(entry: dict[str, Any]) -> list[str]:
    """What the report says of an unrated entry beyond its events, meters and customers: the hint,
    the plans and add-ons not billed, the overlapping subscription rows."""
    notes = []
    if entry.get("hint"):
        notes.append(f"hint: {entry['hint']}")
    for label, key in (("plans", "by_plan"), ("add-ons", "by_add_on")):
        if entry.get(key):
            notes.append(f"{label}: " + ", ".join(_not_billed(name, x) for name, x in entry[key].items()))
    if entry.get("overlaps"):
        notes.append(f"{entry['overlaps']} overlapping pair(s) of subscription rows; "
                     "the latest started is billed")
    return notes


def _not_billed(name: str, x: dict[str, Any]) -> str:
    """A plan or add-on not billed: ``starter (not_in_currency in JPY): 1 customer``."""
    where = (f" in {', '.join(c or '-' for c in x['currencies'])}"
             if "not_in_currency" in x["why"] and x.get("currencies") else "")
    return f"{name} ({', '.join(x['why'])}{where}): {count(x['customers'], 'customer')}"


def breach_count(r: Any) -> str:
    """How many hard limits the candidate breaks, and how many of them the baseline does not:
    ``18 (none new: the baseline breaks them too)``, ``18 (5 new)``, ``3 (all new)``."""
    n, new = len(r.breaches), sum(1 for b in r.breaches if b.new)
    if new == n:
        return f"{n} (all new)"
    if new == 0:
        return f"{n} (none new: the baseline breaks them too)"
    return f"{n} ({new} new)"
