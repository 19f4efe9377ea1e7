"""Benchmark: semantic diff of two generated catalogs of 2,000 plans each.

Prints the time to load both catalogs (the baseline, measured in this run), the time of the diff
alone, and of the whole comparison (load both + diff, what ``pricebook diff A B`` does), with the
ratios to the baseline. Target: the whole comparison within 2 s.

    .venv/bin/python bench/diff.py [--plans 2000]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

METERS = 20


def write_catalog(root: Path, plans: int, variant: int) -> None:
    """A catalog with ``plans`` plans in 20 files; ``variant`` 1 changes every tenth plan."""
    root.mkdir(parents=True)
    lines = ["catalog: {id: bench, name: Bench, currency: USD}", "meters:"]
    lines += [f"  m{i}: {{name: Meter {i}, unit: unit, aggregation: sum}}" for i in range(METERS)]
    lines += [
        "features:",
        "  sso: {name: SSO, type: boolean}",
        "  calls: {name: Calls, type: metered, meter: m0}",
        "skus:",
        "  platform: {name: Platform}",
    ]
    lines += [f"  s{i}: {{name: SKU {i}, meter: m{i}}}" for i in range(METERS)]
    (root / "catalog.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    per_file = plans // 20
    for f in range(20):
        out = ["plans:"]
        for p in range(f * per_file, (f + 1) * per_file):
            changed = variant == 1 and p % 10 == 0
            fee = "59.00" if changed else "49.00"
            bound = 2000 if changed else 1000
            out += [
                f"  plan-{p}:",
                f"    name: Plan {p}",
                "    currencies: [USD, EUR]",
                "    prices:",
                f'      platform: {{model: flat, amount: {{USD: "{fee}", EUR: "45.00"}}}}',
                f"      s{p % METERS}: {{model: per_unit, included: 10,"
                '  unit_price: {USD: "0.10", EUR: "0.09"}}',
                f"      s{(p + 1) % METERS}:",
                "        model: graduated",
                "        tiers:",
                f'          - {{up_to: {bound}, unit_price: {{USD: "0", EUR: "0"}}}}',
                '          - {up_to: 100000, unit_price: {USD: "0.002", EUR: "0.0018"}}',
                '          - {unit_price: {USD: "0.001", EUR: "0.0009"}}',
                "    entitlements:",
                f"      sso: {'false' if changed else 'true'}",
                "      calls: {limit: 1000000, enforcement: soft}",
            ]
        (root / f"plans-{f:02d}.yaml").write_text("\n".join(out) + "\n", encoding="utf-8")


def _best(fn: Callable[[], object], runs: int) -> float:
    best = float("inf")  # no-float-ok: seconds
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--plans", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=3, help="best of N for each timing")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        # The loader may keep a per-file parse cache; keep it inside this run so "cold" is cold.
        os.environ["PRICEBOOK_CACHE_DIR"] = str(Path(tmp) / "cache")
        from pricebook.diff import compare, diff_catalogs
        from pricebook.load import load_catalog

        a, b = Path(tmp) / "a", Path(tmp) / "b"
        write_catalog(a, args.plans, 0)
        write_catalog(b, args.plans, 1)

        t0 = time.perf_counter()
        ca, cb = load_catalog(a).catalog, load_catalog(b).catalog
        cold_s = time.perf_counter() - t0
        assert ca is not None and cb is not None
        load_s = _best(lambda: (load_catalog(a), load_catalog(b)), args.runs)
        diff_s = _best(lambda: diff_catalogs(ca, cb), args.runs)
        total_s = _best(lambda: compare(str(a), str(b), a), args.runs)
        changes = diff_catalogs(ca, cb)

    print(f"plans per catalog:             {args.plans}")
    print(f"changes found:                 {len(changes)}")
    print(f"load both, first run (cold):   {cold_s:.3f} s")
    print(f"baseline, load both (best):    {load_s:.3f} s")
    print(f"diff only (models in memory):  {diff_s:.3f} s  ratio {diff_s / load_s:.2f}x the baseline")
    print(
        f"load both + diff (the CLI):    {total_s:.3f} s  ratio {total_s / load_s:.2f}x the baseline"
        f"  target <= 2 s: {'ok' if total_s <= 2 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
