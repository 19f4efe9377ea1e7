"""Properties of the loader: no input crashes it, and load -> canonical dump -> load is the identity."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import jsonschema
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pricebook.load import SourceFile, load_sources
from pricebook.load.dump import catalog_to_data
from pricebook.load.schema import catalog_schema, compile_schema
from pricebook.load.yamlsrc import parse_yaml

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
VOCAB = ["catalog", "meters", "features", "skus", "plans", "add_ons", "grandfathering", "id", "name",
         "currency", "model", "amount", "unit_price", "tiers", "up_to", "prices", "extends", "currencies",
         "dimensions", "entitlements", "limit", "release", "plans", "flat", "per_unit", "graduated", "USD",
         "EUR", "included", "package_size", "percent", "min", "max", "meter", "type", "metered"]


def load_text(text: str | bytes):
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    return load_sources([SourceFile("c.yaml", data)])


def assert_reports_or_builds(result) -> None:
    assert result.catalog is not None or result.diagnostics
    for d in result.diagnostics:
        assert d.rule and d.message and d.severity in ("error", "warning", "info")


@FAST
@given(st.text())
def test_arbitrary_text_never_crashes(text: str) -> None:
    assert_reports_or_builds(load_text(text))


@FAST
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_crash(data: bytes) -> None:
    assert_reports_or_builds(load_text(data))


scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
                    st.text(max_size=12), st.sampled_from(VOCAB), st.dates())
trees = st.recursive(scalars, lambda kids: st.one_of(
    st.lists(kids, max_size=4),
    st.dictionaries(st.one_of(st.sampled_from(VOCAB), st.text(max_size=8)), kids, max_size=5)), max_leaves=30)


@FAST
@given(trees)
def test_arbitrary_yaml_trees_never_crash(tree: Any) -> None:
    assert_reports_or_builds(load_text(yaml.safe_dump(tree, allow_unicode=True)))


def catalog_shaped() -> st.SearchStrategy[dict[str, Any]]:
    """Dicts with the catalog's keys at every level and random values beneath them."""
    leaf = st.one_of(scalars, st.sampled_from(["flat", "per_unit", "graduated", "volume", "package",
                                               "percentage", "USD", "EUR", "1.5", "-2", "unlimited"]))
    price = st.fixed_dictionaries({"model": st.sampled_from(["flat", "per_unit", "graduated", "volume", "package",
                                                             "percentage", "nope"])},
                                  optional={k: st.one_of(leaf, st.dictionaries(st.sampled_from(["USD", "EUR", "usd"]),
                                                                               leaf, max_size=2),
                                                         st.lists(st.dictionaries(st.sampled_from(
                                                             ["up_to", "unit_price", "flat_fee"]), leaf,
                                                             max_size=3), max_size=3))
                                            for k in ["amount", "unit_price", "tiers", "included", "package_size",
                                                      "package_price", "percent", "min", "max", "dimensions"]})
    plan = st.fixed_dictionaries({}, optional={
        "name": leaf, "extends": st.sampled_from(["a", "b", "c"]), "currencies": st.lists(leaf, max_size=3),
        "prices": st.dictionaries(st.sampled_from(["s1", "s2", "s3"]), st.one_of(price, leaf), max_size=3),
        "entitlements": st.dictionaries(st.sampled_from(["f1", "f2"]), leaf, max_size=2),
        "minimum": leaf})
    return st.fixed_dictionaries({"catalog": st.one_of(leaf, st.fixed_dictionaries(
        {"id": leaf, "currency": leaf}, optional={"rounding": leaf, "timezone": leaf}))}, optional={
        "skus": st.dictionaries(st.sampled_from(["s1", "s2", "s3"]), st.one_of(leaf, st.fixed_dictionaries(
            {}, optional={"name": leaf, "meter": leaf, "unit_cost": leaf})), max_size=3),
        "meters": st.dictionaries(st.sampled_from(["m1", "m2"]), st.one_of(leaf, st.fixed_dictionaries(
            {}, optional={"aggregation": leaf, "dimensions": st.lists(leaf, max_size=2)})), max_size=2),
        "plans": st.dictionaries(st.sampled_from(["a", "b", "c"]), st.one_of(plan, leaf), max_size=3),
        "grandfathering": st.dictionaries(st.sampled_from(["g"]), st.fixed_dictionaries(
            {}, optional={"release": leaf, "plans": st.lists(leaf, max_size=2), "until": leaf,
                          "subscribed_before": leaf}), max_size=1),
    })


@FAST
@given(catalog_shaped())
def test_catalog_shaped_dicts_never_crash_and_rules_run(data: dict[str, Any]) -> None:
    from pricebook.validation import check_loaded

    result = load_text(yaml.safe_dump(data, allow_unicode=True))
    assert_reports_or_builds(result)
    checked = check_loaded(result)  # the semantic rules must not crash on whatever did build
    assert checked.valid == (not any(d.severity == "error" for d in checked.diagnostics))


