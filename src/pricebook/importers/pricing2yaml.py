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
from pricebook.settings import SETTINGS_NAMES

# Pricing2Yaml files write "unlimited" as .inf or as a huge number; from 10^9 up we read "unlimited".
UNLIMITED_FROM = Decimal(10) ** 9
UNLIMITED_WORDS = {".inf", "inf", "+.inf", "infinity", "unlimited", "∞"}
SEAT_WORDS = {"user", "users", "member", "members", "editor", "editors", "person", "persons", "people",
              "seat", "seats"}
PERIODS = {"month": "month", "mo": "month", "monthly": "month", "year": "year", "yr": "year",
           "annual": "year", "yearly": "year",
           # no pricebook period: a quarter is billed yearly (4 x, exact), a week or a day not at all
           "quarter": "quarter", "quarterly": "quarter", "qtr": "quarter", "week": "week", "weekly": "week",
           "wk": "week", "day": "day", "daily": "day"}
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


# a price written with a currency mark around a plain decimal: "€9.99", "$10", "12 USD", "USD 12"
_DECORATED = re.compile(r"(?P<pre>[^\d\s.,+-]*)\s*(?P<num>\d[\d.,]*)\s*(?P<post>[^\d\s.,]*)")
# currency symbols and the ISO 4217 codes each may stand for ("$" is the dollar of several countries)
CURRENCY_SIGNS: dict[str, frozenset[str]] = {
    "$": frozenset({"USD", "CAD", "AUD", "NZD", "SGD", "HKD", "MXN"}), "US$": frozenset({"USD"}),
    "€": frozenset({"EUR"}), "£": frozenset({"GBP"}), "¥": frozenset({"JPY", "CNY"}), "₹": frozenset({"INR"}),
    "R$": frozenset({"BRL"}), "zł": frozenset({"PLN"}), "kr": frozenset({"SEK", "NOK", "DKK"}),
}


def read_price(price: Any, currency: str) -> tuple[Decimal | None, str | None]:
    """A plan's or add-on's ``price``: ``(amount, None)`` when it is one; ``(None, None)`` for page text
    with no figure in it ("Contact Sales", "Custom", "Let's Talk"), which is priced per deal; and
    ``(None, reason)`` for anything else, which must be reported: no price, an empty one, a number no
    amount can hold, "9,99" (a decimal comma or a thousands separator? not guessed), a figure in another
    currency than the file's. A plain decimal with the file's currency sign or code ("€9.99" in a EUR
    file, "12 USD" in a USD one) is that amount; "Free" is 0."""
    if price is None:
        return None, "no price given"
    amount = parse_decimal(price) if not isinstance(price, bool) else None
    if amount is not None:
        return amount, None
    if not isinstance(price, str) or _YAML_NUMBER.fullmatch(price.strip()):
        # a number no amount can hold (1e25, 1e-19, .inf) or a boolean: not page text
        return None, f"price {show(price)} is not an amount pricebook can bill"
    text = price.strip()
    if not text:
        return None, f"price {show(price)} is empty"
    if text.lower() == "free":
        return Decimal(0), None
    if not any(c.isdigit() for c in text):
        return None, None
    m = _DECORATED.fullmatch(text)
    if m is not None and "," in m["num"]:
        return None, f"price {show(price)} is ambiguous (a decimal comma or a thousands separator?)"
    if m is None or bool(m["pre"]) == bool(m["post"]):
        return None, f"price {show(price)} is not an amount"
    mark = m["pre"] or m["post"]
    codes = CURRENCY_SIGNS.get(mark) or (frozenset({mark.upper()}) if _CURRENCY.match(mark.upper())
                                         and mark.isalpha() else None)
    value = parse_decimal(m["num"])
    if codes is None or value is None:
        return None, f"price {show(price)} is not an amount"
    if currency not in codes:
        return None, f"price {show(price)} is not in the file's currency, {currency}"
    return value, None


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
    period: str | None = None  # month | year | quarter | week | day; None: a charge per use
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
    low = re.sub(r"\s+per\s+", "/", low)  # "user per month" is "user/month"
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


@dataclass(frozen=True)
class Billed:
    """A price in a period pricebook bills: ``period`` month | year | None (a charge per use), the amount
    for it, and ``note`` when the page's period was converted (quarter) or cannot be (``ok`` False)."""

    ok: bool
    period: str | None
    amount: Decimal
    note: str | None = None


