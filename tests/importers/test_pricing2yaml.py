"""Pricing2Yaml -> catalog: the mapping on real files and on small synthetic ones."""

from __future__ import annotations

import json
import textwrap
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from pricebook.errors import InputError, UsageError
from pricebook.importers.pricing2yaml import import_files, parse_unit, slugify
from pricebook.load import load_catalog
from pricebook.model import FlatPrice, PackagePrice, PerUnitPrice
from tests.conftest import write_files

D = Decimal


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return p


MINI = """
    syntaxVersion: '2.1'
    saasName: Mini App
    createdAt: '2023-05-01'
    version: '2023-05-01'
    currency: USD
    url: https://example.com/pricing
    billing:
      monthly: 1.0
      annual: 0.8
    features:
      sso:
        description: Single sign-on.
        valueType: BOOLEAN
        defaultValue: false
        type: INTEGRATION
        integrationType: IDENTITY_PROVIDER
      support:
        description: Support level.
        valueType: TEXT
        defaultValue: Email
        type: SUPPORT
    usageLimits:
      maxProjects:
        valueType: NUMERIC
        defaultValue: 3
        unit: project
        type: NON_RENEWABLE
        linkedFeatures: [sso]
      monthlyRuns:
        valueType: NUMERIC
        defaultValue: 100
        unit: run/month
        type: RENEWABLE
      storageGb:
        valueType: NUMERIC
        defaultValue: 0.5
        unit: GB
        type: NON_RENEWABLE
    plans:
      FREE:
        description: Try it.
        price: 0
        unit: /month
        features: null
        usageLimits: null
      PRO_TEAM:
        price: 19.99
        unit: user/month
        features:
          sso:
            value: true
          support:
            value: 24/7
        usageLimits:
          maxProjects:
            value: .inf
          monthlyRuns:
            value: 10000000000000
      ENTERPRISE:
        price: Contact Sales
        unit: user/month
        features:
          notAFeature:
            value: true
    addOns:
      extraRuns:
        availableFor: [PRO_TEAM, GHOST]
        price: 0.1
        unit: run
        features: null
        usageLimits: null
        usageLimitsExtensions:
          monthlyRuns:
            value: 1000
        excludes: [premiumSupport]
      premiumSupport:
        availableFor: [PRO_TEAM, ENTERPRISE]
        price: Contact Sales
        unit: /month
        features:
          sso:
            value: true
        usageLimits: null
        usageLimitsExtensions: null
"""


@pytest.fixture
def mini(tmp_path: Path) -> tuple[Path, object]:
    src = write(tmp_path, "in/mini/2023.yml", MINI)
    report = import_files([src], tmp_path / "out")
    return tmp_path / "out" / "mini-app-2023", report


def test_mini_plans_prices_and_sales_negotiated(mini: tuple[Path, object]) -> None:
    folder, report = mini
    assert sorted(p.name for p in folder.iterdir()) == ["add_ons.yaml", "catalog.yaml", "plans.yaml"]
    cat = load_catalog(folder).catalog
    assert cat is not None and cat.id == "mini-app" and cat.name == "Mini App" and cat.currency == "USD"
    assert set(cat.plans) == {"free", "free-annual", "pro-team", "pro-team-annual", "enterprise"}
    assert cat.plans["pro-team"].name == "PRO_TEAM"
    seats = cat.plans["pro-team"].prices["seats"]
    assert isinstance(seats, PerUnitPrice) and seats.unit_price == {"USD": D("19.99")}
    assert cat.skus["seats"].meter == "seats" and cat.meters["seats"].aggregation == "max"
    free = cat.plans["free"].prices["subscription"]
    assert isinstance(free, FlatPrice) and free.amount == {"USD": D("0.00")}
    ent = cat.plans["enterprise"]
    assert ent.sales_negotiated and not ent.prices
    assert "Contact Sales" in (ent.description or "")


