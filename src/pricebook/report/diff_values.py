"""Short, human forms of a change's before/after values, shared by the text and markdown renderers."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from pricebook.diff.change import Change

_CURRENCY = re.compile(r"^([A-Z]{3}|\*)$")


def short(value: Any) -> str:
    """``{"USD": "49.00", "EUR": "45.00"}`` -> ``USD 49.00, EUR 45.00``; a price -> ``flat price``."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str | int):
        return str(value)
    if isinstance(value, Mapping):
        if value and all(_CURRENCY.match(str(k)) for k in value):
            return ", ".join(f"{k} {v if v is not None else '—'}" for k, v in value.items())
        if "model" in value:
            return f"{value['model']} price"
        if "name" in value:
            return str(value["name"])
        if "limit" in value:
            return f"{value.get('limit')} ({value.get('enforcement') or 'no'} enforcement)"
        if "up_to" in value or "unit_price" in value:
            return f"tier up to {value.get('up_to', 'the top')}"
    if isinstance(value, list):
        return ", ".join(short(v) for v in value)
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def pct(change: Change) -> str:
    """``USD +20.4%, EUR +22.2%`` (or ``+20.0%`` for a plain number); empty when not a number."""
    if not change.delta_pct:
        return ""
    items = sorted(change.delta_pct.items(), key=lambda kv: (kv[0] != "USD", kv[0]))
    return ", ".join(f"{k} {v}" if k else v for k, v in items)


def local_path(change: Change) -> str:
    """The path inside its entity, for people: ``prices.platform.amount`` for
    ``plans.pro.prices.platform.amount``, ``prices.storage.tier 3.unit_price`` (tiers numbered from
    1, as ``quote`` and the messages number them) for ``plans.pro.prices.storage.tiers[2].unit_price``."""
    from pricebook.diff.change import display_path

    rest = change.path[2:] if change.entity != "catalog" else change.path[1:]
    if rest:
        return display_path(rest)
    return f"(the {_SINGULAR.get(str(change.path[0]), 'entity')})" if change.path else "(the catalog)"


_SINGULAR = {
    "plans": "plan",
    "skus": "SKU",
    "meters": "meter",
    "features": "feature",
    "add_ons": "add-on",
    "grandfathering": "rule",
    "releases": "release",
    "catalog": "catalog",
}


def before_after(change: Change, arrow: str = "->") -> str:
    """``USD 49.00 -> 59.00, EUR 45.00 -> 55.00`` for amounts; ``before -> after`` otherwise."""
    b, a = change.before, change.after
    if (
        isinstance(b, Mapping)
        and isinstance(a, Mapping)
        and b
        and set(b) == set(a)
        and all(_CURRENCY.match(str(k)) for k in b)
    ):
        return ", ".join(
            f"{k} {b[k] if b[k] is not None else '—'} {arrow} {a[k] if a[k] is not None else '—'}"
            for k in sorted(b, key=lambda c: (c != "USD", c))
        )
    return f"{short(b)} {arrow} {short(a)}"