def billed(spec: UnitSpec, amount: Decimal, unit: Any) -> Billed:
    """A quarter is billed yearly at 4 x the price, exactly (a third of it is no exact monthly amount
    in general); a week or a day is no exact part of a month or a year, so that price is not billed."""
    if spec.period == "quarter":
        yearly = amount * 4
        note = (f"priced per quarter ({unit}): billed yearly at 4 x {dec(amount)} = {dec(yearly)} "
                "(pricebook bills per month or year)")
        return Billed(True, "year", yearly, note)
    if spec.period in ("week", "day"):
        return Billed(False, None, amount, f"priced per {spec.period} ({unit}): a {spec.period} is no exact "
                                           "part of a month or a year, the periods pricebook bills")
    return Billed(True, spec.period, amount)


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
        # source key -> (kind, feature id, default); kind: boolean | quantity | metered; the default is
        # None when the file's is unreadable (a plan then has the limit only if it sets one of its own)
        self.entitled: dict[tuple[str, str], tuple[str, str, Any]] = {}
        self.limit_units: dict[tuple[str, str], str] = {}
        self.unreadable_defaults: dict[tuple[str, str], tuple[Any, CatalogPath]] = {}
        self.text_features: dict[str, tuple[Any, dict[str, Any]]] = {}
        self.currency = "USD"
        self.plan_things: set[str] = set()  # what plans are priced per: their meters are held counts
        self.annual_factor: Decimal | None = None
        self.annual_twins: set[str] = set()

    # --- report ------------------------------------------------------------------------------
    def issue(self, path: CatalogPath, category: str, reason: str) -> None:
        pos = self.positions.get(path)
        self.issues.append(ImportIssue(self.source, format_path(path), category, reason,
                                       pos.line if pos else None))

    # --- values ------------------------------------------------------------------------------
    def number(self, value: Any) -> Decimal | None:
        return parse_decimal(value) if not isinstance(value, bool) else None

    def limit(self, value: Any, unit: str | None = None) -> Decimal | str | None:
        """A usage limit value: a Decimal, "unlimited", or None (the caller reports it) when it is not a
        non-negative number. A number followed by the limit's own unit ("20 GB" for a limit in GB) is
        that number."""
        if isinstance(value, str):
            text = value.strip()
            if text.lower() in UNLIMITED_WORDS:
                return "unlimited"
            parts = text.split(None, 1)
            if unit and len(parts) == 2 and parts[1].lower() in (unit.lower(), f"{unit.lower()}s"):
                value = parts[0]
        d = self.number(value)
        if d is None or d < 0:
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
        if unit:
            self.limit_units[ref] = unit.split("/")[0].strip() or unit
        default = self.limit(u.get("defaultValue"), self.limit_units.get(ref))
        if default is None:  # reported once the plans are read, naming those left without the limit
            self.unreadable_defaults[ref] = (u.get("defaultValue"), (*path, "defaultValue"))
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

    def overrides(self, owner: Mapping[str, Any], path: CatalogPath, owner_label: str, plan: bool = True
                  ) -> dict[tuple[str, str], Any]:
        """The feature and usage-limit values an owner (a plan, or an add-on with ``plan`` False) sets,
        checked and converted; an unreadable one is reported and left out (a plan keeps the default)."""
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
                kind, _, default = self.entitled[ref]
                if kind == "boolean":
                    if not isinstance(value, bool):
                        self.issue(vpath, "invalid-value",
                                   f"boolean '{key}' set to {show(value)}; default kept")
                        continue
                    out[ref] = value
                    continue
                lim = self.limit(value, self.limit_units.get(ref))
                if lim is not None:
                    out[ref] = lim
                    continue
                if not plan:
                    then = "the add-on does not set it"
                elif default is None:
                    then = f"the default is unreadable too, so the plan has no '{key}' limit"
                else:
                    then = f"the default ({show(default)}) stands"
                self.issue(vpath, "invalid-value", f"usage limit {show(value)} is not a non-negative number; "
                           + then)
        return out

    def plan_entitlements(self, values: Mapping[tuple[str, str], Any]) -> dict[str, Any]:
        """Every feature, with the plan's value or the file's default (Pricing2Yaml lists overrides);
        a limit whose default is unreadable only where the plan sets it (no limit of 0 is invented)."""
        ents: dict[str, Any] = {}
        for ref, (kind, fid, default) in self.entitled.items():
            value = values.get(ref, default)
            if value is not None:
                ents[fid] = self.entitlement(kind, value)
        return ents

    def report_unreadable_defaults(self, plan_values: Mapping[str, Mapping[tuple[str, str], Any]]) -> None:
        for ref, (raw, path) in self.unreadable_defaults.items():
            without = [key for key, values in plan_values.items() if ref not in values]
            then = (f"plans {', '.join(without)} have no '{ref[1]}' limit (only plans that set a readable "
                    "value of their own have one)") if without else "every plan sets a readable value"
            self.issue(path, "invalid-value",
                       f"usage limit default {show(raw)} is not a non-negative number; no limit is invented: "
                       + then)

    # --- prices ------------------------------------------------------------------------------
    def unit_meter(self, thing: str, held: bool) -> str:
        """The meter of a price unit. Something held during a period (seats, channels, domains) is
        counted at its peak (``max``); something used (active hours, messages) is summed. A meter, once
        defined, is never redefined: a held and a used meter of the same thing are two meters."""
        if thing == "seat":
            mid = self.meter_ids.get(("unit", "seat"), "seats")
            self.meters[mid] = {"name": "Seats", "unit": "seat", "aggregation": "max"}
            return mid
        mid = self.meter_ids.get(("unit", thing, held), slugify(thing))
        self.meters.setdefault(mid, {"name": _title(thing), "unit": thing,
                                     "aggregation": "max" if held else "sum"})
        return mid

    def addon_meter(self, key: str, aid: str, spec: UnitSpec, extends: bool) -> str:
        """The meter an add-on priced per unit reads.

        An add-on that extends a plan's limits (``usageLimitsExtensions``: each unit raises a limit by
        N) sells units beyond what the plan includes: its own meter counts the units bought, so the
        plan's own units are not billed again (Buffer's extra channels, Postman's call blocks).
        Otherwise it charges per unit of what it names: per unit a plan is priced by (Copilot per
        user: every seat), that plan's meter, as it stands; else the meter of that unit."""
        thing = spec.thing or "unit"
        if extends:
            mid = self.meter_ids.get(("addon", key), aid)
            self.meters[mid] = {"name": str(key), "unit": thing,
                                "aggregation": "max" if spec.period else "sum"}
            return mid
        if thing in self.plan_things:
            return self.unit_meter(thing, held=True)
        return self.unit_meter(thing, held=spec.period is not None)

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
        # a plan is priced per what it lets a customer hold in its period (even when the unit names no
        # period: the plan's own), so its meter counts the peak
        thing = spec.thing or "unit"
        self.plan_things.add(thing)
        mid = self.unit_meter(thing, held=True)
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
        self.currency = currency
        annual = self.annual_factor = self.billing()

        self.read_features()
        self.read_limits()

        plans: dict[str, Any] = {}
        plan_map: dict[str, list[str]] = {}  # source plan key -> plan ids (with its annual variant)
        plan_values: dict[str, dict[tuple[str, str], Any]] = {}  # source plan key -> the values it sets
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
            values = plan_values[str(key)] = self.overrides(p, path, str(key))
            ents = self.plan_entitlements(values)
            plan: dict[str, Any] = {"name": str(key)}
            desc = self.text(p.get("description"))
            price = p.get("price")
            # page text ("Contact Sales") is priced per deal; a price that cannot be read is reported too
            amount, problem = read_price(price, currency)
            spec = parse_unit(p.get("unit"))
            if problem:
                self.issue((*path, "price"), "invalid-value", f"{problem}; imported as sales-negotiated")
            if amount is not None and amount < 0:
                self.issue((*path, "price"), "invalid-value", f"negative price {show(price)}; imported as "
                           "sales-negotiated")
                amount = None
            if amount is not None and spec.kind == "one_time":
                self.issue((*path, "unit"), "one-time-price", f"one-time price {price} ({p.get('unit')}); "
                           "imported as sales-negotiated")
                amount = None
            period = "month"
            if amount is not None:
                bill = billed(spec, amount, p.get("unit"))
                if bill.note:
                    self.issue((*path, "unit"), "unit",
                               bill.note + ("" if bill.ok else "; imported as sales-negotiated"))
                amount, period = (bill.amount, bill.period or "month") if bill.ok else (None, period)
            if amount is None:
                shown = "none given" if price is None else show(price)
                if spec.period and spec.period not in ("month", "year"):
                    shown += f" ({p.get('unit')})"
                desc = f"{desc} " if desc else ""
                desc += f"Price on the pricing page: {shown}."
                plan.update(description=desc, billing_period="month", sales_negotiated=True, prices={})
                stats["sales_negotiated"] += 1
            else:
                if spec.qualifier:
                    self.issue((*path, "unit"), "unit", f"'/{spec.qualifier}' in unit '{p.get('unit')}' is "
                               "not represented: the price is per " + (spec.thing or "period"))
                sku = self.plan_sku(spec, saas)
                plan.update(description=desc, billing_period=period,
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
                self.annual_twins.add(aid)
                stats["plans"] += 1
                stats["annual_plans"] += 1
        self.report_unreadable_defaults(plan_values)

        add_ons = self.read_add_ons(plan_map, plans)
        for key, (default, set_by) in self.text_features.items():
            shown = ", ".join(f"{k}={show(v)}" for k, v in list(set_by.items())[:3])
            more = f" (+{len(set_by) - 3} more)" if len(set_by) > 3 else ""
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
            price = a.get("price")
            amount, problem = read_price(price, self.currency)
            spec = parse_unit(a.get("unit"))
            extensions = self.section(a.get("usageLimitsExtensions"), (*path, "usageLimitsExtensions"))
            prices: dict[str, Any] = {}
            period: str | None = None  # the period the price is for; None: per use, right for any plan
            if amount is None and problem is None:
                addon["sales_negotiated"] = True  # "Contact Sales", "See Rates": priced per deal
            elif amount is None:
                self.issue((*path, "price"), "addon-price-not-numeric",
                           f"{problem}: add-on imported without a price")
            elif amount < 0:
                self.issue((*path, "price"), "invalid-value",
                           f"negative add-on price {show(price)}: imported without a price")
            elif spec.kind == "one_time":
                self.issue((*path, "unit"), "one-time-price",
                           f"one-time price {price} ({a.get('unit')}): imported without a price")
            elif not (bill := billed(spec, amount, a.get("unit"))).ok:
                self.issue((*path, "unit"), "unit", f"{bill.note}; imported without a price")
            else:
                if bill.note:
                    self.issue((*path, "unit"), "unit", bill.note)
                sid = self.sku_ids.get(("addon", key), aid)
                sku: dict[str, Any] = {"name": str(key)}
                if spec.kind != "flat":
                    sku["meter"] = self.addon_meter(str(key), aid, spec, extends=bool(extensions))
                self.skus[sid] = sku
                prices[sid] = self.price_spec(spec, bill.amount)
                # a flat price without a period, and a price per a held count (the plan's), recur monthly
                held = spec.kind == "flat" or self.meters[sku["meter"]]["aggregation"] == "max"
                period = bill.period or ("month" if held else None)
                if spec.qualifier:
                    self.issue((*path, "unit"), "unit",
                               f"'/{spec.qualifier}' in unit '{a.get('unit')}' is not represented")
            addon["prices"] = prices
            values = self.overrides(a, path, f"add-on {key}", plan=False)
            ents = {self.entitled[ref][1]: self.entitlement(self.entitled[ref][0], v)
                    for ref, v in values.items()}
            if ents:
                addon["entitlements"] = ents
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
            twin_for: list[str] = []
            if period is not None:
                available, twin_for = self.by_period(available, plans, period, path, a.get("unit"))
            addon["available_for"] = FlowList(available)
            out[aid] = self.prune(addon)
            if twin_for:
                assert self.annual_factor is not None
                factor = self.annual_factor
                tid = self.addon_ids.get(("annual", key), f"{aid}-annual")
                out[tid] = self.prune({
                    "name": f"{key} (annual)",
                    "description": f"{key} for plans billed yearly: 12 months at the annual factor "
                                   f"{dec(factor)}.",
                    "available_for": FlowList(twin_for),
                    "prices": {sid: self.scale(spec_, Decimal(12) * factor) for sid, spec_ in prices.items()},
                    "entitlements": dict(ents) if ents else None})
        return out

    def by_period(self, available: list[str], plans: Mapping[str, Any], period: str, path: CatalogPath,
                  unit: Any) -> tuple[list[str], list[str]]:
        """Split the plans an add-on priced per ``period`` is available for: plans billed in that period
        (and sales-negotiated ones, whose period is a deal's) take it as priced; annual twins of monthly
        plans take its annual twin (x 12 x the annual factor, as the plans); any other plan would bill
        the price in the wrong period, so it does not offer the add-on (reported)."""
        same: list[str] = []
        twins: list[str] = []
        other: dict[str, list[str]] = {}
        for pid in available:
            plan = plans.get(pid, {})
            billed_per = plan.get("billing_period", "month")
            if billed_per == period or plan.get("sales_negotiated"):
                same.append(pid)
            elif period == "month" and pid in self.annual_twins:
                twins.append(pid)
            else:
                other.setdefault(billed_per, []).append(pid)
        for billed_per, pids in other.items():
            self.issue((*path, "unit"), "unit",
                       f"priced per {period} ({unit}): not offered with {', '.join(pids)}, billed per "
                       f"{billed_per} (pricebook bills an add-on in its plan's period)")
        return same, twins

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


def check_not_in_catalog(out: Path, flag: str = "--out") -> None:
    """Refuse an output folder inside an existing catalog folder. A catalog is every ``*.yaml`` under
    its folder (SPEC §1), so catalogs written inside one would merge into it (duplicate ids), breaking
    it. A catalog folder, here: ``out`` or a folder above it that holds a file defining ``catalog:``
    (up to the repository root, the folder with ``.git`` or ``pricebook.yaml``), or the catalog that
    the repository's ``pricebook.yaml`` names."""
    target = out.resolve()
    for folder in (target, *target.parents):
        found = _catalog_file_in(folder)
        if found is not None:
            raise UsageError(f"{flag} {out} is inside the catalog folder {folder} ({found.name} defines "
                             "'catalog:'), whose every *.yaml is one catalog; write the import elsewhere")
        if (folder / ".git").exists() or any((folder / n).is_file() for n in SETTINGS_NAMES):
            break
    configured = _configured_catalog(target)
    if configured is not None and (target == configured or configured in target.parents):
        raise UsageError(f"{flag} {out} is inside {configured}, the catalog folder pricebook.yaml names, "
                         "whose every *.yaml is one catalog; write the import elsewhere")


def _catalog_file_in(folder: Path) -> Path | None:
    """A file directly in ``folder`` that the loader would read and that defines ``catalog:``."""
    from pricebook.load.catalog import is_source
    from pricebook.load.yamlsrc import parse_yaml

    try:
        files = sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and is_source(p.name))
    except OSError:  # no such folder (yet), or not readable: nothing the loader would read there
        return None
    for p in files:
        try:
            raw = p.read_bytes()
        except OSError:
            continue
        if re.search(rb"(?m)^[\"']?catalog[\"']?\s*:", raw) is None:
            continue
        data = parse_yaml(raw, str(p)).data
        if isinstance(data, Mapping) and "catalog" in data:
            return p
    return None


def _configured_catalog(target: Path) -> Path | None:
    """The catalog folder named by the nearest ``pricebook.yaml`` around ``target`` (read leniently:
    a settings file the import cannot read names no catalog here)."""
    from pricebook.settings import find_settings_file

    settings = find_settings_file(target)
    if settings is None:
        return None
    try:
        import yaml

        data = yaml.safe_load(settings.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError):
        return None
    value = data.get("catalog") if isinstance(data, dict) else None
    if not isinstance(value, str) or not value.strip():
        return None
    p = Path(value)
    return (p if p.is_absolute() else settings.parent / p).resolve()


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
    item could not be mapped (the report then has ``written=False``), an ``out`` inside an existing
    catalog folder (UsageError), and a failure while writing (every catalog is written, or none)."""
    sources = expand_inputs(paths)
    out_dir = Path(out)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"--out {out_dir} is a file, not a folder")
    check_not_in_catalog(out_dir)
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
    from pricebook.importers.writeout import write_folders

    write_folders((target, conv.files) for _, conv, target in converted)  # all or nothing
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