def test_mini_annual_plan_from_billing_factor(mini: tuple[Path, object]) -> None:
    folder, _ = mini
    cat = load_catalog(folder).catalog
    annual = cat.plans["pro-team-annual"]
    assert annual.billing_period == "year"
    # 19.99 a month, billed yearly at factor 0.8: 19.99 * 12 * 0.8 = 191.904, exactly
    assert annual.prices["seats"].unit_price == {"USD": D("191.904")}
    assert annual.entitlements == cat.plans["pro-team"].entitlements
    assert "enterprise-annual" not in cat.plans  # no numeric price, nothing to discount
    assert set(cat.add_ons["extra-runs"].available_for) == {"pro-team", "pro-team-annual"}
    premium = cat.add_ons["premium-support"]  # "price: Contact Sales"
    assert premium.sales_negotiated and not premium.prices


def test_mini_entitlements_expanded_from_defaults(mini: tuple[Path, object]) -> None:
    folder, _ = mini
    cat = load_catalog(folder).catalog
    assert cat.features["max-projects"].type == "quantity" and cat.features["max-projects"].unit == "project"
    runs = cat.features["monthly-runs"]
    assert runs.type == "metered" and cat.meters[runs.meter].unit == "run"
    assert "Limits: sso." in (cat.features["max-projects"].description or "")
    free, pro = cat.plans["free"].entitlements, cat.plans["pro-team"].entitlements
    # every plan states every feature: defaults for FREE, overrides for PRO_TEAM
    assert set(free) == set(pro) == set(cat.features)
    assert free["sso"].enabled is False and pro["sso"].enabled is True
    assert free["max-projects"].limit == D(3) and pro["max-projects"].unlimited
    assert free["monthly-runs"].limit == D(100) and free["monthly-runs"].enforcement == "hard"
    assert pro["monthly-runs"].unlimited  # 10^13 is how the data writes "unlimited"
    assert free["storage-gb"].limit == D("0.5")
    assert "support" not in cat.features  # TEXT: reported, not invented


def test_mini_report_lists_every_unmapped_item(mini: tuple[Path, object]) -> None:
    _, report = mini
    by_cat = Counter(i.category for i in report.issues)
    assert by_cat == {"text-feature": 1, "unknown-reference": 2,
                      "limit-extension": 1, "addon-constraint": 1, "metadata": 2}
    paths = {i.path: i for i in report.issues}
    assert paths["plans.ENTERPRISE.features.notAFeature"].category == "unknown-reference"
    ghost = paths["addOns.extraRuns.availableFor[1]"]
    assert ghost.reason.endswith("'GHOST', which is not a plan of the file")
    assert "PRO_TEAM='24/7'" in paths["features.support"].reason
    assert paths["addOns.extraRuns.usageLimitsExtensions.monthlyRuns"].line is not None
    assert all(i.file.endswith("2023.yml") for i in report.issues)
    assert report.valid and report.files[0].errors == 0


def test_mini_add_on_prices_use_their_own_sku(mini: tuple[Path, object]) -> None:
    folder, _ = mini
    cat = load_catalog(folder).catalog
    runs = cat.add_ons["extra-runs"].prices["extra-runs"]
    assert isinstance(runs, PerUnitPrice) and runs.unit_price == {"USD": D("0.10")}
    assert cat.meters[cat.skus["extra-runs"].meter].aggregation == "sum"  # a charge per use
    prem = cat.add_ons["premium-support"]
    assert not prem.prices and prem.entitlements["sso"].enabled is True


def test_emitted_yaml_is_readable(mini: tuple[Path, object]) -> None:
    folder, _ = mini
    plans = (folder / "plans.yaml").read_text(encoding="utf-8")
    assert plans.startswith("# Imported by `pricebook import pricing2yaml` from ")
    assert "seats: {model: per_unit, unit_price: '19.99'}" in plans  # money as quoted strings
    assert "monthly-runs: {limit: 100, enforcement: hard}" in plans
    assert "storage-gb: 0.5" in plans
    assert "&id" not in plans and "*id" not in plans  # no YAML anchors between plan and annual twin
    data = yaml.safe_load(plans)
    assert data["plans"]["pro-team"]["prices"]["seats"]["unit_price"] == "19.99"


