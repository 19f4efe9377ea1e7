"""Change detection: compare two catalogs in their canonical, fully resolved plain form.

Working on ``catalog_to_data()`` output means key order, anchors, quoting, flow or block style,
``extends`` and the split into files can never show up as a change: only what the model says does.
Detection says *what* changed (a kind, a path, before and after, the direction of the bill); it
never decides how bad that is. ``classify`` does, from an ordered rule table.

Every difference ends up as a change: the per-field detectors handle the fields they know, and any
other field that differs becomes a generic ``<entity>-changed`` change, so nothing is dropped.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pricebook.diagnostics import CatalogPath, yaml_text
from pricebook.diff.change import Detected, display_path

INF = Decimal("Infinity")

COLLECTION_KINDS: dict[str, str] = {
    "plans": "plan",
    "skus": "sku",
    "meters": "meter",
    "features": "feature",
    "add_ons": "add-on",
    "grandfathering": "grandfathering",
}
TEXT_FIELDS = ("name", "description")


def _dec(v: Any) -> Decimal:
    return Decimal(str(v))


def _fmt(d: Decimal) -> str:
    return "unlimited" if d == INF else format(d, "f")


def _pct(before: Decimal, after: Decimal) -> str | None:
    if before == 0 or before == INF or after == INF:
        return None
    p = (after - before) / before * 100
    return f"{p:+.1f}%"


class Detector:
    """Collects ``Detected`` changes between a base and a head catalog (plain data)."""

    def __init__(self) -> None:
        self.out: list[Detected] = []
        # SKU renames, known before plans and add-ons are compared: a price that moves from the
        # old id to the new one belongs to the rename, not a charge removed and a new one added.
        self.sku_renames: dict[str, str] = {}
        # Meter renames, known before SKUs and features are compared, for the same reason: a
        # `meter:` that moves from the old id to the new one still counts the same usage.
        self.meter_renames: dict[str, str] = {}
        # Plan renames, known before add-ons and grandfathering rules are compared: an
        # `available_for` or a rule's `plans` that follows the plan to its new id is the same list.
        self.plan_renames: dict[str, str] = {}

    def add(
        self,
        kind: str,
        path: CatalogPath,
        before: Any,
        after: Any,
        message: str,
        effect: str | None = None,
        delta_pct: dict[str, str] | None = None,
    ) -> None:
        self.out.append(Detected(kind, path, before, after, message, effect, delta_pct))

    # --- the whole catalog -------------------------------------------------------------------
    def catalogs(self, base: Mapping[str, Any], head: Mapping[str, Any]) -> list[Detected]:
        self._catalog_block(base.get("catalog", {}), head.get("catalog", {}))
        bm, hm = base.get("meters", {}) or {}, head.get("meters", {}) or {}
        self.meter_renames = _renames([k for k in bm if k not in hm], [k for k in hm if k not in bm], bm, hm)
        bs, hs = base.get("skus", {}) or {}, head.get("skus", {}) or {}
        removed_skus = [k for k in bs if k not in hs]
        # a SKU renamed in the same edit as the meter it bills still has "the same content"
        self.sku_renames = _renames(
            removed_skus,
            [k for k in hs if k not in bs],
            {k: self._under_new_meter_id(bs[k]) for k in removed_skus},
            hs,
        )
        bp, hp = base.get("plans", {}) or {}, head.get("plans", {}) or {}
        removed_plans = [k for k in bp if k not in hp]
        # a plan renamed in the same edit as a SKU it prices still has "the same content"
        self.plan_renames = _renames(
            removed_plans,
            [k for k in hp if k not in bp],
            {k: self._under_new_sku_ids(bp[k]) for k in removed_plans},
            hp,
        )
        for coll, ent_kind in COLLECTION_KINDS.items():
            self._collection(coll, ent_kind, base.get(coll, {}) or {}, head.get(coll, {}) or {})
        return self.out

    def _catalog_block(self, b: Mapping[str, Any], a: Mapping[str, Any]) -> None:
        if not b or not a:
            if b != a:
                self.add(
                    "catalog-added" if a else "catalog-removed",
                    ("catalog",),
                    b or None,
                    a or None,
                    f"catalog '{(a or b).get('id')}' {'added' if a else 'removed'}",
                )
            return
        kinds = {
            "rounding": "rounding-changed",
            "timezone": "timezone-changed",
            "currency": "default-currency-changed",
            "id": "catalog-id-changed",
        }
        for key in sorted(set(b) | set(a)):
            if b.get(key) == a.get(key):
                continue
            path = ("catalog", key)
            if key in TEXT_FIELDS:
                self.add("metadata-changed", path, b.get(key), a.get(key), f"catalog {key} changed")
            else:
                self.add(
                    kinds.get(key, "catalog-changed"),
                    path,
                    b.get(key),
                    a.get(key),
                    f"catalog {key}: {_v(b.get(key))} -> {_v(a.get(key))}",
                )

    def _collection(self, coll: str, ent_kind: str, b: Mapping[str, Any], a: Mapping[str, Any]) -> None:
        removed = [k for k in b if k not in a]
        added = [k for k in a if k not in b]
        if coll == "skus":
            renamed = self.sku_renames
        elif coll == "meters":
            renamed = self.meter_renames
        elif coll == "plans":
            renamed = self.plan_renames
        elif coll == "add_ons" and (self.sku_renames or self.plan_renames):
            # An add-on renamed in the same edit as a SKU it prices or a plan it is sold with
            # still has "the same content".
            moved = {
                k: self._under_new_plan_ids(self._under_new_sku_ids(b[k]), "available_for") for k in removed
            }
            renamed = _renames(removed, added, moved, a)
        elif coll == "grandfathering" and self.plan_renames:
            moved = {k: self._under_new_plan_ids(b[k], "plans") for k in removed}
            renamed = _renames(removed, added, moved, a)
        elif coll == "features" and self.meter_renames:
            renamed = _renames(removed, added, {k: self._under_new_meter_id(b[k]) for k in removed}, a)
        else:
            renamed = _renames(removed, added, b, a)
        for old, new in renamed.items():
            self.add(
                f"{ent_kind}-renamed",
                (coll, new),
                old,
                new,
                f"{ent_kind} '{old}' looks renamed to '{new}' (same content, new id)",
            )
        for k in removed:
            if k not in renamed:
                self.add(f"{ent_kind}-removed", (coll, k), b[k], None, f"{ent_kind} '{k}' removed")
        new_ids = set(renamed.values())
        for k in added:
            if k not in new_ids:
                self.add(f"{ent_kind}-added", (coll, k), None, a[k], f"{ent_kind} '{k}' added")
        handler = getattr(self, f"_{coll}")
        for k in b:
            if k in a and b[k] != a[k]:
                handler((coll, k), b[k], a[k])

    def _under_new_sku_ids(self, entity: Any) -> Any:
        """A plan or add-on of BASE with its prices keyed by the SKU ids of HEAD's renames."""
        prices = entity.get("prices") if isinstance(entity, Mapping) else None
        if not isinstance(prices, Mapping) or not any(k in self.sku_renames for k in prices):
            return entity
        moved = {self.sku_renames.get(k, k): v for k, v in prices.items()}
        if len(moved) != len(prices):  # the new id was priced already: not a plain move
            return entity
        return {**entity, "prices": moved}

    def _under_new_plan_ids(self, entity: Any, key: str) -> Any:
        """An add-on (``available_for``) or grandfathering rule (``plans``) of BASE with its list of
        plans as HEAD's renames call them."""
        plans = entity.get(key) if isinstance(entity, Mapping) else None
        if not isinstance(plans, list) or not any(p in self.plan_renames for p in plans):
            return entity
        return {**entity, key: self._plan_ids(plans)}

    def _plan_ids(self, plans: list[Any]) -> list[Any]:
        """A list of plan ids of BASE as HEAD's renames call them."""
        return [self.plan_renames.get(p, p) if isinstance(p, str) else p for p in plans]

    def _under_new_meter_id(self, entity: Any) -> Any:
        """A SKU or feature of BASE with its ``meter`` as HEAD's rename of that meter calls it."""
        if not isinstance(entity, Mapping) or entity.get("meter") not in self.meter_renames:
            return entity
        return {**entity, "meter": self.meter_renames[entity["meter"]]}

    def _meter_moved(self, b: Mapping[str, Any], a: Mapping[str, Any]) -> bool:
        """Whether a ``meter`` reference went from a renamed meter's old id to its new one: the
        meter's rename is reported once, on the meter."""
        new = self.meter_renames.get(b["meter"]) if isinstance(b.get("meter"), str) else None
        return new is not None and new == a.get("meter")  # a dropped `meter:` is no move

    def _rest(
        self, path: CatalogPath, b: Mapping[str, Any], a: Mapping[str, Any], handled: set[str], kind: str
    ) -> None:
        """Fields no detector knows: one generic change each, never silence."""
        for key in sorted((set(b) | set(a)) - handled):
            if b.get(key) != a.get(key):
                self.add(kind, (*path, key), b.get(key), a.get(key), f"{display_path((*path, key))} changed")

    def _text(self, path: CatalogPath, b: Mapping[str, Any], a: Mapping[str, Any]) -> None:
        for key in TEXT_FIELDS:
            if b.get(key) != a.get(key):
                self.add(
                    "metadata-changed",
                    (*path, key),
                    b.get(key),
                    a.get(key),
                    f"{key} changed: {_text_v(b.get(key))} -> {_text_v(a.get(key))}",
                )

    # --- meters, features, skus, grandfathering ---------------------------------------------------
    def _meters(self, path: CatalogPath, b: Mapping[str, Any], a: Mapping[str, Any]) -> None:
        self._text(path, b, a)
        for key in ("aggregation", "property", "dimensions", "unit"):
            if key == "dimensions" and sorted(b.get(key) or []) == sorted(a.get(key) or []):
                continue  # the order of a meter's dimensions means nothing
            if b.get(key) != a.get(key):
                self.add(
                    f"meter-{key}-changed",
                    (*path, key),
                    b.get(key),
                    a.get(key),
                    f"meter {key}: {_v(b.get(key))} -> {_v(a.get(key))}",
                )
        self._rest(
            path, b, a, {*TEXT_FIELDS, "aggregation", "property", "dimensions", "unit"}, "meter-changed"
        )

    def _features(self, path: CatalogPath, b: Mapping[str, Any], a: Mapping[str, Any]) -> None:
        self._text(path, b, a)
        for key in ("type", "meter", "unit"):
            if b.get(key) != a.get(key) and not (key == "meter" and self._meter_moved(b, a)):
                self.add(
                    f"feature-{key}-changed",
                    (*path, key),
                    b.get(key),
                    a.get(key),
                    f"feature {key}: {_v(b.get(key))} -> {_v(a.get(key))}",
                )
        self._rest(path, b, a, {*TEXT_FIELDS, "type", "meter", "unit"}, "feature-changed")

    def _skus(self, path: CatalogPath, b: Mapping[str, Any], a: Mapping[str, Any]) -> None:
        self._text(path, b, a)
        for key in ("meter", "unit_cost"):
            if key == "meter" and self._meter_moved(b, a):
                continue
            if b.get(key) != a.get(key) and not _same_number(b.get(key), a.get(key)):
                self.add(
                    f"sku-{key.replace('_', '-')}-changed",
                    (*path, key),
                    b.get(key),
                    a.get(key),
                    f"SKU {key}: {_v(b.get(key))} -> {_v(a.get(key))}",
                )
        self._rest(path, b, a, {*TEXT_FIELDS, "meter", "unit_cost"}, "sku-changed")

    def _grandfathering(self, path: CatalogPath, b: Mapping[str, Any], a: Mapping[str, Any]) -> None:
        def as_set(v: Any) -> Any:  # a rule matches a plan or customer in its list: order means nothing
            return frozenset(map(str, v)) if isinstance(v, list) else v

        for key in sorted(set(b) | set(a)):
            before, after = b.get(key), a.get(key)
            if key == "plans" and isinstance(before, list):
                before = self._plan_ids(before)  # the plans' renames are reported once, on the plans
            if key in ("plans", "customers") and as_set(before) == as_set(after):
                continue
            if b.get(key) != a.get(key):
                self.add(
                    "grandfathering-changed",
                    (*path, key),
                    b.get(key),
                    a.get(key),
                    f"grandfathering {key}: {_v(b.get(key))} -> {_v(a.get(key))}",
                )

    # --- plans and add-ons ---------------------------------------------------------------------
    def _plans(self, path: CatalogPath, b: Mapping[str, Any], a: Mapping[str, Any]) -> None:
        skip = self._sellable(path, b, a)
        if b.get("billing_period") != a.get("billing_period"):
            self.add(
                "billing-period-changed",
                (*path, "billing_period"),
                b.get("billing_period"),
                a.get("billing_period"),
                f"billing period: {_v(b.get('billing_period'))} -> {_v(a.get('billing_period'))}",
            )
        if b.get("sales_negotiated") != a.get("sales_negotiated"):
            self.add(
                "sales-negotiated-changed",
                (*path, "sales_negotiated"),
                bool(b.get("sales_negotiated")),
                bool(a.get("sales_negotiated")),
                "sales-negotiated flag changed",
            )
        self._money((*path, "minimum"), b.get("minimum"), a.get("minimum"), "minimum", skip, "minimum spend")
        self._money(
            (*path, "credit"), b.get("credit"), a.get("credit"), "credit", skip, "usage credit", inverse=True
        )
        self._rest(
            path,
            b,
            a,
            {
                *TEXT_FIELDS,
                "currencies",
                "prices",
                "entitlements",
                "billing_period",
                "sales_negotiated",
                "minimum",
                "credit",
            },
            "plan-changed",
        )

    def _add_ons(self, path: CatalogPath, b: Mapping[str, Any], a: Mapping[str, Any]) -> None:
        self._sellable(path, b, a)
        bf, af = list(b.get("available_for") or []), list(a.get("available_for") or [])
        # plans that moved with a detected plan rename: reported once, on the plan
        moved = {
            old: new
            for old, new in self.plan_renames.items()
            if old in bf and old not in af and new in af and new not in bf
        }
        bf = [p for p in bf if p not in moved]
        af = [p for p in af if p not in moved.values()]
        for p in bf:
            if p not in af:
                self.add(
                    "add-on-plan-removed",
                    (*path, "available_for"),
                    p,
                    None,
                    f"add-on no longer available for plan '{p}'",
                )
        for p in af:
            if p not in bf:
                self.add(
                    "add-on-plan-added",
                    (*path, "available_for"),
                    None,
                    p,
                    f"add-on now available for plan '{p}'",
                )
        self._rest(
            path,
            b,
            a,
            {*TEXT_FIELDS, "currencies", "prices", "entitlements", "available_for"},
            "add-on-changed",
        )

    def _sellable(self, path: CatalogPath, b: Mapping[str, Any], a: Mapping[str, Any]) -> set[str]:
        """What plans and add-ons share: text, currencies, prices, entitlements. Returns the
        currencies added or removed (their amounts are covered by the currency change)."""
        self._text(path, b, a)
        bc, ac = list(b.get("currencies") or []), list(a.get("currencies") or [])
        for c in bc:
            if c not in ac:
                self.add("currency-removed", (*path, "currencies"), c, None, f"currency {c} removed")
        for c in ac:
            if c not in bc:
                self.add("currency-added", (*path, "currencies"), None, c, f"currency {c} added")
        skip = set(bc) ^ set(ac)
        bp, ap = b.get("prices") or {}, a.get("prices") or {}
        # new SKU id -> old id, for prices that moved with a detected SKU rename
        moved = {
            new: old
            for old, new in self.sku_renames.items()
            if old in bp and old not in ap and new in ap and new not in bp
        }
        for sku in bp:
            if sku not in ap and sku not in moved.values():
                self.add(
                    "price-removed",
                    (*path, "prices", sku),
                    bp[sku],
                    None,
                    f"no longer charges for '{sku}' ({bp[sku].get('model')} price removed)",
                    effect="down",
                )
        for sku in ap:
            if sku in moved:
                # the SKU's rename is reported once, on the SKU; only a change of the price itself
                # is reported here, under the new id
                if bp[moved[sku]] != ap[sku]:
                    self._price((*path, "prices", sku), bp[moved[sku]], ap[sku], skip)
            elif sku not in bp:
                self.add(
                    "price-added",
                    (*path, "prices", sku),
                    None,
                    ap[sku],
                    f"now charges for '{sku}' ({ap[sku].get('model')} price added)",
                    effect="up",
                )
            elif bp[sku] != ap[sku]:
                self._price((*path, "prices", sku), bp[sku], ap[sku], skip)
        self._entitlements((*path, "entitlements"), b.get("entitlements") or {}, a.get("entitlements") or {})
        return skip

    # --- prices --------------------------------------------------------------------------------
    def _price(self, path: CatalogPath, b: Mapping[str, Any], a: Mapping[str, Any], skip: set[str]) -> None:
        if b.get("model") != a.get("model"):
            self.add(
                "price-model-changed",
                (*path, "model"),
                b,
                a,
                f"price model: {_v(b.get('model'))} -> {_v(a.get('model'))}",
                effect="unknown",
            )
            return
        model = a.get("model")
        handled = {"model", "dimensions"}
        if model == "flat":
            self._money((*path, "amount"), b.get("amount"), a.get("amount"), "price", skip, "flat fee")
            handled.add("amount")
        elif model == "per_unit":
            self._money(
                (*path, "unit_price"), b.get("unit_price"), a.get("unit_price"), "price", skip, "unit price"
            )
            self._number(
                (*path, "included"),
                b.get("included"),
                a.get("included"),
                "included-units",
                "included units",
                inverse=True,
            )
            handled |= {"unit_price", "included"}
        elif model in ("graduated", "volume"):
            self._tiers((*path, "tiers"), b.get("tiers") or [], a.get("tiers") or [], skip, str(model))
            handled.add("tiers")
        elif model == "package":
            self._money(
                (*path, "package_price"),
                b.get("package_price"),
                a.get("package_price"),
                "price",
                skip,
                "package price",
            )
            self._number(
                (*path, "package_size"),
                b.get("package_size"),
                a.get("package_size"),
                "package-size",
                "package size",
                inverse=True,
            )
            self._number(
                (*path, "included"),
                b.get("included"),
                a.get("included"),
                "included-units",
                "included units",
                inverse=True,
            )
            if b.get("rounding") != a.get("rounding"):
                self.add(
                    "package-rounding-changed",
                    (*path, "rounding"),
                    b.get("rounding"),
                    a.get("rounding"),
                    f"package rounding: {_v(b.get('rounding'))} -> {_v(a.get('rounding'))}",
                    effect="down" if a.get("rounding") == "down" else "up",
                )
            handled |= {"package_price", "package_size", "included", "rounding"}
        elif model == "percentage":
            self._number((*path, "percent"), b.get("percent"), a.get("percent"), "percent", "percentage")
            self._money(
                (*path, "fixed_fee"), b.get("fixed_fee"), a.get("fixed_fee"), "price", skip, "fixed fee"
            )
            self._money(
                (*path, "min"), b.get("min"), a.get("min"), "price-min", skip, "minimum per transaction"
            )
            self._money(
                (*path, "max"),
                b.get("max"),
                a.get("max"),
                "price-max",
                skip,
                "maximum per transaction",
                none_is_infinite=True,
            )
            handled |= {"percent", "fixed_fee", "min", "max"}
        self._dimensions(path, b.get("dimensions") or {}, a.get("dimensions") or {}, skip)
        self._rest(path, b, a, handled, "price-changed")

    def _dimensions(
        self, path: CatalogPath, b: Mapping[str, Any], a: Mapping[str, Any], skip: set[str]
    ) -> None:
        for dim in sorted(set(b) | set(a)):
            bv, av = b.get(dim) or {}, a.get(dim) or {}
            for val in sorted(set(bv) | set(av)):
                p = (*path, "dimensions", dim, val)
                if val not in av:
                    self.add(
                        "dimension-price-removed",
                        p,
                        bv[val],
                        None,
                        f"{dim}={val} no longer has its own price",
                        effect="unknown",
                    )
                elif val not in bv:
                    self.add(
                        "dimension-price-added",
                        p,
                        None,
                        av[val],
                        f"{dim}={val} now has its own price",
                        effect="unknown",
                    )
                elif bv[val] != av[val]:
                    self._price(p, bv[val], av[val], skip)

    def _tiers(self, path: CatalogPath, b: list[Any], a: list[Any], skip: set[str], model: str) -> None:
        if len(b) == len(a):
            pairs = list(enumerate(zip(b, a, strict=True)))
            for i, (bt, at) in pairs:
                if _bound_value(bt.get("up_to")) != _bound_value(at.get("up_to")):
                    self._bound((*path, i, "up_to"), bt.get("up_to"), at.get("up_to"), a, i)
            for i, (bt, at) in pairs:
                self._tier_prices((*path, i), bt, at, skip)
            return
        # A tier was added or removed: match tiers by their upper bound.
        bmap = {_bound_value(t.get("up_to")): (i, t) for i, t in enumerate(b)}
        amap = {_bound_value(t.get("up_to")): (i, t) for i, t in enumerate(a)}
        for bound, (i, t) in bmap.items():
            if bound not in amap:
                self.add(
                    "tier-removed",
                    (*path, i),
                    t,
                    None,
                    f"{model} tier {i + 1} (up to {_fmt(bound)}) removed",
                    # its range is now priced by the tier of the head that covers it
                    effect=_range_effect(b, i, a),
                )
        for bound, (i, t) in amap.items():
            if bound not in bmap:
                self.add(
                    "tier-added",
                    (*path, i),
                    None,
                    t,
                    f"{model} tier {i + 1} (up to {_fmt(bound)}) added",
                    # its range was priced by the tier of the base that covered it
                    effect=_range_effect(a, i, b, added=True),
                )
            else:
                self._tier_prices((*path, i), bmap[bound][1], t, skip)

    def _tier_prices(
        self, path: CatalogPath, b: Mapping[str, Any], a: Mapping[str, Any], skip: set[str]
    ) -> None:
        tier = f"tier {int(path[-1]) + 1}"  # numbered from 1 in words, as quote says it
        for key, what in (("unit_price", "unit price"), ("flat_fee", "flat fee")):
            self._money((*path, key), b.get(key), a.get(key), "price", skip, f"{tier} {what}")
        self._rest(path, b, a, {"up_to", "unit_price", "flat_fee"}, "price-changed")

    def _bound(self, path: CatalogPath, b: Any, a: Any, tiers: list[Any], i: int) -> None:
        bd = INF if b is None else _dec(b)
        ad = INF if a is None else _dec(a)
        raised = ad > bd
        effect = _bound_effect(tiers, i, raised)
        self.add(
            "tier-bound-raised" if raised else "tier-bound-lowered",
            path,
            b,
            a,
            f"tier {i + 1} now ends at {_fmt(ad)} (was {_fmt(bd)})",
            effect=effect,
            delta_pct={"": p} if (p := _pct(bd, ad)) else None,
        )

    # --- numbers and money ------------------------------------------------------------------------
    def _number(
        self, path: CatalogPath, b: Any, a: Any, stem: str, label: str, inverse: bool = False
    ) -> None:
        if b == a:
            return
        bd = Decimal(0) if b is None else _dec(b)
        ad = Decimal(0) if a is None else _dec(a)
        if bd == ad:
            return
        up = ad > bd
        effect = ("down" if up else "up") if inverse else ("up" if up else "down")
        p = _pct(bd, ad)
        self.add(
            f"{stem}-{'increased' if up else 'decreased'}",
            path,
            b,
            a,
            f"{label} {'up' if up else 'down'}: {_fmt(bd)} -> {_fmt(ad)}" + (f" ({p})" if p else ""),
            effect=effect,
            delta_pct={"": p} if p else None,
        )

    def _money(
        self,
        path: CatalogPath,
        b: Mapping[str, Any] | None,
        a: Mapping[str, Any] | None,
        stem: str,
        skip: set[str],
        label: str,
        inverse: bool = False,
        none_is_infinite: bool = False,
    ) -> None:
        """Compare two per-currency amounts; one change per direction (up, down)."""
        if b == a:
            return
        absent = INF if none_is_infinite else Decimal(0)
        bm = {c: _dec(v) for c, v in (b or {}).items()}
        am = {c: _dec(v) for c, v in (a or {}).items()}
        if b is None or a is None:
            currencies = set(bm) | set(am)
        else:
            currencies = set(bm) & set(am)
            for c in sorted(set(am) - set(bm) - skip):
                self.add("amount-currency-added", (*path, c), None, a[c], f"{label}: {c} amount added")
            for c in sorted(set(bm) - set(am) - skip):
                self.add("amount-currency-removed", (*path, c), b[c], None, f"{label}: {c} amount removed")
        moves: dict[bool, list[str]] = {True: [], False: []}
        for c in sorted(currencies):
            bv, av = bm.get(c, absent), am.get(c, absent)
            if bv != av:
                moves[av > bv].append(c)
        for up, curs in moves.items():
            if not curs:
                continue
            parts, pcts = [], {}
            for c in curs:
                bv, av = bm.get(c, absent), am.get(c, absent)
                p = _pct(bv, av)
                if p:
                    pcts[c] = p
                parts.append(
                    f"{c} {_fmt(bv) if c in bm else 'none'} -> {_fmt(av) if c in am else 'none'}"
                    + (f" ({p})" if p else "")
                )
            effect = ("down" if up else "up") if inverse else ("up" if up else "down")
            self.add(
                f"{stem}-{'increased' if up else 'decreased'}",
                path,
                {c: (b or {}).get(c) for c in curs},
                {c: (a or {}).get(c) for c in curs},
                f"{label} {'up' if up else 'down'}: {', '.join(parts)}",
                effect=effect,
                delta_pct=pcts or None,
            )

    # --- entitlements ---------------------------------------------------------------------------
    def _entitlements(self, path: CatalogPath, b: Mapping[str, Any], a: Mapping[str, Any]) -> None:
        for fid in sorted(set(b) | set(a)):
            bv, av = b.get(fid), a.get(fid)
            if bv == av:
                continue
            p = (*path, fid)
            bg, ag = _granted(bv), _granted(av)
            if bg and not ag:
                self.add("entitlement-revoked", p, bv, av, f"'{fid}' no longer granted", effect="up")
            elif ag and not bg:
                self.add("entitlement-granted", p, bv, av, f"'{fid}' now granted", effect="down")
            elif not bg and not ag:
                continue  # false and absent mean the same thing
            elif isinstance(bv, bool) or isinstance(av, bool):
                self.add("entitlement-changed", p, bv, av, f"'{fid}': {_v(bv)} -> {_v(av)}",
                         effect="unknown")
            else:
                bl, al = _limit(bv), _limit(av)
                if bl != al:
                    up = al > bl
                    pc = _pct(bl, al)
                    self.add(
                        "entitlement-limit-raised" if up else "entitlement-limit-lowered",
                        p,
                        bv,
                        av,
                        f"'{fid}' limit {_fmt(bl)} -> {_fmt(al)}" + (f" ({pc})" if pc else ""),
                        effect="down" if up else "up",
                        delta_pct={"": pc} if pc else None,
                    )
                be, ae = _enforcement(bv), _enforcement(av)
                if be != ae:
                    self.add(
                        "entitlement-enforcement-changed",
                        p,
                        be,
                        ae,
                        f"'{fid}' enforcement {_v(be)} -> {_v(ae)}",
                        effect="up" if ae == "hard" else "down",
                    )


