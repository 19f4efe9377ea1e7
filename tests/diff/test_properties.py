"""Invariants of the diff over random edits of the example catalog (hypothesis, bounded)."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pricebook.diff import diff_data
from pricebook.diff.classify import KNOWN_KINDS
from pricebook.load import load_catalog
from pricebook.load.catalog import load_data
from pricebook.load.dump import catalog_to_data
from tests.conftest import ACME

BASE: dict[str, Any] = catalog_to_data(load_catalog(ACME).catalog)  # type: ignore[arg-type]


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path] if path else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += _leaves(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _leaves(v, (*path, i))
    return out


def _get(node: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        node = node[p]
    return node


def _mutate(data: dict[str, Any], path: tuple[Any, ...], how: int, factor: Decimal) -> None:
    parent, key = _get(data, path[:-1]), path[-1]
    value = parent[key]
    if how == 0 and isinstance(parent, dict) and len(path) > 1:
        del parent[key]
    elif isinstance(value, bool):
        parent[key] = not value
    elif isinstance(value, str):
        try:
            parent[key] = format(Decimal(value) * factor, "f")
        except ArithmeticError:
            parent[key] = value + "-x"
    elif isinstance(value, list) and value:
        value.pop()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_edits_are_always_classified(data: st.DataObject) -> None:
    head = copy.deepcopy(BASE)
    paths = _leaves(head)
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(paths))
        try:
            _get(head, path)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit removed it
        factor = data.draw(st.sampled_from([Decimal("0.5"), Decimal("2"), Decimal("1.1"), Decimal("0")]))
        _mutate(head, path, data.draw(st.integers(0, 2)), factor)
    loaded = load_data(head)
    assume(loaded.catalog is not None)
    canon = catalog_to_data(loaded.catalog)
    changes = diff_data(BASE, canon)  # raises InternalError if a kind escaped the rule table
    assert {c.kind for c in changes} <= KNOWN_KINDS
    assert diff_data(canon, canon) == []
    if canon != BASE:
        reverse = diff_data(canon, BASE)
        assert bool(changes) == bool(reverse)


@settings(max_examples=40, deadline=None)
@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2))
def test_price_direction_follows_the_amount(amount: Decimal) -> None:
    head = copy.deepcopy(BASE)
    head["plans"]["pro"]["prices"]["platform"]["amount"]["USD"] = format(amount, "f")
    changes = diff_data(BASE, head)
    before = Decimal(BASE["plans"]["pro"]["prices"]["platform"]["amount"]["USD"])
    if amount == before:
        assert changes == []
    else:
        [c] = changes
        assert c.kind == ("price-increased" if amount > before else "price-decreased")
        assert c.severity == ("breaking" if amount > before else "warning")
