"""Pricing2Yaml -> pricebook catalogs.

Pricing2Yaml (ISA Group, University of Seville) describes one SaaS pricing page: ``features`` and
``usageLimits`` with defaults, ``plans`` that list only the values that differ from the defaults, and
``addOns``. ``convert`` maps one parsed file to catalog data split into three files; ``import_files``
converts, writes and validates many. The mapping is documented, row by row, in
``docs/import-pricing2yaml.md``; everything it cannot express becomes an ``ImportIssue``.

Numbers are read from their source text (``load.yamlsrc``), so ``8.75`` is exactly 8.75.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from pricebook.diagnostics import CatalogPath, Diagnostic, Position, format_path
from pricebook.errors import InputError, UsageError
from pricebook.importers.report import FileResult, ImportIssue, ImportReport
from pricebook.importers.yamlout import Flow, FlowList, to_yaml
from pricebook.load.dump import dec
from pricebook.load.yamlsrc import parse_decimal

# Pricing2Yaml files write "unlimited" as .inf or as a huge number; from 10^9 up we read "unlimited".
UNLIMITED_FROM = Decimal(10) ** 9
UNLIMITED_WORDS = {".inf", "inf", "+.inf", "infinity", "unlimited", "∞"}
SEAT_WORDS = {"user", "users", "member", "members", "editor", "editors", "person", "persons", "people",
              "seat", "seats"}
PERIODS = {"month": "month", "mo": "month", "monthly": "month", "year": "year", "yr": "year",
           "annual": "year", "yearly": "year"}
OUTPUT_FILES = ("catalog.yaml", "plans.yaml", "add_ons.yaml")

_TOP_KEYS = {"syntaxVersion", "saasName", "createdAt", "version", "currency", "url", "billing", "features",
             "usageLimits", "plans", "addOns"}
_FEATURE_KEYS = {"description", "valueType", "defaultValue"}
_LIMIT_KEYS = {"description", "valueType", "defaultValue", "unit", "type", "linkedFeatures"}
# Attributes that classify features for analysis; a catalog has no place for them.
_METADATA_KEYS = {"type", "integrationType", "automationType", "paymentType", "pricingUrls", "pricingsUrls",
                  "docUrl", "tag", "render", "expression", "serverExpression", "tags"}
_PLAN_KEYS = {"description", "price", "unit", "features", "usageLimits"}
_ADDON_KEYS = {"description", "availableFor", "price", "unit", "features", "usageLimits",
               "usageLimitsExtensions", "excludes", "dependsOn"}
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def slugify(name: str) -> str:
    """A catalog id from a Pricing2Yaml key: ``BUSINESS_PLUS`` -> ``business-plus``,
    ``useMessagesAccess`` -> ``use-messages-access``, ``Buffer - Publish`` -> ``buffer-publish``."""
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1-\2", str(name))
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1-\2", s)
    s = re.sub(r"[^A-Za-z0-9]+", "-", s).strip("-").lower()
    return s or "x"


class _Ids:
    """Unique ids in one namespace: the same source key always gets the same id."""

    def __init__(self, reserved: Iterable[str] = ()) -> None:
        self.taken: set[str] = set(reserved)
        self.by_key: dict[Any, str] = {}

    def get(self, key: Any, base: str) -> str:
        if key in self.by_key:
            return self.by_key[key]
        candidate, n = base, 2
        while candidate in self.taken:
            candidate, n = f"{base}-{n}", n + 1
        self.taken.add(candidate)
        self.by_key[key] = candidate
        return candidate


# a YAML 1.2 number, as the page's price may be written: one that is no billable amount is reported
_YAML_NUMBER = re.compile(r"[+-]?(?:\.(?:inf|Inf|INF|nan|NaN|NAN)"
                          r"|(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)")


def show(value: Any) -> str:
    """A source value for a message: numbers as written (``8.75``, not ``Decimal('8.75')``)."""
    if isinstance(value, Decimal):
        return dec(value)
    if isinstance(value, list):
        return "[" + ", ".join(show(v) for v in value) + "]"
    return repr(value)


def money(d: Decimal) -> str:
    """An amount as catalog text: at least two decimals (``15`` -> ``"15.00"``), never less exact."""
    norm = d.normalize()
    exponent = norm.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -2:
        norm = norm.quantize(Decimal("0.01"))
    return dec(norm)


@dataclass(frozen=True)
class UnitSpec:
    """A parsed price unit. ``kind``: flat | per_unit | package | one_time."""

    kind: str
    thing: str | None = None  # what is counted: "seat", "channel", "active hour"
    package_size: Decimal | None = None
    period: str | None = None  # month | year; None: a charge per use
    qualifier: str | None = None  # e.g. "workspace" in user/month/workspace (not representable)


def parse_unit(unit: Any) -> UnitSpec:
    """``user/month`` -> per seat monthly; ``/month`` -> flat; ``500 users/month`` -> a package of 500
    seats; ``channel/year`` -> per channel yearly; ``activeHour`` -> per active hour used."""
    if unit is None:
        return UnitSpec("flat", period="month")
    text = str(unit).strip()
    low = text.lower()
    if low in ("", "forever", "free"):
        return UnitSpec("flat", period="month")
    if re.search(r"one[\s-]*time", low):
        return UnitSpec("one_time")
    low = re.sub(r"^per\s+", "", low)
    low = re.sub(r"^[a-z]{3}/", "", low) if re.match(r"^(usd|eur|gbp)/", low) else low
    parts = [p.strip() for p in low.split("/")]
    period = None
    rest: list[str] = []
    for p in parts:
        if p in PERIODS and period is None:
            period = PERIODS[p]
        else:
            rest.append(p)
    rest = [p for p in rest if p]
    if not rest:
        return UnitSpec("flat", period=period or "month")
    thing, qualifier = rest[0], ("/".join(rest[1:]) or None)
    # camelCase units: activeHour -> active hour, phoneNumber -> phone number; GB stays GB
    original = _original_case(str(unit), thing)
    thing = original if original.isupper() else re.sub(r"([a-z])([A-Z])", r"\1 \2", original).lower()
    size = None
    m = re.match(r"^(\d+(?:\.\d+)?)\s+(.+)$", thing)
    if m:
        size, thing = Decimal(m.group(1)), m.group(2)
    if thing in SEAT_WORDS:
        thing = "seat"
    return UnitSpec("package" if size is not None else "per_unit", thing=thing, package_size=size,
                    period=period, qualifier=qualifier)


def _title(thing: str) -> str:
    return thing if thing.isupper() else thing[:1].upper() + thing[1:]


def _original_case(unit: str, lowered: str) -> str:
    i = unit.lower().find(lowered)
    return unit[i:i + len(lowered)] if i >= 0 else lowered


@dataclass
class Converted:
    """One converted file: the catalog's files (name -> YAML text), its plain data and the report."""

    catalog_id: str
    saas_name: str
    created_at: str
    url: str | None
    files: dict[str, str]
    data: dict[str, Any]
    issues: list[ImportIssue]
    stats: dict[str, int] = field(default_factory=dict)