def _v(value: Any) -> str:
    """A value in a message as the YAML says it (``true``, ``[model, region]``, ``0.00002``), and
    ``(not set)`` for a key the catalog does not have: never Python's ``None`` or ``['model']``."""
    return yaml_text(value, none="(not set)", quote=False)


def _text_v(value: Any) -> str:
    """A name or description, quoted, on one line."""
    return "(not set)" if value is None else "'" + " ".join(str(value).split()) + "'"


def _same_number(b: Any, a: Any) -> bool:
    try:
        return b is not None and a is not None and _dec(b) == _dec(a)
    except ArithmeticError:
        return False


def _bound_value(v: Any) -> Decimal:
    return INF if v is None else _dec(v)


def _granted(v: Any) -> bool:
    if v is None or v is False:
        return False
    if v is True:
        return True
    lim = _limit(v)
    return lim != 0


def _limit(v: Any) -> Decimal:
    raw = v.get("limit") if isinstance(v, Mapping) else v
    if raw is None or raw == "unlimited":
        return INF
    return _dec(raw)


def _enforcement(v: Any) -> str | None:
    return v.get("enforcement") if isinstance(v, Mapping) else None


def _first_price(tier: Mapping[str, Any], currency: str | None) -> Decimal | None:
    up = tier.get("unit_price") or {}
    if not up:
        return None
    cur = currency if currency in up else sorted(up)[0]
    return _dec(up[cur])