def test_exact_decimals_survive(tmp_path: Path) -> None:
    src = write(tmp_path, "x.yml", """
        saasName: Exact
        createdAt: '2022-01-01'
        currency: EUR
        billing: {monthly: 1.0, annual: 0.85}
        features: {}
        plans:
          A: {price: 0.1, unit: /month}
          B: {price: 12.345, unit: 10 seats/month}
    """)
    import_files([src], tmp_path / "out")
    cat = load_catalog(tmp_path / "out" / "exact-2022").catalog
    assert cat.plans["a"].prices["subscription"].amount == {"EUR": D("0.10")}
    assert cat.plans["a-annual"].prices["subscription"].amount == {"EUR": D("1.02")}  # 0.1*12*0.85
    b = cat.plans["b"].prices["seats"]
    assert isinstance(b, PackagePrice) and b.package_size == D(10) and b.package_price == {"EUR": D("12.345")}
    assert cat.plans["b-annual"].prices["seats"].package_price == {"EUR": D("125.919")}


@pytest.mark.parametrize(("unit", "kind", "thing", "period", "size"), [
    ("user/month", "per_unit", "seat", "month", None),
    ("editor/month", "per_unit", "seat", "month", None),
    ("/month", "flat", None, "month", None),
    (None, "flat", None, "month", None),
    ("forever", "flat", None, "month", None),
    ("500 users/month", "package", "seat", "month", D(500)),
    ("channel/year", "per_unit", "channel", "year", None),
    ("activeHour", "per_unit", "active hour", None, None),
    ("per kiosk user/month", "per_unit", "kiosk user", "month", None),
    ("USD/execution", "per_unit", "execution", None, None),
    ("phoneNumber/month", "per_unit", "phone number", "month", None),
    ("GB/month", "per_unit", "GB", "month", None),
    ("one time purchase", "one_time", None, None, None),
    ("one-time payment", "one_time", None, None, None),
])
def test_parse_unit(unit: str | None, kind: str, thing: str | None, period: str | None, size: Decimal | None
                    ) -> None:
    spec = parse_unit(unit)
    assert (spec.kind, spec.thing, spec.period, spec.package_size) == (kind, thing, period, size)


def test_parse_unit_keeps_the_qualifier_it_cannot_express() -> None:
    assert parse_unit("user/month/workspace").qualifier == "workspace"


@pytest.mark.parametrize(("name", "slug"), [
    ("BUSINESS_PLUS", "business-plus"), ("useMessagesAccess", "use-messages-access"),
    ("Buffer - Publish", "buffer-publish"), ("microsoft365Business", "microsoft365-business"),
    ("SSOLogin", "sso-login"), ("githubCodespaces2Core", "github-codespaces2-core"), ("***", "x"),
])
def test_slugify(name: str, slug: str) -> None:
    assert slugify(name) == slug


def test_slug_collisions_get_distinct_ids(tmp_path: Path) -> None:
    src = write(tmp_path, "c.yml", """
        saasName: Clash
        createdAt: '2021-01-01'
        currency: USD
        features:
          sso: {valueType: BOOLEAN, defaultValue: false}
          SSO: {valueType: BOOLEAN, defaultValue: true}
        usageLimits:
          sso: {valueType: NUMERIC, defaultValue: 1, type: NON_RENEWABLE}
        plans:
          PRO: {price: 5, unit: /month, features: {SSO: {value: false}}}
          pro: {price: 6, unit: /month}
    """)
    report = import_files([src], tmp_path / "out")
    assert report.valid
    cat = load_catalog(tmp_path / "out" / "clash-2021").catalog
    assert set(cat.features) == {"sso", "sso-2", "sso-3"}
    assert {p.name for p in cat.plans.values()} == {"PRO", "pro"}
    assert cat.plans["pro"].entitlements["sso-2"].enabled is False


def test_malformed_input_writes_nothing(tmp_path: Path) -> None:
    good = write(tmp_path, "good.yml", "saasName: A\ncurrency: USD\nplans: {P: {price: 1}}\n")
    bad = write(tmp_path, "bad.yml", "saasName: [\n")
    with pytest.raises(InputError, match=r"bad\.yml:\d+:\d+: YAML syntax error"):
        import_files([good, bad], tmp_path / "out")
    assert not (tmp_path / "out").exists()
    for text, msg in [("- a list\n", "not a mapping"), ("currency: USD\nplans: {}\n", "no 'saasName'"),
                      ("saasName: X\n", "no 'plans'")]:
        p = write(tmp_path, "odd.yml", text)
        with pytest.raises(InputError, match=msg):
            import_files([p], tmp_path / "out")


