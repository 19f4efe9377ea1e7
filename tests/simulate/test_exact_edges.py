"""Edges where the DuckDB engine used to disagree with the reference engine or with itself (found
by a review that fuzzed it): each case is compared with ``quote``'s engine or with a second run."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from pricebook.model import (
    Catalog,
    Entitlement,
    Feature,
    FlatPrice,
    Meter,
    PackagePrice,
    PercentagePrice,
    PerUnitPrice,
    Plan,
    Sku,
)
from pricebook.rating import MeterUsage, rate_plan
from pricebook.simulate import Side, SimulationOptions, run_simulation
from pricebook.simulate.stage2 import WIDE


def one_plan(meter: Meter, price, **plan) -> Catalog:
    return Catalog("t", "T", "USD", meters={meter.id: meter}, skus={"s": Sku("s", "S", meter=meter.id)},
                   plans={"p": Plan("p", "P", ("USD",), prices={"s": price}, **plan)})


def simulate(cat: Catalog, usage: Path, **opts) -> object:
    return run_simulation(SimulationOptions(usage=[str(usage)], default_plan="p", **opts),
                          Side("baseline", "b", cat), Side("candidate", "c", cat))


def csv(tmp_path: Path, rows: list[str], header: str = "customer_id,timestamp,meter,quantity") -> Path:
    p = tmp_path / "u.csv"
    p.write_text(header + "\n" + "".join(r + "\n" for r in rows))
    return p


def test_percentage_fees_are_summed_exactly_then_rounded_once(tmp_path: Path) -> None:
    """5% of three 0.10 payments is 0.015 -> 0.02; rounding each fee to the cent first gave 0.03."""
    cat = one_plan(Meter("pay", "Pay"), PercentagePrice(percent=Decimal("5")))
    usage = csv(tmp_path, [f"c1,2026-01-0{i}T00:00:00,pay,0.10" for i in (1, 2, 3)])
    ref = rate_plan(cat, "p", {"pay": MeterUsage(Decimal("0.30"), {}, (Decimal("0.10"),) * 3)}).total
    assert ref == Decimal("0.02")
    for widths in (None, WIDE):
        assert simulate(cat, usage, widths=widths).totals[0].candidate == ref


def test_percentage_with_min_and_fixed_fee_in_a_three_decimal_currency(tmp_path: Path) -> None:
    cat = Catalog("t", "T", "KWD", meters={"pay": Meter("pay", "Pay")}, skus={"s": Sku("s", "S", meter="pay")},
                  plans={"p": Plan("p", "P", ("KWD",), prices={"s": PercentagePrice(
                      percent=Decimal("4.65"), fixed_fee={"KWD": Decimal("0.333")},
                      min={"KWD": Decimal("1.5")})})})
    values = ("333.333", "9999999", "0.01")
    usage = csv(tmp_path, [f"c1,2026-01-0{i + 1}T00:00:00,pay,{v}" for i, v in enumerate(values)])
    txns = tuple(Decimal(v) for v in values)
    ref = rate_plan(cat, "p", {"pay": MeterUsage(sum(txns), {}, txns)}).total
    assert simulate(cat, usage).totals[0].candidate == ref


def test_package_count_is_exact_above_two_to_the_53(tmp_path: Path) -> None:
    q = "100000000000000003"  # 1e17 + 3 packages of one unit: a double cannot tell them apart
    cat = one_plan(Meter("tok", "Tok"), PackagePrice(package_size=Decimal(1), package_price={"USD": Decimal("0.01")},
                                                     rounding="up"))
    ref = rate_plan(cat, "p", {"tok": MeterUsage(Decimal(q))}).total
    assert ref == Decimal("1000000000000000.03")
    for widths in (None, WIDE):
        assert simulate(cat, csv(tmp_path, [f"c1,2026-01-05T00:00:00,tok,{q}"]), widths=widths) \
            .totals[0].candidate == ref


def test_the_same_copy_of_a_repeated_id_wins_every_time(tmp_path: Path) -> None:
    """Copies that differ only in a dimension value: the winner must not depend on thread timing."""
    meter = Meter("tok", "Tok", property="tokens", dimensions=("model",))
    price = PerUnitPrice(unit_price={"USD": Decimal("1")}, dimensions={"model": {
        "large": PerUnitPrice(unit_price={"USD": Decimal("10")}),
        "small": PerUnitPrice(unit_price={"USD": Decimal("1")})}})
    cat = one_plan(meter, price)
    rows = [{"event_id": f"e{i}", "customer_id": "c1", "timestamp": "2026-01-02T00:00:00Z", "meter": "tok",
             "properties": {"tokens": "1", "model": m}} for i in range(500) for m in ("small", "large")]
    usage = tmp_path / "u.ndjson"
    usage.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    totals = {simulate(cat, usage, threads=4).totals[0].candidate for _ in range(3)}
    assert totals == {Decimal("5000.00")}  # 'large' sorts first among the tied copies, every run


def test_an_event_without_an_id_first_does_not_turn_dedup_off(tmp_path: Path) -> None:
    cat = one_plan(Meter("tok", "Tok"), PerUnitPrice(unit_price={"USD": Decimal("1")}))
    usage = csv(tmp_path, [",c1,2026-01-01T00:00:00,tok,1", "e1,c1,2026-01-05T00:00:00,tok,10",
                           "e1,c1,2026-01-05T00:00:00,tok,10"], "event_id,customer_id,timestamp,meter,quantity")
    r = simulate(cat, usage, threads=1)
    assert r.dedup and r.totals[0].candidate == Decimal("11.00")


def test_hard_limits_are_compared_at_the_quantity_scale(tmp_path: Path) -> None:
    cat = Catalog("t", "T", "USD", meters={"tok": Meter("tok", "Tok")},
                  features={"f": Feature("f", "F", type="metered", meter="tok")},
                  skus={"s": Sku("s", "S", meter="tok")},
                  plans={"p": Plan("p", "P", ("USD",), prices={"s": PerUnitPrice(unit_price={"USD": Decimal("1")})},
                                   entitlements={"f": Entitlement("f", limit=Decimal(1), enforcement="hard")})})
    usage = csv(tmp_path, ["c1,2026-01-05T00:00:00,tok,1.0000000000001"])
    assert simulate(cat, usage, scale=12).breaches == []  # stage 1 keeps 12 decimals: exactly the limit
    [breach] = simulate(cat, usage, scale=16).breaches
    assert breach.usage == Decimal("1.0000000000001")


def test_out_rows_hold_a_delta_wider_than_64_bits(tmp_path: Path) -> None:
    def cat(amount: str) -> Catalog:
        return Catalog("t", "T", "USD", meters={"tok": Meter("tok", "Tok")},
                       skus={"fee": Sku("fee", "Fee"), "tok": Sku("tok", "Tok", meter="tok")},
                       plans={"p": Plan("p", "P", ("USD",), prices={"fee": FlatPrice(amount={"USD": Decimal(amount)})})})

    out = tmp_path / "rows.csv"
    run_simulation(SimulationOptions(usage=[str(csv(tmp_path, ["c1,2026-01-05T00:00:00,tok,1"]))],
                                     default_plan="p", out=str(out)),
                   Side("baseline", "b", cat("-6000000000000000")), Side("candidate", "c", cat("6000000000000000")))
    assert out.read_text().splitlines()[1].endswith(",12000000000000000.00")


def test_amounts_are_written_at_each_currencys_minor_unit(tmp_path: Path) -> None:
    # One plan sold in JPY (0 decimals), USD (2) and KWD (3): stage 2 holds every amount at 3
    # decimals; the JSON report and the CSV/JSON rows write each at its own currency's.
    from pricebook.report.simulate_json import to_data

    fee = {"JPY": Decimal("1080"), "USD": Decimal("155.5"), "KWD": Decimal("1.234")}
    cat = Catalog("t", "T", "USD", meters={"m": Meter("m", "M")}, skus={"fee": Sku("fee", "Fee")},
                  plans={"p": Plan("p", "P", ("JPY", "USD", "KWD"), prices={"fee": FlatPrice(amount=fee)})})
    usage = csv(tmp_path, ["c1,2026-01-05T00:00:00,m,1", "c2,2026-01-05T00:00:00,m,1",
                           "c3,2026-01-05T00:00:00,m,1"])
    subs = tmp_path / "s.csv"
    subs.write_text("customer_id,plan,currency\nc1,p,JPY\nc2,p,USD\nc3,p,KWD\n")
    res = run_simulation(SimulationOptions(usage=[str(usage)], subscriptions=str(subs),
                                           out=str(tmp_path / "r.csv")),
                         Side("baseline", "b", cat), Side("candidate", "c", cat))
    totals = {t["currency"]: (t["baseline"], t["delta"]) for t in to_data(res)["totals"]}
    assert totals == {"JPY": ("1080", "0"), "USD": ("155.50", "0.00"), "KWD": ("1.234", "0.000")}
    rows = [line.split(",")[-3:] for line in (tmp_path / "r.csv").read_text().splitlines()[1:]]
    assert rows == [["1080", "1080", "0"], ["155.50", "155.50", "0.00"], ["1.234", "1.234", "0.000"]]