def _range_effect(tiers: list[Any], i: int, other: list[Any], added: bool = False) -> str:
    """Which way the bill moves for usage in the range of ``tiers[i]`` (a tier only one side has), now
    priced by ``tiers[i]`` (``added``) instead of the tier of ``other`` that covers that range, or the
    reverse. ``none`` when the two cost the same (a tier split at its own price: the new bound alone
    changes no bill); ``unknown`` with a flat fee, or when no one tier of ``other`` covers the range."""
    lo = Decimal(0) if i == 0 else _bound_value(tiers[i - 1].get("up_to"))
    hi = _bound_value(tiers[i].get("up_to"))
    cover = None
    for j, t in enumerate(other):
        o_lo = Decimal(0) if j == 0 else _bound_value(other[j - 1].get("up_to"))
        o_hi = _bound_value(t.get("up_to"))
        if o_lo <= lo and o_hi >= hi:
            cover = t
            break
    if cover is None or tiers[i].get("flat_fee") or cover.get("flat_fee"):
        return "unknown"
    new, old = (tiers[i], cover) if added else (cover, tiers[i])
    pn, po = _unit_prices(new), _unit_prices(old)
    if pn is None or po is None or set(pn) != set(po):
        return "unknown"
    ups = {pn[c] > po[c] for c in pn if pn[c] != po[c]}
    if not ups:
        return "none"
    return "unknown" if len(ups) > 1 else ("up" if ups.pop() else "down")