def test_refuses_a_folder_holding_other_catalog_files(tmp_path: Path) -> None:
    src = write(tmp_path, "in/a.yml",
                "saasName: A\ncreatedAt: '2020-02-02'\ncurrency: USD\nplans: {P: {price: 1}}\n")
    write(tmp_path, "out/a-2020/extra.yaml", "plans: {}\n")
    with pytest.raises(UsageError, match="already holds other catalog files"):
        import_files([src], tmp_path / "out")
    (tmp_path / "out" / "a-2020" / "extra.yaml").unlink()
    import_files([src], tmp_path / "out")
    import_files([src], tmp_path / "out")  # re-importing over its own output is fine


def test_plan_without_price_and_bad_values_are_reported(tmp_path: Path) -> None:
    src = write(tmp_path, "v.yml", """
        saasName: Values
        createdAt: '2021-01-01'
        currency: usd dollars
        billing: {monthly: 1.0, quarterly: 0.9}
        features:
          sso: {valueType: BOOLEAN, defaultValue: false}
        usageLimits:
          seatsMax: {valueType: NUMERIC, defaultValue: 5, type: NON_RENEWABLE}
        plans:
          A: {unit: /month, features: {sso: {value: 'yes please'}}, usageLimits: {seatsMax: {value: many}}}
          B: {price: 3, unit: user/month/workspace, extraKey: 1}
    """)
    report = import_files([src], tmp_path / "out")
    by_path = {i.path: i.category for i in report.issues}
    assert by_path == {"currency": "invalid-value", "billing.quarterly": "billing",
                       "plans.A.price": "invalid-value", "plans.A.features.sso": "invalid-value",
                       "plans.A.usageLimits.seatsMax": "invalid-value", "plans.B.unit": "unit",
                       "plans.B.extraKey": "unknown-key"}
    cat = load_catalog(tmp_path / "out" / "values-2021").catalog
    assert cat.currency == "USD" and cat.plans["a"].sales_negotiated
    assert cat.plans["a"].entitlements["sso"].enabled is False  # the default stands
    assert cat.plans["a"].entitlements["seats-max"].limit == D(5)


def test_all_162_real_files_import_and_validate(tmp_path: Path, p2y: Path) -> None:
    report = import_files([p2y], tmp_path / "out")
    assert len(report.files) == 162
    assert len({f.catalog_dir for f in report.files}) == 162
    errors = [(f.source, d.rule, d.message) for f in report.files for d in f.diagnostics
              if d.severity == "error"]
    assert errors == []
    counts = report.counts
    # the data's real gaps, all reported: add-ons priced "Contact Sales", TEXT features, extensions...
    for category in ("metadata", "text-feature", "limit-extension", "addon-constraint", "one-time-price"):
        assert counts.get(category, 0) > 0, category
    # add-ons priced "Contact Sales" / "See Rates" are offered per deal, not dropped
    assert counts.get("addon-price-not-numeric", 0) == 0
    negotiated = 0
    for f in report.files:
        cat = load_catalog(Path(f.catalog_dir)).catalog
        assert cat is not None
        negotiated += sum(1 for a in cat.add_ons.values() if a.sales_negotiated and not a.prices)
    assert negotiated == 145
    assert sum(f.sales_negotiated for f in report.files) == 63  # every "Contact Sales"-like plan price
    assert sum(f.plans for f in report.files) == 602
    assert sum(f.add_ons for f in report.files) == 313
    # spot checks against the source files
    slack_dir = next(Path(f.catalog_dir) for f in report.files if f.source.endswith("slack/2024.yml"))
    slack = load_catalog(slack_dir)
    assert slack.catalog is not None
    assert slack.catalog.plans["pro"].prices["seats"].unit_price == {"USD": D("8.75")}
    assert slack.catalog.plans["enterprise-grid"].sales_negotiated
    for plan in slack.catalog.plans.values():
        assert set(plan.entitlements) == set(slack.catalog.features)


