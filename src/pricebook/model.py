"""The catalog as typed, frozen dataclasses.

Every amount and quantity is a ``Decimal`` read from its YAML source text. A money field is a
``Money``: a mapping from ISO 4217 currency code to amount. When the YAML gives one bare value for
a plan with a single currency, the loader stores it under that currency, so by the time a model
exists every ``Money`` is keyed by real currency codes (``UNSPECIFIED`` marks a bare value whose
currency could not be decided; a rule reports it).

Plans are fully resolved: ``extends`` is expanded and defaults are filled by the loader, so every
consumer (rating, diff, releases, simulate) sees the same, complete plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal, TypeAlias

from pricebook.diagnostics import CatalogPath, Position

Money: TypeAlias = Mapping[str, Decimal]
UNSPECIFIED = "*"  # key of a bare amount whose currency is ambiguous (multi-currency plan)

Aggregation = Literal["count", "sum", "max", "unique_count", "latest"]
AGGREGATIONS: tuple[str, ...] = ("count", "sum", "max", "unique_count", "latest")
RoundingMode = Literal["half_up", "half_even"]
ROUNDING_MODES: tuple[str, ...] = ("half_up", "half_even")
PRICE_MODELS: tuple[str, ...] = ("flat", "per_unit", "graduated", "volume", "package", "percentage")
USAGE_MODELS: frozenset[str] = frozenset(PRICE_MODELS) - {"flat"}
FEATURE_TYPES: tuple[str, ...] = ("boolean", "quantity", "metered")
BILLING_PERIODS: tuple[str, ...] = ("month", "year")


@dataclass(frozen=True)
class Meter:
    id: str
    name: str
    unit: str | None = None
    aggregation: str = "sum"
    property: str | None = None
    dimensions: tuple[str, ...] = ()
    description: str | None = None


@dataclass(frozen=True)
class Feature:
    id: str
    name: str
    type: str = "boolean"  # boolean | quantity | metered
    unit: str | None = None
    meter: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class Sku:
    id: str
    name: str
    meter: str | None = None
    unit_cost: Decimal | None = None
    description: str | None = None


# --- prices ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tier:
    """One tier: covers quantities above the previous tier's ``up_to`` up to its own."""

    up_to: Decimal | None = None  # None: the open last tier
    unit_price: Money | None = None
    flat_fee: Money | None = None


@dataclass(frozen=True)
class Price:
    """Common base of every price model. ``dimensions`` maps a meter dimension to value-specific
    prices: ``{"model": {"large": PerUnitPrice(...)}}``; values not listed use this price."""

    model: str = field(init=False, default="")
    dimensions: Mapping[str, Mapping[str, Price]] = field(default_factory=dict, kw_only=True)


@dataclass(frozen=True)
class FlatPrice(Price):
    amount: Money = field(default_factory=dict)
    model: str = field(init=False, default="flat")


@dataclass(frozen=True)
class PerUnitPrice(Price):
    unit_price: Money = field(default_factory=dict)
    included: Decimal = Decimal(0)
    model: str = field(init=False, default="per_unit")


@dataclass(frozen=True)
class GraduatedPrice(Price):
    tiers: tuple[Tier, ...] = ()
    model: str = field(init=False, default="graduated")


@dataclass(frozen=True)
class VolumePrice(Price):
    tiers: tuple[Tier, ...] = ()
    model: str = field(init=False, default="volume")


@dataclass(frozen=True)
class PackagePrice(Price):
    package_size: Decimal = Decimal(1)
    package_price: Money = field(default_factory=dict)
    included: Decimal = Decimal(0)
    rounding: str = "up"  # up | down
    model: str = field(init=False, default="package")


@dataclass(frozen=True)
class PercentagePrice(Price):
    percent: Decimal = Decimal(0)
    fixed_fee: Money | None = None
    min: Money | None = None
    max: Money | None = None
    model: str = field(init=False, default="percentage")


PRICE_CLASSES: dict[str, type[Price]] = {
    "flat": FlatPrice,
    "per_unit": PerUnitPrice,
    "graduated": GraduatedPrice,
    "volume": VolumePrice,
    "package": PackagePrice,
    "percentage": PercentagePrice,
}


# --- entitlements, plans, add-ons --------------------------------------------------------------


@dataclass(frozen=True)
class Entitlement:
    """What a plan grants for one feature.

    boolean features: ``enabled``; quantity and metered features: ``limit`` (None with
    ``unlimited``) and, for metered ones, ``enforcement`` (hard | soft).
    """

    feature: str
    enabled: bool | None = None
    limit: Decimal | None = None
    unlimited: bool = False
    enforcement: str | None = None


@dataclass(frozen=True)
class Plan:
    id: str
    name: str
    currencies: tuple[str, ...]
    billing_period: str = "month"
    prices: Mapping[str, Price] = field(default_factory=dict)
    minimum: Money | None = None
    credit: Money | None = None
    entitlements: Mapping[str, Entitlement] = field(default_factory=dict)
    extends: str | None = field(default=None, compare=False)  # informational: plans are resolved
    description: str | None = None
    # Sales-negotiated plans ("Contact sales"): listed on the pricing page, priced per deal.
    sales_negotiated: bool = False


@dataclass(frozen=True)
class AddOn:
    id: str
    name: str
    currencies: tuple[str, ...]
    available_for: tuple[str, ...] = ()
    prices: Mapping[str, Price] = field(default_factory=dict)
    entitlements: Mapping[str, Entitlement] = field(default_factory=dict)
    description: str | None = None
    sales_negotiated: bool = False  # "Contact sales": offered, priced per deal


@dataclass(frozen=True)
class GrandfatheringRule:
    id: str
    release: str
    plans: tuple[str, ...] = ()
    subscribed_before: date | None = None
    customers: tuple[str, ...] = ()
    until: date | None = None


# --- the catalog -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceMap:
    """Positions of catalog nodes, keyed by their path inside the catalog.

    ``locate`` falls back to the nearest ancestor that has a position, so a finding about a
    missing key points at the mapping that lacks it.
    """

    positions: Mapping[CatalogPath, Position] = field(default_factory=dict)
    files: tuple[str, ...] = ()

    def locate(self, path: CatalogPath) -> Position | None:
        p = tuple(path)
        while True:
            pos = self.positions.get(p)
            if pos is not None or not p:
                return pos
            p = p[:-1]


@dataclass(frozen=True)
class Catalog:
    id: str
    name: str
    currency: str
    rounding: str = "half_up"
    timezone: str = "UTC"
    meters: Mapping[str, Meter] = field(default_factory=dict)
    features: Mapping[str, Feature] = field(default_factory=dict)
    skus: Mapping[str, Sku] = field(default_factory=dict)
    plans: Mapping[str, Plan] = field(default_factory=dict)
    add_ons: Mapping[str, AddOn] = field(default_factory=dict)
    grandfathering: Mapping[str, GrandfatheringRule] = field(default_factory=dict)
    description: str | None = None
    source: SourceMap = field(default_factory=SourceMap, compare=False, repr=False)

    def locate(self, path: CatalogPath) -> Position | None:
        return self.source.locate(path)