def _unit_prices(tier: Mapping[str, Any]) -> dict[str, Decimal] | None:
    """A tier's unit price per currency ({"": price} for one plain amount); None without one."""
    up = tier.get("unit_price")
    if up is None or up == {}:
        return None
    if isinstance(up, Mapping):
        return {str(c): _dec(v) for c, v in up.items()}
    return {"": _dec(up)}


def _bound_effect(tiers: list[Any], i: int, raised: bool) -> str:
    """Which way a moved bound pushes the bill: the units between the old and new bound move from
    tier i+1's price to tier i's (raised) or back (lowered). Flat fees make it undecidable here."""
    if i + 1 >= len(tiers):
        return "unknown"
    lower, upper = tiers[i], tiers[i + 1]
    if lower.get("flat_fee") or upper.get("flat_fee"):
        return "unknown"
    cur = sorted(lower.get("unit_price") or {})[0] if lower.get("unit_price") else None
    pl, pu = _first_price(lower, cur), _first_price(upper, cur)
    if pl is None or pu is None:
        return "unknown"
    if pl == pu:
        return "none"
    cheaper_below = pl < pu
    return ("down" if cheaper_below else "up") if raised else ("up" if cheaper_below else "down")


def _renames(
    removed: list[str], added: list[str], b: Mapping[str, Any], a: Mapping[str, Any]
) -> dict[str, str]:
    """Removed id -> added id for entities whose content is the same apart from name/description.

    Content too small to tell entities apart (fewer than ``RENAME_MIN_FIELDS`` fields besides the
    texts: every boolean feature is ``{type: boolean}``, every plain SKU nothing) is a rename only when
    the name stayed too: "Support response SLA" removed and "Uptime SLA" added are two changes.
    """
    if not removed or not added:
        return {}

    def body(v: Any) -> Any:
        return {k: x for k, x in v.items() if k not in TEXT_FIELDS} if isinstance(v, Mapping) else v

    def key(v: Any) -> str:
        bd = body(v)
        small = not isinstance(bd, Mapping) or len(bd) < RENAME_MIN_FIELDS
        name = v.get("name") if small and isinstance(v, Mapping) else None
        return json.dumps([bd, name], sort_keys=True, default=str)

    by_key: dict[str, list[str]] = {}
    for k in added:
        by_key.setdefault(key(a[k]), []).append(k)
    out: dict[str, str] = {}
    for k in removed:
        candidates = by_key.get(key(b[k]))
        if candidates:
            out[k] = candidates.pop(0)
    return out