def test_a_price_no_amount_can_hold_is_reported_not_only_imported_as_sales_negotiated(tmp_path: Path) -> None:
    src = write(tmp_path, "x.yml", """
        saasName: Odd
        createdAt: '2022-01-01'
        currency: USD
        features: {}
        plans:
          A: {price: 1e25, unit: /month}
          B: {price: .inf, unit: /month}
          C: {price: true, unit: /month}
          D: {price: Contact sales, unit: /month}
          E: {price: 10, unit: /month}
    """)
    report = import_files([src], tmp_path / "out")
    reported = {i.path for f in report.files for i in f.issues if i.category == "invalid-value"}
    assert {"plans.A.price", "plans.B.price", "plans.C.price"} <= reported
    assert "plans.D.price" not in reported  # page text is what sales-negotiated plans carry
    cat = load_catalog(tmp_path / "out" / "odd-2022").catalog
    assert [p for p in ("a", "b", "c", "d") if cat.plans[p].sales_negotiated] == ["a", "b", "c", "d"]
    assert cat.plans["e"].prices["subscription"].amount == {"USD": D("10")}


# --- meters: a plan's held count stays max; add-ons that sell extra units read their own meter -------

SHARED_UNIT = """
    saasName: Channels
    createdAt: '2022-01-01'
    currency: USD
    usageLimits:
      channelsLimit: {valueType: NUMERIC, defaultValue: 3, unit: channel, type: NON_RENEWABLE}
    plans:
      ESSENTIALS: {price: 6, unit: channel/month}
      TEAM: {price: 10, unit: user/month}
    addOns:
      extraChannels:
        availableFor: [ESSENTIALS]
        price: 5
        unit: channel/month
        usageLimitsExtensions: {channelsLimit: {value: 1}}
      copilot: {availableFor: [TEAM], price: 19, unit: user/month}
      teamPack: {availableFor: [ESSENTIALS], price: 6, unit: channel}
"""


def test_a_plan_meter_stays_max_when_an_add_on_shares_its_unit(tmp_path: Path) -> None:
    src = write(tmp_path, "in/channels.yml", SHARED_UNIT)
    import_files([src], tmp_path / "out")
    cat = load_catalog(tmp_path / "out" / "channels-2022").catalog
    # the plan is priced per channel held in the month: its meter counts the peak, and an add-on per
    # channel (no period) does not turn it into a sum
    assert cat.meters["channel"].aggregation == "max"
    assert cat.skus["team-pack"].meter == "channel"


def test_buffer_2021_account_meter_is_max(tmp_path: Path, p2y: Path) -> None:
    import_files([p2y / "buffer" / "2021.yml"], tmp_path / "out")
    cat = load_catalog(tmp_path / "out" / "buffer-2021").catalog
    assert cat.plans["essentials"].prices["account"].unit_price == {"USD": D("6.00")}
    assert cat.meters["account"].aggregation == "max"
    assert cat.skus["team-pack"].meter == "account"  # $6 more per account the plan counts
    assert cat.skus["extra-channels"].meter == "extra-channels"  # extends socialChannelsLimit


def _quote(cli: Any, folder: Path, *args: str) -> dict[str, Any]:
    res = cli("quote", "--catalog", folder, "--format", "json", *args)
    assert res.code == 0, res.err
    data: dict[str, Any] = json.loads(res.out)
    return data


def test_an_add_on_that_extends_a_limit_reads_its_own_meter(tmp_path: Path, cli: Any) -> None:
    src = write(tmp_path, "in/channels.yml", SHARED_UNIT)
    import_files([src], tmp_path / "out")
    folder = tmp_path / "out" / "channels-2022"
    cat = load_catalog(folder).catalog
    assert cat.skus["extra-channels"].meter == "extra-channels"
    extra = cat.meters["extra-channels"]
    assert extra.unit == "channel" and extra.aggregation == "max"
    # 5 channels on the plan and no extra channels bought: the plan's 5 channels are billed once
    q = _quote(cli, folder, "--plan", "essentials", "--usage", "channel=5", "--add-on", "extra-channels")
    assert q["total"] == "30.00"
    q = _quote(cli, folder, "--plan", "essentials", "--usage", "channel=5", "--usage", "extra-channels=2",
               "--add-on", "extra-channels")
    assert q["total"] == "40.00"
    # an add-on per user without extensions is a per-seat extra on every seat the plan counts
    assert cat.skus["copilot"].meter == "seats"
    q = _quote(cli, folder, "--plan", "team", "--usage", "seats=4", "--add-on", "copilot")
    assert q["total"] == "116.00"


