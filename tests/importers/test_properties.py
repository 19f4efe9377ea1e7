"""Property: whatever a Pricing2Yaml-shaped document holds, the importer either refuses it with an
InputError or produces a catalog that validates with no errors; it never crashes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pricebook.errors import InputError
from pricebook.importers.pricing2yaml import convert
from pricebook.load import SourceFile, load_sources
from pricebook.validation import check_loaded

keys = st.text(alphabet="abcAB_- 12é", min_size=1, max_size=8)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 10**15).map(Decimal),
    st.decimals(min_value=-10, max_value=10**6, allow_nan=False, allow_infinity=False, places=3),
    st.sampled_from([".inf", "Contact Sales", "", "12.5", "None", "unlimited"]), st.text(max_size=5),
)
values = st.one_of(scalars, st.lists(scalars, max_size=2), st.dictionaries(keys, scalars, max_size=2))
units = st.one_of(st.none(), st.sampled_from([
    "user/month", "/month", "500 users/month", "channel/year", "activeHour", "one time purchase",
    "user/month/workspace", "forever", "GB", "per kiosk user/month", "USD/execution", "//", "3.5 seats/yr",
]), st.text(max_size=6))
value_types = st.sampled_from(["BOOLEAN", "TEXT", "NUMERIC", "WEIRD", None])


@st.composite
def documents(draw: Any) -> dict[str, Any]:
    features = draw(st.dictionaries(keys, st.fixed_dictionaries(
        {"valueType": value_types, "defaultValue": values},
        optional={"description": st.text(max_size=10), "type": st.sampled_from(["DOMAIN", "SUPPORT"])}),
        max_size=4))
    limits = draw(st.dictionaries(keys, st.fixed_dictionaries(
        {"valueType": value_types, "defaultValue": values},
        optional={"unit": units, "type": st.sampled_from(["RENEWABLE", "NON_RENEWABLE", "TIME_DRIVEN"]),
                  "linkedFeatures": st.lists(keys, max_size=2)}), max_size=3))
    names = list(features) + list(limits) + ["ghost"]
    overrides = st.dictionaries(st.sampled_from(names),
                                st.one_of(values, st.fixed_dictionaries({"value": values})), max_size=3)
    plans = draw(st.dictionaries(keys, st.fixed_dictionaries(
        {"price": values}, optional={"unit": units, "features": overrides, "usageLimits": overrides,
                                     "description": st.text(max_size=10)}), min_size=1, max_size=4))
    plan_names = list(plans) + ["GHOST"]
    add_ons = draw(st.dictionaries(keys, st.fixed_dictionaries(
        {"price": values}, optional={"unit": units, "availableFor": st.lists(st.sampled_from(plan_names),
                                                                            max_size=3),
                                     "features": overrides, "usageLimitsExtensions": overrides,
                                     "excludes": st.lists(keys, max_size=2)}), max_size=3))
    doc: dict[str, Any] = {"saasName": draw(st.text(min_size=1, max_size=8)), "plans": plans,
                           "features": features, "usageLimits": limits, "addOns": add_ons,
                           "currency": draw(st.sampled_from(["USD", "EUR", "dollars", None])),
                           "createdAt": draw(st.sampled_from(["2024-01-02", "", None]))}
    billing = draw(st.one_of(st.none(), st.dictionaries(st.sampled_from(["monthly", "annual", "quarterly"]),
                                                        values, max_size=3)))
    if billing is not None:
        doc["billing"] = billing
    return doc


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_import_never_crashes_and_always_validates(doc: dict[str, Any]) -> None:
    try:
        conv = convert(doc, "prop.yml")
    except InputError:
        return
    result = check_loaded(load_sources([SourceFile(name, text.encode("utf-8"))
                                        for name, text in conv.files.items()]))
    errors = [(d.rule, d.path, d.message) for d in result.diagnostics if d.severity == "error"]
    assert errors == [], (errors, conv.files)
    for issue in conv.issues:
        assert issue.category and issue.reason and issue.file == "prop.yml"
