"""How much the reference engine costs per bill, against bare Decimal arithmetic in the same run.

    .venv/bin/python bench/rating.py [N]

Baseline: the same plan's amounts computed inline with Decimal (no dispatch, no detail, no checks).
The ratio is the engine's overhead for dispatch, detail steps, dimension splits and validation; the
absolute figure tells whether ``quote`` (one bill) or a Python fallback for many bills is affordable.
"""

from __future__ import annotations

import sys
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from pricebook.load import load_catalog
from pricebook.rating import MeterUsage, rate_plan

ROOT = Path(__file__).resolve().parents[1]
D = Decimal


def usage(i: int) -> dict[str, MeterUsage]:
    return {
        "seats": MeterUsage(D(5 + i % 40)),
        "api-calls": MeterUsage(D(10000 + 7919 * i)),
        "tokens": MeterUsage(D(3000000 + i), {"model": {"large": D(1000000), "": D(2000000 + i)}}),
        "storage": MeterUsage(D(50 + i % 2000)),
        "images": MeterUsage(D(i % 5000)),
        "payments": MeterUsage(D(0), transactions=(D("12.50"), D(89), D(240), D("1999.99"), D(5400))),
        "active-projects": MeterUsage(D(i % 200)),
    }


def inline(u: dict[str, MeterUsage]) -> Decimal:
    q = Decimal("0.01")
    total = D("499.00") + (max(u["seats"].quantity - 10, D(0)) * D(20)).quantize(q, ROUND_HALF_UP)
    calls = u["api-calls"].quantity
    g = max(min(calls, D(1000000)) - 10000, D(0)) * D("0.0005") + max(calls - 1000000, D(0)) * D("0.0003")
    total += g.quantize(q, ROUND_HALF_UP)
    total += (D(1000000) * D("0.00001")).quantize(q, ROUND_HALF_UP)
    total += (u["tokens"].by_dimension["model"][""] * D("0.000002")).quantize(q, ROUND_HALF_UP)
    s = u["storage"].quantity
    total += (s * (D("0.10") if s <= 100 else D("0.08") if s <= 1000 else D("0.05"))).quantize(q)
    for t in u["payments"].transactions:
        total += min(max(t * D("2.9") / 100 + D("0.30"), D("0.50")), D(25))
    return total


def main(n: int) -> None:
    catalog = load_catalog(ROOT / "catalogs" / "acme").catalog
    assert catalog is not None
    inputs = [usage(i) for i in range(n)]
    t0 = time.perf_counter()
    for u in inputs:
        inline(u)
    base = time.perf_counter() - t0
    t0 = time.perf_counter()
    for u in inputs:
        rate_plan(catalog, "enterprise", u, add_ons=["priority-support"])
    engine = time.perf_counter() - t0
    print(f"bills: {n}")
    print(f"baseline (inline Decimal): {base:.3f}s  ({n / base:,.0f} bills/s)")  # no-float-ok
    print(f"rate_plan:                 {engine:.3f}s  ({n / engine:,.0f} bills/s)")  # no-float-ok
    print(f"ratio engine/baseline:     {engine / base:.1f}x")  # no-float-ok


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