def test_buffer_2023_extra_channels_are_not_the_plans_channels(tmp_path: Path, p2y: Path, cli: Any) -> None:
    import_files([p2y / "buffer" / "2023.yml", p2y / "github" / "2024.yml"], tmp_path / "out")
    folder = tmp_path / "out" / "buffer-2023"
    q = _quote(cli, folder, "--plan", "essentials", "--usage", "channel=5", "--add-on",
               "essentials-extra-channels")
    assert q["total"] == "30.00"  # 5 x 6 a year, not 60
    github = load_catalog(tmp_path / "out" / "github-2024").catalog
    assert github.skus["github-copilot-business"].meter == "seats"  # Copilot: per user, every seat
    assert github.skus["git-lfs-data-pack"].meter == "git-lfs-data-pack"  # data packs bought


# --- --out inside an existing catalog folder --------------------------------------------------------

P2Y_SMALL = "saasName: Small\ncreatedAt: '2023-01-01'\ncurrency: USD\nplans: {FREE: {price: 0}}\n"
CATALOG = {
    "pricebook.yaml": "catalog: catalogs/ex\n",
    "catalogs/ex/catalog.yaml": "catalog: {id: ex, name: Ex, currency: USD}\n",
    "catalogs/ex/plans/free.yaml": "plans:\n  free: {name: Free, prices: {}}\n",
}


@pytest.mark.parametrize("out", ["catalogs/ex", "catalogs/ex/plans", "catalogs/ex/plans/new/deeper"])
def test_out_inside_an_existing_catalog_folder_is_refused(tmp_path: Path, cli: Any, out: str) -> None:
    repo = write_files(tmp_path / "repo", CATALOG)
    src = write(tmp_path, "small.yml", P2Y_SMALL)
    before = sorted(p.relative_to(repo) for p in repo.rglob("*"))
    res = cli("import", "pricing2yaml", src, "--out", repo / out)
    assert res.code == 2 and res.out == ""
    assert len(res.err.strip().splitlines()) == 1 and "catalog folder" in res.err
    assert sorted(p.relative_to(repo) for p in repo.rglob("*")) == before  # nothing written
    assert cli("validate", cwd=repo).code == 0


def test_out_inside_the_catalog_pricebook_yaml_names_is_refused(tmp_path: Path) -> None:
    # no file directly in catalogs/split defines catalog: (it sits in base/); pricebook.yaml names it
    repo = write_files(tmp_path / "repo", {
        "pricebook.yaml": "catalog: catalogs/split\n",
        "catalogs/split/base/catalog.yaml": "catalog: {id: s, name: S, currency: USD}\n",
    })
    src = write(tmp_path, "small.yml", P2Y_SMALL)
    with pytest.raises(UsageError, match="pricebook.yaml names"):
        import_files([src], repo / "catalogs" / "split" / "imported")
    assert not (repo / "catalogs" / "split" / "imported").exists()
    # beside the catalog, or at the repository root, is fine
    import_files([src], repo / "catalogs" / "imported")
    import_files([src], repo / "imports")
    assert (repo / "imports" / "small-2023" / "catalog.yaml").is_file()


def test_history_repo_inside_a_catalog_folder_is_refused(tmp_path: Path) -> None:
    from pricebook.importers.history import import_history

    repo = write_files(tmp_path / "repo", CATALOG)
    write(tmp_path, "small/2023.yml", P2Y_SMALL)
    with pytest.raises(UsageError, match="catalog folder"):
        import_history(tmp_path / "small", repo / "catalogs" / "ex" / "history")
    assert not (repo / "catalogs" / "ex" / "history").exists()


# --- prices that cannot be read ---------------------------------------------------------------------