@FAST
@given(catalog_shaped())
def test_compiled_schema_agrees_with_jsonschema(data: dict[str, Any]) -> None:
    parsed = parse_yaml(yaml.safe_dump(data, allow_unicode=True).encode(), "c.yaml")
    if not parsed.ok or parsed.data is None:
        return
    validator = jsonschema.validators.validator_for(catalog_schema())(catalog_schema())
    expected = not any(True for _ in validator.iter_errors(parsed.data))
    assert compile_schema(catalog_schema())(parsed.data) == expected


# --- generated valid catalogs: load -> canonical dump -> load is the identity -------------------

ids = st.from_regex(r"[a-z][a-z0-9-]{0,6}", fullmatch=True)
amounts = st.decimals(min_value=0, max_value=Decimal(100000), places=4).map(lambda d: format(d, "f"))
quantities = st.integers(min_value=1, max_value=10**6)


@st.composite
def valid_catalogs(draw: st.DrawFn) -> dict[str, Any]:
    currencies = draw(st.lists(st.sampled_from(["USD", "EUR", "JPY", "KWD"]), min_size=1, max_size=3, unique=True))

    def money() -> Any:
        if len(currencies) == 1 and draw(st.booleans()):
            return draw(amounts)
        return {c: draw(amounts) for c in currencies}

    def tiers() -> list[dict[str, Any]]:
        bounds = sorted(draw(st.sets(quantities, max_size=3)))
        out: list[dict[str, Any]] = [{"up_to": b, "unit_price": money()} for b in bounds]
        out.append({"unit_price": money()})
        if draw(st.booleans()):
            out[0]["flat_fee"] = money()
        return out

    def usage_price(dims: list[str]) -> dict[str, Any]:
        model = draw(st.sampled_from(["per_unit", "graduated", "volume", "package", "percentage"]))
        if model == "per_unit":
            spec: dict[str, Any] = {"model": model, "unit_price": money(), "included": draw(st.integers(0, 100))}
        elif model in ("graduated", "volume"):
            spec = {"model": model, "tiers": tiers()}
        elif model == "package":
            spec = {"model": model, "package_size": draw(quantities), "package_price": money(),
                    "rounding": draw(st.sampled_from(["up", "down"]))}
        else:
            spec = {"model": model, "percent": draw(amounts), "fixed_fee": money()}
        if dims and draw(st.booleans()):
            spec["dimensions"] = {dims[0]: {draw(ids): {"model": "per_unit", "unit_price": money()}}}
        return spec

    meters = draw(st.lists(ids, min_size=1, max_size=3, unique=True))
    meter_dims = {m: draw(st.lists(st.sampled_from(["model", "region"]), max_size=2, unique=True)) for m in meters}
    skus: dict[str, Any] = {"base": {"name": "Base"}}
    for m in meters:
        skus[f"u-{m}"] = {"name": draw(st.text(min_size=1, max_size=10)), "meter": m}
    plans: dict[str, Any] = {}
    for pid in draw(st.lists(ids, min_size=1, max_size=3, unique=True)):
        prices: dict[str, Any] = {"base": {"model": "flat", "amount": money()}}
        for m in meters:
            if draw(st.booleans()):
                prices[f"u-{m}"] = usage_price(meter_dims[m])
        plan: dict[str, Any] = {"name": pid.upper(), "currencies": currencies, "prices": prices,
                                "entitlements": {"sso": draw(st.booleans())}}
        if draw(st.booleans()):
            plan["minimum"] = money()
        plans[pid] = plan
    return {
        "catalog": {"id": "gen", "name": "Generated", "currency": currencies[0],
                    "rounding": draw(st.sampled_from(["half_up", "half_even"]))},
        "meters": {m: {"name": m, "aggregation": draw(st.sampled_from(["count", "sum", "max"])),
                       **({"dimensions": meter_dims[m]} if meter_dims[m] else {})} for m in meters},
        "features": {"sso": {"name": "SSO", "type": "boolean"}},
        "skus": skus,
        "plans": plans,
        "grandfathering": {"deal": {"customers": ["cus_1"], "release": "2026.01.01",
                                    "until": str(draw(st.dates()))}},
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_catalogs())
def test_load_dump_load_is_identity(data: dict[str, Any]) -> None:
    first = load_text(yaml.safe_dump(data, allow_unicode=True))
    assert first.catalog is not None, [str(d) for d in first.diagnostics]
    canonical = catalog_to_data(first.catalog)
    second = load_text(yaml.safe_dump(canonical, allow_unicode=True))
    assert second.catalog is not None, [str(d) for d in second.diagnostics]
    assert second.catalog == first.catalog
    assert catalog_to_data(second.catalog) == canonical
