"""Benchmark: validate a large catalog, and CLI start-up against a bare typer app.

Generates a catalog of 2,000 plans x 20 prices (every price model, USD and EUR) in a temporary
folder, then prints:
  - validate: wall times of ``validate_path`` in-process, and of ``pricebook validate`` as a
    subprocess (start-up included), with nothing cached (a first run), after editing one plans
    file (what a save costs), after editing catalog.yaml (every plan checked again) and unchanged;
    target <= 1 s;
  - start-up: ``pricebook --help`` divided by a bare typer app's ``--help``, both measured in this
    run as subprocesses, best of N; target <= 1.5.

Run: .venv/bin/python bench/validate.py [--plans 2000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MODELS = ("flat", "per_unit", "graduated", "volume", "package", "percentage")
BARE_TYPER = """
import typer
app = typer.Typer(add_completion=False)
@app.command()
def validate(path: str = ".") -> None:
    "Check a catalog."
@app.command()
def fmt(path: str = ".") -> None:
    "Format a catalog."
app()
"""


def money(usd: str, eur: str) -> str:
    return f'{{USD: "{usd}", EUR: "{eur}"}}'


def price(model: str, i: int, j: int) -> str:
    a = f"{(i % 90) + 10}.{j:02d}"
    if model == "flat":
        return f"{{model: flat, amount: {money(a, a)}}}"
    if model == "per_unit":
        unit = "0.00" + str(j + 1)
        return f"{{model: per_unit, unit_price: {money(unit, unit)}, included: {j}}}"
    if model in ("graduated", "volume"):
        return (f"\n        model: {model}\n        tiers:\n"
                f"          - {{up_to: {1000 + i}, unit_price: {money('0', '0')}}}\n"
                f"          - {{up_to: {100000 + i}, unit_price: {money('0.002', '0.0018')}}}\n"
                f"          - {{unit_price: {money('0.001', '0.0009')}, flat_fee: {money('5', '4.5')}}}")
    if model == "package":
        return f"{{model: package, package_size: 100, package_price: {money('4.00', '3.60')}, included: 200}}"
    return (f"{{model: percentage, percent: \"2.9\", fixed_fee: {money('0.30', '0.25')}, "
            f"min: {money('0.50', '0.45')}, max: {money('25.00', '22.00')}}}")


def generate(root: Path, plans: int, prices: int = 20, per_file: int = 100) -> None:
    skus = [(f"sku-{j}", MODELS[j % len(MODELS)]) for j in range(prices)]
    head = ["catalog: {id: bench, name: Bench, currency: USD}", "meters:"]
    head += [f"  m-{j}: {{name: M{j}, aggregation: sum}}" for j in range(prices)]
    head += ["skus:"]
    head += [f"  {s}: {{name: {s}{'' if m == 'flat' else f', meter: m-{j}'}}}"
             for j, (s, m) in enumerate(skus)]
    (root / "catalog.yaml").write_text("\n".join(head) + "\n")
    plan_dir = root / "plans"
    plan_dir.mkdir()
    for start in range(0, plans, per_file):
        out = ["plans:"]
        for i in range(start, min(start + per_file, plans)):
            out += [f"  plan-{i}:", f"    name: Plan {i}", "    currencies: [USD, EUR]", "    prices:"]
            out += [f"      {s}: {price(m, i, j)}" for j, (s, m) in enumerate(skus)]
        (plan_dir / f"plans-{start // per_file:03d}.yaml").write_text("\n".join(out) + "\n")


def cpu_with_workers() -> float:
    """CPU seconds of this process and its finished children (the parse workers)."""
    import resource

    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def runs(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return sorted(times)


def best(fn, repeat: int) -> float:
    return runs(fn, repeat)[0]


def median(times: list[float]) -> float:
    return times[len(times) // 2]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--plans", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    exe = Path(sys.executable).parent / "pricebook"

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "catalog"
        root.mkdir()
        generate(root, args.plans)
        import os

        from pricebook.validation import validate_path

        os.environ["PRICEBOOK_CACHE_DIR"] = "off"
        t = time.perf_counter()
        result = validate_path(root)
        uncached = time.perf_counter() - t
        assert result.catalog is not None and result.valid, result.diagnostics[:3]
        n_prices = sum(len(p.prices) for p in result.catalog.plans.values())
        os.environ["PRICEBOOK_CACHE_DIR"] = str(Path(tmp) / "cache")
        t = time.perf_counter()
        validate_path(root)
        cold = time.perf_counter() - t
        # the parse cache alone (what a run after editing one file gets for the others)
        from pricebook.load import cache

        full, cache.RESULT_MIN_BYTES = cache.RESULT_MIN_BYTES, 1 << 62
        parse_only = best(lambda: validate_path(root), args.repeat)
        c = time.process_time()
        validate_path(root)
        parse_only_cpu = time.process_time() - c
        cache.RESULT_MIN_BYTES = full
        # what a save costs: one plans file edited (a different price each time), the rest unchanged
        edited = root / "plans" / "plans-007.yaml"
        original = edited.read_text()
        edits = iter(range(1, 1 << 30))

        def edit_one_file() -> None:
            edited.write_text(original.replace('"14.00"', f'"14.{next(edits) % 100:02d}"', 1))
            validate_path(root)

        validate_path(root)  # fill the result cache for the unedited catalog
        after_edit = best(edit_one_file, args.repeat)
        c = time.process_time()
        edit_one_file()
        after_edit_cpu = time.process_time() - c

        def edit_one_file_cli() -> None:
            edited.write_text(original.replace('"14.00"', f'"14.{next(edits) % 100:02d}"', 1))
            subprocess.run([str(exe), "validate", str(root)], check=True, capture_output=True)

        after_edit_cli_runs = runs(edit_one_file_cli, args.repeat)
        after_edit_cli = after_edit_cli_runs[0]
        import resource

        def child_cpu() -> float:
            r = resource.getrusage(resource.RUSAGE_CHILDREN)
            return r.ru_utime + r.ru_stime

        c = child_cpu()
        edit_one_file_cli()
        after_edit_cli_cpu = child_cpu() - c  # what the run costs on an idle machine
        # the worst save: an edit outside plans (a SKU's name) re-checks every plan
        head = root / "catalog.yaml"
        head_text = head.read_text()

        def edit_head_cli() -> None:
            head.write_text(head_text.replace("{name: sku-0", f"{{name: sku-0 v{next(edits)}", 1))
            subprocess.run([str(exe), "validate", str(root)], check=True, capture_output=True)

        after_head_cli_runs = runs(edit_head_cli, args.repeat)
        head.write_text(head_text)
        edited.write_text(original)
        validate_path(root)
        in_proc = best(lambda: validate_path(root), args.repeat)
        c = time.process_time()
        validate_path(root)
        in_proc_cpu = time.process_time() - c  # other processes on a busy machine inflate wall time
        os.environ["PRICEBOOK_CACHE_DIR"] = "off"
        c = cpu_with_workers()
        validate_path(root)
        uncached_cpu = cpu_with_workers() - c
        os.environ["PRICEBOOK_CACHE_DIR"] = str(Path(tmp) / "cache")
        cli = best(lambda: subprocess.run([str(exe), "validate", str(root)], check=True,
                                          capture_output=True), args.repeat)

        def cold_cli(jobs: str, pure: bool = False) -> None:
            env = {**os.environ, "PRICEBOOK_CACHE_DIR": "off", "PRICEBOOK_JOBS": jobs}
            if pure:
                env["PRICEBOOK_PURE_YAML"] = "1"
            subprocess.run([str(exe), "validate", str(root)], check=True, capture_output=True, env=env)

        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        cold_cli_one = best(lambda: cold_cli("1"), max(args.repeat // 2, 1))
        cold_cli_all_runs = runs(lambda: cold_cli(str(cpus)), args.repeat)
        cold_cli_pure = best(lambda: cold_cli(str(cpus), pure=True), max(args.repeat // 2, 1))
        from pricebook.load.yamlsrc import _fast_parser

        reader = "C reader (_cyaml)" if _fast_parser() is not None else "pure-Python reader (C reader not built)"

        bare_py = Path(tmp) / "bare.py"
        bare_py.write_text(BARE_TYPER)
        bare = best(lambda: subprocess.run([sys.executable, str(bare_py), "--help"], check=True,
                                           capture_output=True), args.repeat * 2)
        ours = best(lambda: subprocess.run([str(exe), "--help"], check=True, capture_output=True),
                    args.repeat * 2)

    def verdict(t: float) -> str:
        return "ok" if t <= 1 else "OVER"

    print(f"catalog: {len(result.catalog.plans)} plans, {n_prices} prices, {len(result.files)} files; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; {reader}")
    print(f"in-process: no cache {uncached:.3f} s wall, {uncached_cpu:.3f} s CPU (workers included); "
          f"first run filling the cache {cold:.3f} s; parse cache only {parse_only:.3f} s "
          f"({parse_only_cpu:.3f} s CPU); after editing one file {after_edit:.3f} s "
          f"({after_edit_cpu:.3f} s CPU); "
          f"unchanged {in_proc:.3f} s ({in_proc_cpu:.3f} s CPU)")
    print(f"\npricebook validate as a subprocess (start-up included), best / median of {args.repeat}:")
    rows = [
        ("first run, nothing cached, 1 process", cold_cli_one, None),
        (f"first run, nothing cached, {cpus} CPUs", cold_cli_all_runs[0], median(cold_cli_all_runs)),
        (f"  the same, pure-Python reader, {cpus} CPUs", cold_cli_pure, None),
        ("a save: one plans file edited", after_edit_cli, median(after_edit_cli_runs)),
        ("a save: catalog.yaml edited (every plan re-checked)", after_head_cli_runs[0],
         median(after_head_cli_runs)),
        ("unchanged", cli, None),
    ]
    for name, low, mid in rows:
        shown = f"{low:.3f} s" + (f" / {mid:.3f} s" if mid is not None else "")
        if name.startswith("  "):  # a comparison, not a target
            print(f"  {name:<52} {shown}")
            continue
        print(f"  {name:<52} {shown:<18} target <= 1 s: {verdict(mid if mid is not None else low)}")
    print(f"  (CPU of one save: {after_edit_cli_cpu:.3f} s)")
    print(f"start-up: pricebook --help {ours:.3f} s, bare typer app --help {bare:.3f} s, "
          f"ratio {ours / bare:.2f}   target <= 1.5: {'ok' if ours / bare <= 1.5 else 'OVER'}")


if __name__ == "__main__":
    main()