def test_plan_and_add_on_prices_that_cannot_be_read_are_reported(tmp_path: Path) -> None:
    src = write(tmp_path, "p.yml", """
        saasName: Prices
        createdAt: '2024-01-01'
        currency: EUR
        plans:
          COMMA: {price: '9,99', unit: user/month}
          DOLLAR: {price: '$10', unit: /month}
          USD_CODE: {price: '12 USD'}
          EMPTY: {price: '', unit: /month}
          HEX: {price: 0x1F}
          EURO: {price: '€9.99', unit: user/month}
          EUR_CODE: {price: '12 EUR'}
          FREE: {price: Free}
          SALES: {price: Contact Sales}
        addOns:
          blank: {price: '', unit: /month}
          euro: {price: '€4.50', unit: /month}
          dollar: {price: '$5', unit: /month}
          negotiated: {price: See Rates}
    """)
    report = import_files([src], tmp_path / "strict", strict=True)
    assert not report.written and not (tmp_path / "strict").exists()
    by_path = {i.path: i for i in report.issues}
    assert {p: i.category for p, i in by_path.items()} == {
        "plans.COMMA.price": "invalid-value", "plans.DOLLAR.price": "invalid-value",
        "plans.USD_CODE.price": "invalid-value", "plans.EMPTY.price": "invalid-value",
        "plans.HEX.price": "invalid-value",
        "addOns.blank.price": "addon-price-not-numeric", "addOns.dollar.price": "addon-price-not-numeric"}
    assert "ambiguous" in by_path["plans.COMMA.price"].reason
    assert "not in the file's currency, EUR" in by_path["plans.USD_CODE.price"].reason
    import_files([src], tmp_path / "out")
    cat = load_catalog(tmp_path / "out" / "prices-2024").catalog
    assert [p for p in ("comma", "dollar", "usd-code", "empty", "hex", "sales")
            if cat.plans[p].sales_negotiated] == ["comma", "dollar", "usd-code", "empty", "hex", "sales"]
    assert cat.plans["euro"].prices["seats"].unit_price == {"EUR": D("9.99")}
    assert cat.plans["eur-code"].prices["subscription"].amount == {"EUR": D("12.00")}
    assert cat.plans["free"].prices["subscription"].amount == {"EUR": D("0.00")}
    assert cat.add_ons["euro"].prices["euro"].amount == {"EUR": D("4.50")}
    assert not cat.add_ons["blank"].prices and not cat.add_ons["blank"].sales_negotiated
    assert cat.add_ons["negotiated"].sales_negotiated


# --- usage limits whose default cannot be read ------------------------------------------------------

def test_an_unreadable_limit_default_invents_no_limit(tmp_path: Path) -> None:
    src = write(tmp_path, "l.yml", """
        saasName: Limits
        createdAt: '2024-01-01'
        currency: USD
        usageLimits:
          storage: {valueType: NUMERIC, defaultValue: lots, unit: GB, type: NON_RENEWABLE}
          apiCalls: {valueType: NUMERIC, defaultValue: many, unit: call/month, type: RENEWABLE}
          disk: {valueType: NUMERIC, defaultValue: 10 GB, unit: GB, type: NON_RENEWABLE}
        plans:
          BASIC: {price: 5}
          PRO:
            price: 20
            usageLimits: {storage: {value: 20 GB}, apiCalls: {value: 5000}, disk: {value: 20 GB}}
          ODD: {price: 30, usageLimits: {storage: {value: heaps}, disk: {value: 2 TB}}}
    """)
    report = import_files([src], tmp_path / "out")
    cat = load_catalog(tmp_path / "out" / "limits-2024").catalog
    basic, pro, odd = (cat.plans[p].entitlements for p in ("basic", "pro", "odd"))
    assert "storage" not in basic and "api-calls" not in basic  # no limit of 0 invented
    assert pro["storage"].limit == D(20) and pro["api-calls"].limit == D(5000)  # "20 GB" in GB is 20
    assert basic["disk"].limit == D(10) and pro["disk"].limit == D(20)
    assert "storage" not in odd and odd["disk"].limit == D(10)  # "2 TB" is not GB: the default stands
    by_path = {i.path: i.reason for i in report.issues}
    assert set(by_path) == {"usageLimits.storage.defaultValue", "usageLimits.apiCalls.defaultValue",
                            "plans.ODD.usageLimits.storage", "plans.ODD.usageLimits.disk"}
    assert "no limit is invented: plans BASIC, ODD have no 'storage' limit" in \
        by_path["usageLimits.storage.defaultValue"]
    assert "plans BASIC, ODD have no 'apiCalls' limit" in by_path["usageLimits.apiCalls.defaultValue"]
    assert "the default (10) stands" in by_path["plans.ODD.usageLimits.disk"]
    assert "unreadable too" in by_path["plans.ODD.usageLimits.storage"]


