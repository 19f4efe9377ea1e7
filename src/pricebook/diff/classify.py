"""Classification: an ordered rule table gives every detected change a severity.

The first rule whose kind matches (and whose condition, if any, holds) wins. A change that no rule
classifies is a bug in pricebook (a detector emitted a kind nobody judged), so it raises
``InternalError`` (exit 3) instead of turning into a silent ``info``.

The policy, in one line each:

- breaking: an existing customer pays more or gets less (a price up, a new charge, an entitlement
  revoked or lowered, a stricter enforcement), something customers or usage refer to disappears or
  changes id (plan, SKU, meter, add-on, currency), what is billed changes meaning (meter
  aggregation, property or dimensions, price model, rounding, billing period), or a released
  snapshot changed (releases are immutable);
- warning: existing customers pay less (revenue falls: reviewers must see it, but it does not fail
  the default ``--fail-on breaking``), or a change whose effect depends on usage;
- info: additions (plans, SKUs, meters, features, add-ons, currencies, entitlements granted or
  raised) and wording.

``pricebook.yaml`` may override the severity of any kind (``severity: {price-increased: warning}``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from pricebook.diagnostics import describe_value
from pricebook.diff.change import SEVERITIES, Change, Detected
from pricebook.errors import InputError, InternalError


@dataclass(frozen=True)
class Rule:
    kind: str
    severity: str
    reason: str
    when: Callable[[Detected], bool] | None = None


def _effect(*effects: str) -> Callable[[Detected], bool]:
    return lambda d: d.effect in effects


def _entity_rules() -> list[Rule]:
    rules: list[Rule] = []
    for ent, removed_sev in (
        ("plan", "breaking"),
        ("sku", "breaking"),
        ("meter", "breaking"),
        ("add-on", "breaking"),
        ("feature", "warning"),
        ("grandfathering", "breaking"),
    ):
        rules.append(Rule(f"{ent}-added", "info", "an addition changes nothing for existing customers"))
        rules.append(
            Rule(
                f"{ent}-removed",
                removed_sev,
                "grandfathered customers lose their protection"
                if ent == "grandfathering"
                else "subscriptions, usage or entitlements may still refer to it"
                if removed_sev == "breaking"
                else "plans no longer grant it",
            )
        )
        rules.append(
            Rule(
                f"{ent}-renamed",
                "info" if ent in ("feature", "grandfathering") else "breaking",
                "the id changed: subscriptions and usage that use the old id stop matching"
                if ent not in ("feature", "grandfathering")
                else "only the id changed",
            )
        )
    return rules


RULES: list[Rule] = [
    # Immutable history first: nothing downgrades a modified release.
    Rule("release-changed", "breaking", "releases are immutable"),
    Rule("release-removed", "breaking", "releases are immutable"),
    Rule("release-added", "info", "a new release"),
    Rule("catalog-added", "info", "a new catalog"),
    Rule("catalog-removed", "breaking", "the whole catalog is gone"),
    *_entity_rules(),
    # What is billed changes meaning.
    Rule("meter-aggregation-changed", "breaking", "it changes what is billed"),
    Rule("meter-property-changed", "breaking", "it changes what is billed"),
    Rule("meter-dimensions-changed", "breaking", "it changes what is billed"),
    Rule("meter-unit-changed", "warning", "the unit shown to customers changed"),
    Rule("meter-changed", "warning", "a meter field changed"),
    Rule("feature-type-changed", "breaking", "entitlements of this feature change meaning"),
    Rule("feature-meter-changed", "breaking", "a metered limit now counts other usage"),
    Rule("feature-unit-changed", "warning", "the unit shown to customers changed"),
    Rule("feature-changed", "warning", "a feature field changed"),
    Rule("sku-meter-changed", "breaking", "the SKU now bills other usage"),
    Rule("sku-unit-cost-changed", "info", "internal cost: no effect on what customers pay"),
    Rule("sku-changed", "warning", "a SKU field changed"),
    Rule("rounding-changed", "breaking", "every line amount may round differently"),
    Rule("timezone-changed", "breaking", "billing periods start at another instant"),
    Rule("default-currency-changed", "warning", "plans without currencies change currency"),
    Rule("catalog-id-changed", "warning", "the catalog id changed"),
    Rule("catalog-changed", "warning", "a catalog setting changed"),
    Rule("metadata-changed", "info", "wording only"),
    # Plans and add-ons.
    Rule("currency-added", "info", "an addition"),
    Rule("currency-removed", "breaking", "customers billed in it have no price"),
    Rule("amount-currency-added", "info", "an addition"),
    Rule("amount-currency-removed", "breaking", "customers billed in it have no price"),
    Rule("billing-period-changed", "breaking", "invoices change cadence"),
    Rule("sales-negotiated-changed", "warning", "how the plan is sold changed"),
    Rule("add-on-plan-added", "info", "an addition"),
    Rule("add-on-plan-removed", "breaking", "subscribers of that plan lose the add-on"),
    Rule("plan-changed", "warning", "a plan field changed"),
    Rule("add-on-changed", "warning", "an add-on field changed"),
    # Prices: a new charge or a higher one is breaking; a lower one is a warning.
    Rule("price-added", "breaking", "existing customers get a new charge"),
    Rule("price-removed", "warning", "revenue falls, and that usage is no longer billed"),
    Rule("price-model-changed", "breaking", "the bill is computed another way"),
    Rule("price-changed", "warning", "a price field changed"),
    Rule("dimension-price-added", "breaking", "some usage moves to another price"),
    Rule("dimension-price-removed", "breaking", "some usage moves to another price"),
    Rule("tier-added", "info", "a tier split at its own price: no bill changes", _effect("none")),
    Rule("tier-added", "warning", "usage in the new tier's range pays less", _effect("down")),
    Rule("tier-added", "breaking",
         "usage in the new tier's range pays more (or the effect depends on usage)"),
    Rule("tier-removed", "info", "two tiers of one price merged: no bill changes", _effect("none")),
    Rule("tier-removed", "warning", "usage in the removed tier's range pays less", _effect("down")),
    Rule("tier-removed", "breaking",
         "usage in the removed tier's range pays more (or the effect depends on usage)"),
    Rule("package-rounding-changed", "breaking", "partial packages cost more", _effect("up")),
    Rule("package-rounding-changed", "warning", "partial packages cost less"),
]
# The families whose severity follows the direction of the bill.
for _stem, _label in (
    ("price", "price"),
    ("percent", "percentage"),
    ("price-min", "per-transaction minimum"),
    ("price-max", "per-transaction maximum"),
    ("minimum", "minimum spend"),
    ("credit", "usage credit"),
    ("included-units", "included units"),
    ("package-size", "package size"),
):
    for _dir in ("increased", "decreased"):
        RULES.append(
            Rule(
                f"{_stem}-{_dir}", "breaking", f"{_label} change: existing customers pay more", _effect("up")
            )
        )
        RULES.append(Rule(f"{_stem}-{_dir}", "warning", f"{_label} change: existing customers pay less"))
for _kind in ("tier-bound-raised", "tier-bound-lowered"):
    RULES.append(Rule(_kind, "warning", "more usage falls in the cheaper tier", _effect("down")))
    RULES.append(Rule(_kind, "info", "the adjacent tiers cost the same", _effect("none")))
    RULES.append(
        Rule(_kind, "breaking", "more usage falls in the dearer tier (or the effect depends on usage)")
    )
RULES += [
    # Entitlements.
    Rule("entitlement-granted", "info", "customers get more"),
    Rule("entitlement-revoked", "breaking", "customers lose something they have"),
    Rule("entitlement-limit-raised", "info", "customers get more"),
    Rule("entitlement-limit-lowered", "breaking", "customers get less"),
    Rule("entitlement-enforcement-changed", "breaking", "a soft limit becomes hard", _effect("up")),
    Rule("entitlement-enforcement-changed", "warning", "a hard limit becomes soft"),
    Rule("entitlement-changed", "breaking", "the entitlement changed type"),
    # Grandfathering.
    Rule("grandfathering-changed", "warning", "who keeps which prices, and until when, changed"),
]

KNOWN_KINDS: frozenset[str] = frozenset(r.kind for r in RULES)


def check_overrides(overrides: Mapping[str, object], where: str = "pricebook.yaml") -> dict[str, str]:
    """Validate ``severity:`` overrides: known kinds, known severities. A typo is an error, not a no-op."""
    if not isinstance(overrides, Mapping):
        raise InputError(f"{where}: 'severity' must map change kinds to breaking, warning or info")
    out: dict[str, str] = {}
    for kind, sev in overrides.items():
        if kind not in KNOWN_KINDS:
            raise InputError(
                f"{where}: severity: unknown change kind '{kind}' (see docs/diff.md for the kinds)"
            )
        if sev not in SEVERITIES:
            raise InputError(f"{where}: severity: {kind}: {describe_value(sev)} is not breaking, warning "
                             "or info")
        out[str(kind)] = str(sev)
    return out


def classify(
    detected: Iterable[Detected], overrides: Mapping[str, str] | None = None, rules: list[Rule] | None = None
) -> list[Change]:
    """Give each detected change its severity: the first matching rule, then any override."""
    table = RULES if rules is None else rules
    by_kind: dict[str, list[Rule]] = {}
    for r in table:
        by_kind.setdefault(r.kind, []).append(r)
    out: list[Change] = []
    for d in detected:
        rule = next((r for r in by_kind.get(d.kind, ()) if r.when is None or r.when(d)), None)
        if rule is None:
            raise InternalError(
                f"no diff rule classifies change kind '{d.kind}' at {'.'.join(map(str, d.path))}"
            )
        severity = (overrides or {}).get(d.kind, rule.severity)
        out.append(
            Change(d.kind, severity, d.path, d.before, d.after, d.message, rule.reason, d.effect, d.delta_pct)
        )
    return out
