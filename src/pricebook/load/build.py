"""Plain catalog data (merged across files, schema-checked) -> the typed model.

The builder is defensive: the schema has already checked shapes, but data also comes from release
snapshots and from Python callers, so every accessor checks its type and records a finding instead
of raising. ``extends`` is resolved here, on the plain data, before plans are built: a plan starts
from its parent, then overrides by key; inside ``prices`` and ``entitlements`` the override is per
entry; ``null`` removes a key or an entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pricebook.diagnostics import CatalogPath, Diagnostic, Position
from pricebook.load.yamlsrc import (
    RANGE_TEXT,
    MergedPositions,
    PositionMap,
    _in_range,
    is_plain_decimal,
    parse_decimal,
)
from pricebook.model import (
    UNSPECIFIED,
    AddOn,
    Catalog,
    Entitlement,
    Feature,
    FlatPrice,
    GraduatedPrice,
    GrandfatheringRule,
    Meter,
    Money,
    PackagePrice,
    PercentagePrice,
    PerUnitPrice,
    Plan,
    Price,
    Sku,
    SourceMap,
    Tier,
    VolumePrice,
)

MERGED_PLAN_KEYS = ("prices", "entitlements")
_ZERO, _ONE = Decimal(0), Decimal(1)


def _not_a_number(value: Any) -> str:
    """Why ``value`` (which ``parse_decimal`` refused) is not an amount or quantity, for PB015."""
    if isinstance(value, Decimal) or (isinstance(value, str) and is_plain_decimal(value)):
        try:
            if Decimal(value).is_finite():
                return f"is out of range (amounts and quantities stay within {RANGE_TEXT})"
        except ArithmeticError:
            pass
    elif isinstance(value, str) and value.strip():
        return 'is not a plain decimal number (digits, optional sign, fraction and exponent, as in "0.0004")'
    return "is not a finite decimal number"


class Builder:
    def __init__(self, positions: Mapping[CatalogPath, Position] | None = None,
                 files: tuple[str, ...] = ()) -> None:
        # a PositionMap is kept as is (copying it would build every Position object)
        self.positions: Mapping[CatalogPath, Position] = (
            positions if isinstance(positions, (PositionMap, MergedPositions)) else dict(positions or {}))
        self._source = SourceMap(self.positions, files)
        self.files = files
        self.diagnostics: list[Diagnostic] = []
        # quoted amounts repeat ("0.30", "0") across thousands of prices: read each text once and
        # share the (immutable) Decimal, which also makes the model smaller to keep and to pickle
        self._decimals: dict[str, Decimal] = {}

    # --- findings ----------------------------------------------------------------------------
    def _locate(self, path: CatalogPath) -> Position | None:
        return self._source.locate(path)

    def error(self, rule: str, name: str, message: str, path: CatalogPath, fix: str | None = None) -> None:
        self.diagnostics.append(Diagnostic.at(rule, "error", message, self._locate(path), path, fix, name))

    # --- scalars -----------------------------------------------------------------------------
    def decimal(self, value: Any, path: CatalogPath, rel: tuple[str | int, ...] = ()) -> Decimal | None:
        """``value`` as a Decimal, or None and a finding at ``path + rel`` (joined only then: a
        large catalog reads hundreds of thousands of numbers and reports almost none)."""
        if value is None:
            return None
        if type(value) is Decimal and value.is_finite() and _in_range(value):  # the YAML loader's numbers
            return value
        if type(value) is str:  # fast path for quoted amounts; anything unusual goes to parse_decimal
            known = self._decimals.get(value)
            if known is not None:
                return known
            # Decimal() alone would also take "4_9" (as 49) and " 49.00 ": the text must be plain first
            if is_plain_decimal(value):
                fast = Decimal(value)
                if _in_range(fast):
                    self._decimals[value] = fast
                    return fast
        d = parse_decimal(value)
        if d is None:
            self.error("PB015", "invalid-number", f"{str(value)!r} {_not_a_number(value)}", (*path, *rel))
        return d

    def money(self, value: Any, currencies: tuple[str, ...], path: CatalogPath,
              rel: tuple[str | int, ...] = ()) -> Money | None:
        """One value or a per-currency map -> {currency: Decimal}. A bare value belongs to the only
        currency; with several currencies it is kept under UNSPECIFIED for a rule to report.
        Findings are at ``path + rel``."""
        if value is None:
            return None
        if isinstance(value, dict) or isinstance(value, Mapping):  # noqa: SIM101 - dict first: abc is slow
            out: dict[str, Decimal] = {}
            known = self._decimals
            for cur, v in value.items():
                d = known.get(v) if type(v) is str else None
                if d is None:
                    d = self.decimal(v, path, (*rel, cur))
                if d is not None:
                    out[cur if type(cur) is str else str(cur)] = d
            return out
        d = self.decimal(value, path, rel)
        if d is None:
            return None
        key = currencies[0] if len(currencies) == 1 else UNSPECIFIED
        return {key: d}

    def text(self, value: Any, path: CatalogPath, default: str | None = None) -> str | None:
        if value is None:
            return default
        if isinstance(value, (str, Decimal, int)) and not isinstance(value, bool):
            return str(value)
        self.error("PB020", "schema", f"expected text, got {type(value).__name__}", path)
        return default

    def date(self, value: Any, path: CatalogPath) -> date | None:
        if value is None:
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        s = str(value).strip()
        try:
            return date.fromisoformat(s[:10]) if len(s) >= 10 else date.fromisoformat(s)
        except ValueError:
            self.error("PB016", "invalid-date", f"{value!r} is not a date (YYYY-MM-DD)", path)
            return None

    def strings(self, value: Any, path: CatalogPath) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.error("PB020", "schema", "expected a list", path)
            return ()
        return tuple(str(v) for v in value if v is not None)

    @staticmethod
    def mapping(value: Any) -> Mapping[str, Any]:
        return value if isinstance(value, dict) or isinstance(value, Mapping) else {}  # noqa: SIM101

    # --- entities ----------------------------------------------------------------------------
    def build(self, data: Mapping[str, Any], prebuilt: Mapping[str, Plan] | None = None) -> Catalog | None:
        """The catalog of merged plain ``data``. ``prebuilt`` plans (id -> Plan, built earlier from
        the same data: ``catalog._PlanMemo``) are taken as they are."""
        head = data.get("catalog")
        if not isinstance(head, Mapping):
            self.error("PB012", "catalog-missing", "no 'catalog' section: one file must define catalog: {id, currency}",
                       (), fix="add a 'catalog:' mapping with id, name and currency")
            return None
        cpath: CatalogPath = ("catalog",)
        currency = self.text(head.get("currency"), (*cpath, "currency"), "USD") or "USD"
        catalog_id = self.text(head.get("id"), (*cpath, "id"), "catalog") or "catalog"
        meters = {str(k): self.meter(str(k), self.mapping(v), ("meters", str(k)))
                  for k, v in self.mapping(data.get("meters")).items()}
        features = {str(k): self.feature(str(k), self.mapping(v), ("features", str(k)))
                    for k, v in self.mapping(data.get("features")).items()}
        skus = {str(k): self.sku(str(k), self.mapping(v), ("skus", str(k)))
                for k, v in self.mapping(data.get("skus")).items()}
        raw_plans = {str(k): self.mapping(v) for k, v in self.mapping(data.get("plans")).items()}
        plans = {}
        for pid in raw_plans:
            if prebuilt and pid in prebuilt:
                plans[pid] = prebuilt[pid]
                continue
            resolved = self.resolve_extends(pid, raw_plans)
            if resolved is not None:
                plans[pid] = self.plan(pid, resolved, currency, ("plans", pid))
        add_ons = {str(k): self.add_on(str(k), self.mapping(v), currency, ("add_ons", str(k)))
                   for k, v in self.mapping(data.get("add_ons")).items()}
        rules = {str(k): self.grandfathering(str(k), self.mapping(v), ("grandfathering", str(k)))
                 for k, v in self.mapping(data.get("grandfathering")).items()}
        return Catalog(
            id=catalog_id,
            name=self.text(head.get("name"), (*cpath, "name"), catalog_id) or catalog_id,
            currency=currency,
            rounding=self.text(head.get("rounding"), (*cpath, "rounding"), "half_up") or "half_up",
            timezone=self.text(head.get("timezone"), (*cpath, "timezone"), "UTC") or "UTC",
            description=self.text(head.get("description"), (*cpath, "description")),
            meters=meters, features=features, skus=skus, plans=plans, add_ons=add_ons,
            grandfathering=rules,
            source=SourceMap(self.positions, self.files),
        )

    def meter(self, mid: str, d: Mapping[str, Any], path: CatalogPath) -> Meter:
        return Meter(
            id=mid,
            name=self.text(d.get("name"), (*path, "name"), mid) or mid,
            unit=self.text(d.get("unit"), (*path, "unit")),
            aggregation=self.text(d.get("aggregation"), (*path, "aggregation"), "sum") or "sum",
            property=self.text(d.get("property"), (*path, "property")),
            dimensions=self.strings(d.get("dimensions"), (*path, "dimensions")),
            description=self.text(d.get("description"), (*path, "description")),
        )

    def feature(self, fid: str, d: Mapping[str, Any], path: CatalogPath) -> Feature:
        return Feature(
            id=fid,
            name=self.text(d.get("name"), (*path, "name"), fid) or fid,
            type=self.text(d.get("type"), (*path, "type"), "boolean") or "boolean",
            unit=self.text(d.get("unit"), (*path, "unit")),
            meter=self.text(d.get("meter"), (*path, "meter")),
            description=self.text(d.get("description"), (*path, "description")),
        )

    def sku(self, sid: str, d: Mapping[str, Any], path: CatalogPath) -> Sku:
        return Sku(
            id=sid,
            name=self.text(d.get("name"), (*path, "name"), sid) or sid,
            meter=self.text(d.get("meter"), (*path, "meter")),
            unit_cost=self.decimal(d.get("unit_cost"), (*path, "unit_cost")),
            description=self.text(d.get("description"), (*path, "description")),
        )

    def resolve_extends(self, pid: str, raw_plans: Mapping[str, Mapping[str, Any]]) -> dict[str, Any] | None:
        chain = [pid]
        cur = raw_plans[pid]
        while isinstance(cur.get("extends"), str):
            parent = cur["extends"]
            if parent in chain:
                cycle = " -> ".join([*chain[chain.index(parent):], parent])
                self.error("PB013", "extends-cycle", f"plan '{pid}' extends itself through a cycle: {cycle}",
                           ("plans", chain[-1], "extends"), fix="remove one 'extends' from the cycle")
                return None
            if parent not in raw_plans:
                self.error("PB014", "extends-unknown", f"plan '{chain[-1]}' extends unknown plan '{parent}'",
                           ("plans", chain[-1], "extends"))
                return None
            chain.append(parent)
            cur = raw_plans[parent]
        merged: dict[str, Any] = {}
        for ancestor in reversed(chain):
            merged = merge_plan(merged, raw_plans[ancestor])
        if len(chain) > 1:
            merged["extends"] = chain[1]
        return merged

    def plan(self, pid: str, d: Mapping[str, Any], default_cur: str, path: CatalogPath) -> Plan:
        currencies = self.strings(d.get("currencies"), (*path, "currencies")) or (default_cur,)
        prices: dict[str, Price] = {}
        for k, v in self.mapping(d.get("prices")).items():
            sku = k if type(k) is str else str(k)
            price = self.price(self.mapping(v), currencies, (*path, "prices", sku))
            if price is not None:
                prices[sku] = price
        return Plan(
            id=pid,
            name=self.text(d.get("name"), (*path, "name"), pid) or pid,
            currencies=currencies,
            billing_period=self.text(d.get("billing_period"), (*path, "billing_period"), "month") or "month",
            prices=prices,
            minimum=self.money(d.get("minimum"), currencies, (*path, "minimum")),
            credit=self.money(d.get("credit"), currencies, (*path, "credit")),
            entitlements=self.entitlements(d.get("entitlements"), (*path, "entitlements")),
            extends=self.text(d.get("extends"), (*path, "extends")),
            description=self.text(d.get("description"), (*path, "description")),
            sales_negotiated=d.get("sales_negotiated") is True,
        )

    def add_on(self, aid: str, d: Mapping[str, Any], default_cur: str, path: CatalogPath) -> AddOn:
        currencies = self.strings(d.get("currencies"), (*path, "currencies")) or (default_cur,)
        prices = {str(k): p for k, v in self.mapping(d.get("prices")).items()
                  if (p := self.price(self.mapping(v), currencies, (*path, "prices", str(k)))) is not None}
        return AddOn(
            id=aid,
            name=self.text(d.get("name"), (*path, "name"), aid) or aid,
            currencies=currencies,
            available_for=self.strings(d.get("available_for"), (*path, "available_for")),
            prices=prices,
            entitlements=self.entitlements(d.get("entitlements"), (*path, "entitlements")),
            description=self.text(d.get("description"), (*path, "description")),
            sales_negotiated=d.get("sales_negotiated") is True,
        )

    def entitlements(self, value: Any, path: CatalogPath) -> dict[str, Entitlement]:
        out: dict[str, Entitlement] = {}
        for fid, v in self.mapping(value).items():
            p = (*path, str(fid))
            if v is None:
                continue
            if isinstance(v, bool):
                out[str(fid)] = Entitlement(feature=str(fid), enabled=v)
            elif isinstance(v, Mapping):
                limit, unlimited = self.limit(v.get("limit"), (*p, "limit"))
                enforcement = self.text(v.get("enforcement"), (*p, "enforcement"), "hard")
                out[str(fid)] = Entitlement(feature=str(fid), limit=limit, unlimited=unlimited,
                                            enforcement=enforcement)
            else:
                limit, unlimited = self.limit(v, p)
                out[str(fid)] = Entitlement(feature=str(fid), limit=limit, unlimited=unlimited)
        return out

    def limit(self, value: Any, path: CatalogPath) -> tuple[Decimal | None, bool]:
        if isinstance(value, str) and value.strip() == "unlimited":
            return None, True
        if value is None:
            return None, False
        return self.decimal(value, path), False

    def price(self, d: Mapping[str, Any], currencies: tuple[str, ...], path: CatalogPath) -> Price | None:
        # the hot path of a large catalog (one call per price): paths are joined only for a finding
        get, money, decimal = d.get, self.money, self.decimal
        model = get("model")
        dims: dict[str, dict[str, Price]] = {}
        if get("dimensions") is not None:
            for dim, values in self.mapping(get("dimensions")).items():
                for val, spec in self.mapping(values).items():
                    sub = self.price(self.mapping(spec), currencies, (*path, "dimensions", str(dim), str(val)))
                    if sub is not None:
                        dims.setdefault(str(dim), {})[str(val)] = sub
        if model == "flat":
            return FlatPrice(amount=money(get("amount"), currencies, path, ("amount",)) or {}, dimensions=dims)
        if model == "per_unit":
            included = get("included")
            return PerUnitPrice(unit_price=money(get("unit_price"), currencies, path, ("unit_price",)) or {},
                                included=(decimal(included, path, ("included",)) or _ZERO)
                                if included is not None else _ZERO,
                                dimensions=dims)
        if model in ("graduated", "volume"):
            tier = self.tier
            tiers = tuple(tier(self.mapping(t), currencies, path, i) for i, t in enumerate(get("tiers") or []))
            cls = GraduatedPrice if model == "graduated" else VolumePrice
            return cls(tiers=tiers, dimensions=dims)
        if model == "package":
            size, included = get("package_size"), get("included")
            return PackagePrice(package_size=(decimal(size, path, ("package_size",)) or _ZERO)
                                if size is not None else _ONE,
                                package_price=money(get("package_price"), currencies, path, ("package_price",)) or {},
                                included=(decimal(included, path, ("included",)) or _ZERO)
                                if included is not None else _ZERO,
                                rounding=self.text(get("rounding"), (*path, "rounding"), "up") or "up",
                                dimensions=dims)
        if model == "percentage":
            percent = get("percent")
            return PercentagePrice(percent=(decimal(percent, path, ("percent",)) or _ZERO)
                                   if percent is not None else _ZERO,
                                   fixed_fee=money(get("fixed_fee"), currencies, path, ("fixed_fee",)),
                                   min=money(get("min"), currencies, path, ("min",)),
                                   max=money(get("max"), currencies, path, ("max",)), dimensions=dims)
        self.error("PB020", "schema", f"unknown price model {model!r}", (*path, "model"))
        return None

    def tier(self, d: Mapping[str, Any], currencies: tuple[str, ...], path: CatalogPath, i: int) -> Tier:
        """Tier ``i`` of the price at ``path``."""
        get, money = d.get, self.money
        return Tier(
            up_to=self.decimal(get("up_to"), path, ("tiers", i, "up_to")),
            unit_price=money(get("unit_price"), currencies, path, ("tiers", i, "unit_price")),
            flat_fee=money(get("flat_fee"), currencies, path, ("tiers", i, "flat_fee")),
        )

    def grandfathering(self, rid: str, d: Mapping[str, Any], path: CatalogPath) -> GrandfatheringRule:
        return GrandfatheringRule(
            id=rid,
            release=self.text(d.get("release"), (*path, "release"), "") or "",
            plans=self.strings(d.get("plans"), (*path, "plans")),
            customers=self.strings(d.get("customers"), (*path, "customers")),
            subscribed_before=self.date(d.get("subscribed_before"), (*path, "subscribed_before")),
            until=self.date(d.get("until"), (*path, "until")),
        )


def merge_plan(base: Mapping[str, Any], child: Mapping[str, Any]) -> dict[str, Any]:
    """A child plan over its parent: per key; per entry inside prices and entitlements; null removes."""
    out = dict(base)
    for key, value in child.items():
        if key == "extends":
            continue
        if value is None:
            out.pop(key, None)
        elif key in MERGED_PLAN_KEYS and isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            inner = dict(out[key])
            for k, v in value.items():
                if v is None:
                    inner.pop(k, None)
                else:
                    inner[k] = v
            out[key] = inner
        else:
            out[key] = value
    return out