class _Converter:
    def __init__(self, doc: Mapping[str, Any], positions: Mapping[CatalogPath, Position], source: str,
                 catalog_id: str | None) -> None:
        self.doc = doc
        self.positions = positions
        self.source = source
        self.issues: list[ImportIssue] = []
        self.catalog_id = catalog_id
        self.meter_ids = _Ids()
        self.feature_ids = _Ids()
        self.sku_ids = _Ids({"subscription", "seats"})
        self.plan_ids = _Ids()
        self.addon_ids = _Ids()
        self.meters: dict[str, Any] = {}
        self.features: dict[str, Any] = {}
        self.skus: dict[str, Any] = {}
        # source key -> (kind, feature id, default); kind: boolean | quantity | metered
        self.entitled: dict[tuple[str, str], tuple[str, str, Any]] = {}
        self.text_features: dict[str, tuple[Any, dict[str, Any]]] = {}

    # --- report ------------------------------------------------------------------------------
    def issue(self, path: CatalogPath, category: str, reason: str) -> None:
        pos = self.positions.get(path)
        self.issues.append(ImportIssue(self.source, format_path(path), category, reason,
                                       pos.line if pos else None))

    # --- values ------------------------------------------------------------------------------
    def number(self, value: Any) -> Decimal | None:
        return parse_decimal(value) if not isinstance(value, bool) else None

    def limit(self, value: Any, path: CatalogPath) -> Decimal | str | None:
        """A usage limit value: a Decimal, "unlimited", or None (reported) when it is not a number."""
        if isinstance(value, str) and value.strip().lower() in UNLIMITED_WORDS:
            return "unlimited"
        d = self.number(value)
        if d is None or d < 0:
            self.issue(path, "invalid-value", f"usage limit {show(value)} is not a non-negative number")
            return None
        return "unlimited" if d >= UNLIMITED_FROM else d

    @staticmethod
    def override_value(v: Any) -> Any:
        return v.get("value") if isinstance(v, Mapping) and "value" in v else v

    # --- features and usage limits -----------------------------------------------------------
    def read_features(self) -> None:
        metadata: dict[str, list[tuple[CatalogPath, Any]]] = {}
        for key, f in self.section(self.doc.get("features"), ("features",)).items():
            path: CatalogPath = ("features", key)
            if not isinstance(f, Mapping):
                self.issue(path, "invalid-value", "feature is not a mapping")
                continue
            for attr, v in f.items():
                if attr in _METADATA_KEYS:
                    metadata.setdefault(str(attr), []).append(((*path, attr), v))
                elif attr not in _FEATURE_KEYS:
                    self.issue((*path, attr), "unknown-key", f"feature attribute '{attr}' is not imported")
            vt = str(f.get("valueType") or "").upper()
            default = f.get("defaultValue")
            if vt == "BOOLEAN":
                if not isinstance(default, bool):
                    self.issue((*path, "defaultValue"), "invalid-value",
                               f"BOOLEAN feature with default {show(default)}; imported as false")
                    default = False
                fid = self.feature_ids.get(key, slugify(key))
                self.features[fid] = self.prune({"name": str(key), "type": "boolean",
                                                 "description": self.text(f.get("description"))})
                self.entitled[("features", key)] = ("boolean", fid, default)
            elif vt == "NUMERIC":
                self.limit_feature(("features", key), f, path)
            elif vt == "TEXT":
                self.text_features[key] = (default, {})
            else:
                self.issue((*path, "valueType"), "invalid-value", f"unknown valueType {f.get('valueType')!r}")
        for attr, seen in sorted(metadata.items()):
            values = sorted({str(v) for _, v in seen if not isinstance(v, (list, dict))})
            example = f" (e.g. {', '.join(values[:3])})" if values else ""
            path = ("features", "*", attr)
            first = self.positions.get(seen[0][0])
            reason = (f"{len(seen)} features carry '{attr}'{example}: classification metadata has no place "
                      "in a catalog")
            self.issues.append(ImportIssue(self.source, format_path(path), "metadata", reason,
                                           first.line if first else None))

    def read_limits(self) -> None:
        for key, u in self.section(self.doc.get("usageLimits"), ("usageLimits",)).items():
            path: CatalogPath = ("usageLimits", key)
            if not isinstance(u, Mapping):
                self.issue(path, "invalid-value", "usage limit is not a mapping")
                continue
            for attr in u:
                if attr not in _LIMIT_KEYS:
                    self.issue((*path, attr), "unknown-key",
                               f"usage limit attribute '{attr}' is not imported")
            vt = str(u.get("valueType") or "NUMERIC").upper()
            if vt == "BOOLEAN":
                default = u.get("defaultValue")
                if not isinstance(default, bool):
                    self.issue((*path, "defaultValue"), "invalid-value",
                               f"BOOLEAN usage limit with default {show(default)}; imported as false")
                    default = False
                fid = self.feature_ids.get(("usageLimits", key), slugify(key))
                self.features[fid] = self.prune({"name": str(key), "description": self.limit_description(u),
                                                 "type": "boolean"})
                self.entitled[("usageLimits", key)] = ("boolean", fid, default)
            elif vt == "NUMERIC":
                self.limit_feature(("usageLimits", key), u, path)
            else:
                self.issue((*path, "valueType"), "invalid-value",
                           f"usage limit of valueType {u.get('valueType')!r} cannot be a pricebook limit")

    def limit_feature(self, ref: tuple[str, str], u: Mapping[str, Any], path: CatalogPath) -> None:
        key = ref[1]
        unit = self.text(u.get("unit"))
        default = self.limit(u.get("defaultValue"), (*path, "defaultValue"))
        if default is None:
            default = Decimal(0)
        fid = self.feature_ids.get(ref, slugify(key))
        feature: dict[str, Any] = {"name": str(key), "description": self.limit_description(u)}
        if str(u.get("type") or "").upper() == "RENEWABLE" and unit:
            mid = self.meter_ids.get(("limit", ref), fid)
            self.meters[mid] = self.prune({"name": str(key), "unit": unit.split("/")[0].strip() or unit,
                                           "aggregation": "sum"})
            feature.update(type="metered", meter=mid)
            kind = "metered"
        else:
            feature.update(type="quantity", unit=unit)
            kind = "quantity"
        self.features[fid] = self.prune(feature)
        self.entitled[ref] = (kind, fid, default)

    def limit_description(self, u: Mapping[str, Any]) -> str | None:
        desc = self.text(u.get("description"))
        linked = [str(x) for x in u.get("linkedFeatures") or [] if x is not None] \
            if isinstance(u.get("linkedFeatures"), list) else []
        if linked:
            note = f"Limits: {', '.join(linked)}."
            desc = f"{desc} {note}" if desc else note
        return desc

    # --- entitlements ------------------------------------------------------------------------
    def entitlement(self, kind: str, value: Any) -> Any:
        if kind == "metered":
            return Flow(limit=value, enforcement="hard")
        return value

    def overrides(self, owner: Mapping[str, Any], path: CatalogPath, owner_label: str
                  ) -> dict[tuple[str, str], Any]:
        """The feature and usage-limit values an owner (plan or add-on) sets, checked and converted."""
        out: dict[tuple[str, str], Any] = {}
        for section in ("features", "usageLimits"):
            for key, raw in self.section(owner.get(section), (*path, section)).items():
                vpath = (*path, section, key)
                value = self.override_value(raw)
                ref = (section, str(key))
                if section == "features" and key in self.text_features:
                    self.text_features[key][1][owner_label] = value
                    continue
                if ref not in self.entitled:
                    what = "feature" if section == "features" else "usage limit"
                    self.issue(vpath, "unknown-reference", f"{what} '{key}' is not defined in the file")
                    continue
                kind, _, _ = self.entitled[ref]
                if kind == "boolean":
                    if not isinstance(value, bool):
                        self.issue(vpath, "invalid-value",
                                   f"boolean '{key}' set to {show(value)}; default kept")
                        continue
                    out[ref] = value
                else:
                    lim = self.limit(value, vpath)
                    if lim is not None:
                        out[ref] = lim
        return out

    def plan_entitlements(self, values: Mapping[tuple[str, str], Any]) -> dict[str, Any]:
        """Every feature, with the plan's value or the file's default (Pricing2Yaml lists overrides)."""
        ents: dict[str, Any] = {}
        for ref, (kind, fid, default) in self.entitled.items():
            ents[fid] = self.entitlement(kind, values.get(ref, default))
        return ents

    # --- prices ------------------------------------------------------------------------------
    def unit_meter(self, spec: UnitSpec) -> str:
        thing = spec.thing or "unit"
        if thing == "seat":
            mid = self.meter_ids.get(("unit", "seat"), "seats")
            self.meters[mid] = {"name": "Seats", "unit": "seat", "aggregation": "max"}
            return mid
        mid = self.meter_ids.get(("unit", thing), slugify(thing))
        # Something held during a period (channels, domains) is counted at its peak; something used
        # (active hours, messages) is summed.
        self.meters[mid] = {"name": _title(thing), "unit": thing,
                            "aggregation": "max" if spec.period else "sum"}
        return mid

    def price_spec(self, spec: UnitSpec, amount: Decimal) -> Flow:
        m = money(amount)
        if spec.kind == "flat":
            return Flow(model="flat", amount=m)
        if spec.kind == "package":
            return Flow(model="package", package_size=spec.package_size, package_price=m)
        return Flow(model="per_unit", unit_price=m)

    def plan_sku(self, spec: UnitSpec, saas: str) -> str:
        if spec.kind == "flat":
            self.skus["subscription"] = {"name": f"{saas} subscription"}
            return "subscription"
        mid = self.unit_meter(spec)
        if mid == "seats":
            self.skus["seats"] = {"name": "Seats", "meter": "seats"}
            return "seats"
        sid = self.sku_ids.get(("unit", mid), mid)
        self.skus[sid] = {"name": _title(spec.thing or mid), "meter": mid}
        return sid

    # --- the file ----------------------------------------------------------------------------
    def run(self) -> Converted:
        doc = self.doc
        saas = doc.get("saasName")
        if not isinstance(saas, str) or not saas.strip():
            raise InputError(f"{self.source}: not a Pricing2Yaml file: no 'saasName'")
        if not isinstance(doc.get("plans"), Mapping) or not doc["plans"]:
            raise InputError(f"{self.source}: not a Pricing2Yaml file: no 'plans' mapping")
        saas = saas.strip()
        created = str(doc.get("createdAt") or "").strip()
        for key in doc:
            if key == "tags":
                self.issue((key,), "metadata", "'tags' (feature groups) are not imported")
            elif key not in _TOP_KEYS:
                self.issue((key,), "unknown-key", f"top-level key '{key}' is not imported")
        currency = str(doc.get("currency") or "").strip().upper()
        if not _CURRENCY.match(currency):
            self.issue(("currency",), "invalid-value", f"currency {doc.get('currency')!r} is not an ISO 4217 "
                       "code; USD assumed")
            currency = "USD"
        annual = self.billing()

        self.read_features()
        self.read_limits()

        plans: dict[str, Any] = {}
        plan_map: dict[str, list[str]] = {}  # source plan key -> plan ids (with its annual variant)
        stats = {"plans": 0, "sales_negotiated": 0, "annual_plans": 0}
        for key, p in doc["plans"].items():
            path: CatalogPath = ("plans", key)
            if not isinstance(p, Mapping):
                self.issue(path, "invalid-value", "plan is not a mapping; skipped")
                continue
            for attr in p:
                if attr not in _PLAN_KEYS:
                    self.issue((*path, attr), "unknown-key", f"plan attribute '{attr}' is not imported")
            pid = self.plan_ids.get(key, slugify(key))
            ents = self.plan_entitlements(self.overrides(p, path, str(key)))
            plan: dict[str, Any] = {"name": str(key)}
            desc = self.text(p.get("description"))
            price = p.get("price")
            amount = self.number(price)
            spec = parse_unit(p.get("unit"))
            if amount is not None and amount < 0:
                self.issue((*path, "price"), "invalid-value", f"negative price {show(price)}; imported as "
                           "sales-negotiated")
                amount = None
            if amount is not None and spec.kind == "one_time":
                self.issue((*path, "unit"), "one-time-price", f"one-time price {price} ({p.get('unit')}); "
                           "imported as sales-negotiated")
                amount = None
            if amount is None:
                shown = "none given" if price is None else show(price)
                if price is None:
                    self.issue((*path, "price"), "invalid-value",
                               "plan has no price; imported as sales-negotiated")
                elif isinstance(price, (bool, int, float, Decimal)) or (  # no-float-ok
                        isinstance(price, str) and _YAML_NUMBER.fullmatch(price.strip())):
                    # a number no amount can hold (1e25, 1e-19, .inf) or a boolean: not page text
                    self.issue((*path, "price"), "invalid-value", f"price {show(price)} is not an amount "
                               "pricebook can bill; imported as sales-negotiated")
                desc = f"{desc} " if desc else ""
                desc += f"Price on the pricing page: {shown}."
                plan.update(description=desc, billing_period="month", sales_negotiated=True, prices={})
                stats["sales_negotiated"] += 1
            else:
                if spec.qualifier:
                    self.issue((*path, "unit"), "unit", f"'/{spec.qualifier}' in unit '{p.get('unit')}' is "
                               "not represented: the price is per " + (spec.thing or "period"))
                sku = self.plan_sku(spec, saas)
                plan.update(description=desc, billing_period=spec.period or "month",
                            prices={sku: self.price_spec(spec, amount)})
            plan["entitlements"] = ents
            plans[pid] = self.prune(plan)
            plan_map[str(key)] = [pid]
            stats["plans"] += 1
            if annual is not None and amount is not None and plans[pid]["billing_period"] == "month":
                aid = self.plan_ids.get(("annual", key), f"{pid}-annual")
                yearly = {sku: self.scale(spec_, Decimal(12) * annual)
                          for sku, spec_ in plans[pid]["prices"].items()}
                plans[aid] = self.prune({
                    "name": f"{key} (annual)",
                    "description": f"{key} billed yearly: 12 months at the annual factor {dec(annual)}.",
                    "billing_period": "year", "prices": yearly, "entitlements": dict(ents)})
                plan_map[str(key)].append(aid)
                stats["plans"] += 1
                stats["annual_plans"] += 1

        add_ons = self.read_add_ons(plan_map, plans)
        for key, (default, values) in self.text_features.items():
            shown = ", ".join(f"{k}={show(v)}" for k, v in list(values.items())[:3])
            more = f" (+{len(values) - 3} more)" if len(values) > 3 else ""
            plans_part = f"; {shown}{more}" if shown else ""
            self.issue(("features", key), "text-feature",
                       f"TEXT feature (default {show(default)}{plans_part}): entitlements are booleans or "
                       "limits")

        cid = self.catalog_id or slugify(saas)
        described = ", ".join(x for x in (f"captured {created}" if created else "",
                                          f"version {doc.get('version')}" if doc.get("version") else "") if x)
        syntax = f" {doc['syntaxVersion']}" if doc.get("syntaxVersion") else ""
        page = f": {doc['url']}" if doc.get("url") else ""
        head = self.prune({
            "id": cid, "name": saas, "currency": currency,
            "description": f"{saas} pricing page{' (' + described + ')' if described else ''}, imported from "
                           f"Pricing2Yaml{syntax}{page}",
        })
        data = {"catalog": head, "meters": self.meters, "features": self.features, "skus": self.skus,
                "plans": plans, "add_ons": add_ons}
        header = (f"Imported by `pricebook import pricing2yaml` from {self.source}\n"
                  f"{saas}, captured {created or 'undated'}{page}")
        files = {
            "catalog.yaml": to_yaml({"catalog": head, "meters": self.meters, "features": self.features,
                                     "skus": self.skus}, header),
            "plans.yaml": to_yaml({"plans": plans}, header),
            "add_ons.yaml": to_yaml({"add_ons": add_ons}, header),
        }
        stats.update(features=len(self.features), add_ons=len(add_ons))
        return Converted(cid, saas, created, str(doc["url"]) if doc.get("url") else None, files, data,
                         self.issues, stats)

    def billing(self) -> Decimal | None:
        """The annual factor (annual price per month / monthly price), when the file gives one."""
        billing = self.doc.get("billing")
        if billing is None:
            return None
        if not isinstance(billing, Mapping):
            self.issue(("billing",), "billing", f"billing {billing!r} is not a mapping of factors")
            return None
        annual: Decimal | None = None
        for key, v in billing.items():
            factor = self.number(v)
            if factor is None or factor <= 0:
                self.issue(("billing", key), "billing", f"billing factor {show(v)} is not a positive number")
            elif key == "monthly":
                if factor != 1:
                    self.issue(("billing", key), "billing", f"monthly factor {v} is not 1: list prices kept "
                               "as written")
            elif key == "annual":
                annual = factor
            else:
                self.issue(("billing", key), "billing",
                           f"billing period '{key}' has no pricebook plan period")
        return annual

    @staticmethod
    def scale(spec: Mapping[str, Any], factor: Decimal) -> Flow:
        out = Flow(spec)
        for k in ("amount", "unit_price", "package_price"):
            if k in out:
                out[k] = money(Decimal(out[k]) * factor)
        return out

    def read_add_ons(self, plan_map: Mapping[str, list[str]], plans: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        saas_plans = [pid for ids in plan_map.values() for pid in ids]
        for key, a in self.section(self.doc.get("addOns"), ("addOns",)).items():
            path: CatalogPath = ("addOns", key)
            if not isinstance(a, Mapping):
                self.issue(path, "invalid-value", "add-on is not a mapping; skipped")
                continue
            for attr in a:
                if attr not in _ADDON_KEYS:
                    self.issue((*path, attr), "unknown-key", f"add-on attribute '{attr}' is not imported")
            aid = self.addon_ids.get(key, slugify(key))
            available: list[str] = []
            raw_for = a.get("availableFor")
            if raw_for is None:
                available = list(saas_plans)  # Pricing2Yaml: no availableFor means every plan
            else:
                for i, plan_key in enumerate(raw_for if isinstance(raw_for, list) else [raw_for]):
                    if str(plan_key) in plan_map:
                        available.extend(plan_map[str(plan_key)])
                    else:
                        self.issue((*path, "availableFor", i), "unknown-reference",
                                   f"add-on is available for '{plan_key}', which is not a plan of the file")
            addon: dict[str, Any] = {"name": str(key), "description": self.text(a.get("description")),
                                     "available_for": FlowList(available)}
            price, amount = a.get("price"), self.number(a.get("price"))
            spec = parse_unit(a.get("unit"))
            prices: dict[str, Any] = {}
            if amount is None and isinstance(price, str) and price.strip():
                addon["sales_negotiated"] = True  # "Contact Sales", "See Rates": priced per deal
            elif amount is None:
                self.issue((*path, "price"), "addon-price-not-numeric",
                           f"add-on price {show(price)}: imported without a price")
            elif amount < 0:
                self.issue((*path, "price"), "invalid-value",
                           f"negative add-on price {show(price)}: imported without a price")
            elif spec.kind == "one_time":
                self.issue((*path, "unit"), "one-time-price",
                           f"one-time price {price} ({a.get('unit')}): imported without a price")
            else:
                sid = self.sku_ids.get(("addon", key), aid)
                sku: dict[str, Any] = {"name": str(key)}
                if spec.kind != "flat":
                    sku["meter"] = self.unit_meter(spec)
                self.skus[sid] = sku
                prices[sid] = self.price_spec(spec, amount)
                if spec.qualifier:
                    self.issue((*path, "unit"), "unit",
                               f"'/{spec.qualifier}' in unit '{a.get('unit')}' is not represented")
                periods = {plans[p].get("billing_period") for p in available if p in plans}
                if spec.period and periods and periods != {spec.period}:
                    billed = "/".join(sorted(str(p) for p in periods))
                    self.issue((*path, "unit"), "unit",
                               f"priced per {spec.period} ({a.get('unit')}), but available for plans billed "
                               f"per {billed}: add-ons follow their plan's period")
            addon["prices"] = prices
            values = self.overrides(a, path, f"add-on {key}")
            ents = {self.entitled[ref][1]: self.entitlement(self.entitled[ref][0], v)
                    for ref, v in values.items()}
            if ents:
                addon["entitlements"] = ents
            extensions = self.section(a.get("usageLimitsExtensions"), (*path, "usageLimitsExtensions"))
            for ext, v in extensions.items():
                self.issue((*path, "usageLimitsExtensions", ext), "limit-extension",
                           f"raises '{ext}' by {show(self.override_value(v))} per unit: add-on entitlements "
                           "set limits, they do not add to them")
            for rel in ("excludes", "dependsOn"):
                if a.get(rel):
                    others = a[rel] if isinstance(a[rel], list) else [a[rel]]
                    names = ", ".join(str(o) for o in others)
                    self.issue((*path, rel), "addon-constraint",
                               f"{rel} {names}: add-on constraints are not modelled")
            out[aid] = self.prune(addon)
        return out

    # --- small helpers -----------------------------------------------------------------------
    def section(self, value: Any, path: CatalogPath) -> Mapping[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.issue(path, "invalid-value", f"expected a mapping, found {type(value).__name__}")
            return {}
        return value

    @staticmethod
    def text(value: Any) -> str | None:
        if value is None:
            return None
        s = " ".join(str(value).split())
        return s or None

    @staticmethod
    def prune(d: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in d.items() if v is not None}


def read_pricing(path: Path, display: str | None = None
                 ) -> tuple[Mapping[str, Any], Mapping[CatalogPath, Position]]:
    """Parse one Pricing2Yaml file exactly (numbers as Decimal); InputError when it cannot be read."""
    from pricebook.load.yamlsrc import parse_yaml

    name = display or str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {name}: {exc.strerror or exc}") from exc
    parsed = parse_yaml(raw, name)
    errors = [d for d in parsed.diagnostics if d.severity == "error"]
    if errors or not parsed.ok:
        d = errors[0] if errors else parsed.diagnostics[0]
        raise InputError(f"{d.location}: {d.message}")
    if not isinstance(parsed.data, Mapping):
        raise InputError(f"{name}: not a Pricing2Yaml file: the document is not a mapping")
    return parsed.data, parsed.positions


def convert(doc: Mapping[str, Any], source: str, positions: Mapping[CatalogPath, Position] | None = None,
            catalog_id: str | None = None) -> Converted:
    """Convert one parsed Pricing2Yaml document into catalog files. ``catalog_id`` overrides the id
    derived from ``saasName`` (a product's history keeps one id while its name changes)."""
    return _Converter(doc, positions or {}, source, catalog_id).run()


def expand_inputs(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given; a folder stands for every ``*.yml``/``*.yaml`` under it, sorted."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(q for q in p.rglob("*") if q.suffix in (".yml", ".yaml") and q.is_file())
            if not found:
                raise InputError(f"{p}: no *.yml or *.yaml files in this folder")
            out.extend(found)
        elif p.is_file():
            out.append(p)
        else:
            raise InputError(f"{p}: no such file or folder")
    if not out:
        raise UsageError("give at least one Pricing2Yaml file or folder")
    return out


def write_catalog(folder: Path, files: Mapping[str, str]) -> None:
    """Write one catalog's files atomically, refusing a folder that holds other catalog files."""
    from pricebook.fsutil import write_all_atomic

    check_target(folder)
    write_all_atomic((folder / name, text) for name, text in files.items())


def check_target(folder: Path) -> None:
    if folder.is_dir():
        foreign = sorted(str(q.relative_to(folder)) for q in folder.rglob("*")
                         if q.suffix in (".yml", ".yaml") and q.name not in OUTPUT_FILES
                         and "releases" not in q.relative_to(folder).parts)
        if foreign:
            raise UsageError(f"{folder} already holds other catalog files ({', '.join(foreign[:3])}); "
                             "import into an empty folder")


def folder_name(conv: Converted, source: Path, taken: set[str]) -> str:
    year = conv.created_at[:4] if re.match(r"^\d{4}", conv.created_at) else slugify(source.stem)
    name = f"{conv.catalog_id}-{year}"
    if name in taken and conv.created_at:
        name = f"{conv.catalog_id}-{slugify(conv.created_at)}"
    base, n = name, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    taken.add(name)
    return name


def import_files(paths: Iterable[str | Path], out: str | Path, validate: bool = True,
                 strict: bool = False) -> ImportReport:
    """Convert every Pricing2Yaml file (folders expand to their files) into ``out/<saas>-<year>/``,
    then validate each written catalog. Every file is parsed and converted before anything is
    written, so a malformed input (InputError) leaves ``out`` untouched; so does ``strict`` when any
    item could not be mapped (the report then has ``written=False``)."""
    sources = expand_inputs(paths)
    out_dir = Path(out)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"--out {out_dir} is a file, not a folder")
    converted: list[tuple[Path, Converted, Path]] = []
    taken: set[str] = set()
    for src in sources:
        display = str(src)
        doc, positions = read_pricing(src, display)
        conv = convert(doc, display, positions)
        target = out_dir / folder_name(conv, src, taken)
        check_target(target)
        converted.append((src, conv, target))
    if strict and any(conv.issues for _, conv, _ in converted):
        return ImportReport([file_result(conv, str(src), str(target)) for src, conv, target in converted],
                            written=False)
    report = ImportReport()
    # fsync dominates writing many small files; overlapping the catalogs' writes hides most of it
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda item: write_catalog(item[2], item[1].files), converted))
    for src, conv, target in converted:
        result = file_result(conv, str(src), str(target))
        if validate:
            result.diagnostics = validate_written(target, conv.files)
        report.files.append(result)
    return report


def file_result(conv: Converted, source: str, catalog_dir: str) -> FileResult:
    """The report entry of one converted file (validation findings are added by the caller)."""
    st = conv.stats
    return FileResult(source, catalog_dir, conv.catalog_id, conv.created_at, plans=st["plans"],
                      sales_negotiated=st["sales_negotiated"], annual_plans=st["annual_plans"],
                      features=st["features"], add_ons=st["add_ons"], issues=conv.issues)


def validate_written(folder: Path, files: Mapping[str, str]) -> list[Diagnostic]:
    """Validate a catalog just written to ``folder`` from the texts written (no second read)."""
    from pricebook.load import SourceFile, load_sources
    from pricebook.validation import check_loaded

    sources = [SourceFile(str(folder / name), text.encode("utf-8")) for name, text in sorted(files.items())]
    return check_loaded(load_sources(sources), root=folder).diagnostics