RENAME_MIN_FIELDS = 2


def detect(base: Mapping[str, Any], head: Mapping[str, Any]) -> list[Detected]:
    """Every difference between two canonical catalogs (``catalog_to_data`` output), unjudged."""
    return Detector().catalogs(base, head)


def detect_releases(base: Mapping[str, bytes], head: Mapping[str, bytes]) -> list[Detected]:
    """Release snapshots are immutable: one that exists in BASE and differs or is gone in HEAD."""
    out: list[Detected] = []
    for rid in sorted(base):
        if rid not in head:
            out.append(
                Detected(
                    "release-removed",
                    ("releases", rid),
                    rid,
                    None,
                    f"release snapshot '{rid}' was deleted; releases are immutable",
                    "unknown",
                )
            )
        elif base[rid] != head[rid]:
            out.append(
                Detected(
                    "release-changed",
                    ("releases", rid),
                    _digest(base[rid]),
                    _digest(head[rid]),
                    f"release snapshot '{rid}' was modified; releases are immutable"
                    + _inside(base[rid], head[rid]),
                    "unknown",
                )
            )
    for rid in sorted(set(head) - set(base)):
        out.append(Detected("release-added", ("releases", rid), None, rid, f"release '{rid}' added", "none"))
    return out


def _inside(before: bytes, after: bytes) -> str:
    """What the edit of a snapshot changed, when both sides are readable snapshots."""
    try:
        b, a = json.loads(before), json.loads(after)
        if not (isinstance(b, dict) and isinstance(a, dict)):
            return ""
        found = Detector().catalogs(b, a)
    except (ValueError, TypeError, AttributeError, ArithmeticError):
        return ""
    if not found:
        return " (formatting only)"
    paths = ", ".join(display_path(d.path) for d in found[:3]) + (", ..." if len(found) > 3 else "")
    return f" ({len(found)} change{'s' if len(found) != 1 else ''} inside: {paths})"


def _digest(data: bytes) -> str:
    import hashlib

    return "sha256:" + hashlib.sha256(data).hexdigest()[:16]