# --- add-ons and their plans' periods -----------------------------------------------------------------

ANNUAL = """
    saasName: Synth
    createdAt: '2024-05-01'
    currency: USD
    billing: {monthly: 1.0, annual: 0.8}
    plans:
      BASIC: {price: 19.99, unit: user/month}
      PRO: {price: 49, unit: /month}
      YEARLY: {price: 100, unit: /year}
    addOns:
      extraSeats: {availableFor: [BASIC, PRO], price: 4.5, unit: user/month}
      yearlyThing: {availableFor: [PRO, YEARLY], price: 120, unit: /year}
      hours: {price: 0.18, unit: activeHour}
"""


def test_add_ons_are_priced_in_their_plans_period(tmp_path: Path) -> None:
    src = write(tmp_path, "a.yml", ANNUAL)
    report = import_files([src], tmp_path / "out")
    cat = load_catalog(tmp_path / "out" / "synth-2024").catalog
    seats = cat.add_ons["extra-seats"]
    assert set(seats.available_for) == {"basic", "pro"}
    twin = cat.add_ons["extra-seats-annual"]  # for the annual twins: 4.5 x 12 x 0.8, exactly
    assert set(twin.available_for) == {"basic-annual", "pro-annual"}
    assert twin.prices["extra-seats"].unit_price == {"USD": D("43.20")}
    # a yearly add-on is offered with yearly plans only (PRO's annual twin, YEARLY), not with PRO
    assert set(cat.add_ons["yearly-thing"].available_for) == {"pro-annual", "yearly"}
    assert cat.add_ons["yearly-thing"].prices["yearly-thing"].amount == {"USD": D("120.00")}
    # a charge per use fits any period
    assert set(cat.add_ons["hours"].available_for) == set(cat.plans)
    assert [(i.path, i.category) for i in report.issues] == [("addOns.yearlyThing.unit", "unit")]
    assert "not offered with pro, billed per month" in report.issues[0].reason


# --- periods other than month and year ----------------------------------------------------------------

@pytest.mark.parametrize(("unit", "kind", "thing", "period"), [
    ("per user per month", "per_unit", "seat", "month"),
    ("per month", "flat", None, "month"),
    ("seat per year", "per_unit", "seat", "year"),
    ("/week", "flat", None, "week"),
    ("user/quarter", "per_unit", "seat", "quarter"),
    ("user/day", "per_unit", "seat", "day"),
])
def test_parse_unit_periods(unit: str, kind: str, thing: str | None, period: str) -> None:
    spec = parse_unit(unit)
    assert (spec.kind, spec.thing, spec.period) == (kind, thing, period)


def test_weekly_quarterly_and_spelled_out_periods(tmp_path: Path) -> None:
    src = write(tmp_path, "w.yml", """
        saasName: Periods
        createdAt: '2024-01-01'
        currency: USD
        plans:
          WEEKLY: {price: 5, unit: /week}
          QUARTER: {price: 30, unit: user/quarter}
          SPELLED: {price: 7, unit: per user per month}
        addOns:
          daily: {price: 1, unit: /day}
    """)
    report = import_files([src], tmp_path / "out")
    cat = load_catalog(tmp_path / "out" / "periods-2024").catalog
    assert set(cat.meters) == {"seats"}  # no meter named 'week' or 'user-per-month'
    assert cat.plans["spelled"].prices["seats"].unit_price == {"USD": D("7.00")}
    quarter = cat.plans["quarter"]  # 4 quarters a year, exactly
    assert quarter.billing_period == "year" and quarter.prices["seats"].unit_price == {"USD": D("120.00")}
    weekly = cat.plans["weekly"]  # a week is no exact part of a month: not billed as if it were one
    assert weekly.sales_negotiated and not weekly.prices
    assert not cat.add_ons["daily"].prices
    assert {i.path: i.category for i in report.issues} == {
        "plans.WEEKLY.unit": "unit", "plans.QUARTER.unit": "unit", "addOns.daily.unit": "unit"}
    assert import_files([src], tmp_path / "strict", strict=True).written is False
