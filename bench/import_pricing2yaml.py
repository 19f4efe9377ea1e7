"""Benchmark: `pricebook import pricing2yaml` over the 162 real Pricing2Yaml files.

Prints, best of N, each measured in this run:
  - baseline: reading every file with PyYAML's C loader (the least any importer must do);
  - parse: reading every file with source positions and exact decimals (what the importer uses);
  - import: parse + convert + write + validate every catalog (``import_files``), in-process;
  - cli: ``pricebook import pricing2yaml DATA --out TMP`` as a subprocess (start-up included);
and the ratio of each to the baseline, plus the import's CPU time against the baseline's (steadier
than wall time when other work shares the machine). Target: the whole import (cli) <= 10 s.

Run: .venv/bin/python bench/import_pricing2yaml.py [--data ../shared/data/pricing2yaml] [--repeat 3]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def best_cpu(fn: Callable[[], object], repeat: int) -> float:
    """CPU seconds of this process (threads included): steadier than wall time on a busy machine."""
    times = []
    for _ in range(repeat):
        t = time.process_time()
        fn()
        times.append(time.process_time() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "pricing2yaml")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    import yaml

    from pricebook.importers.pricing2yaml import expand_inputs, import_files, read_pricing

    files = expand_inputs([args.data])
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    def baseline() -> None:
        for f in files:
            yaml.load(f.read_bytes(), Loader=loader)

    def parse() -> None:
        for f in files:
            read_pricing(f)

    with tempfile.TemporaryDirectory() as tmp:
        counter = iter(range(10_000))

        def run_import() -> None:
            report = import_files([args.data], Path(tmp) / f"inproc-{next(counter)}")
            assert len(report.files) == len(files) and report.valid

        def run_cli() -> None:
            out = Path(tmp) / f"cli-{next(counter)}"
            subprocess.run([sys.executable, "-m", "pricebook", "import", "pricing2yaml", str(args.data),
                            "--out", str(out)], check=True, capture_output=True)

        t_base = best(baseline, args.repeat)
        t_parse = best(parse, args.repeat)
        t_import = best(run_import, args.repeat)
        c_base = best_cpu(baseline, args.repeat)
        c_import = best_cpu(run_import, args.repeat)
        t_cli = best(run_cli, args.repeat)

    print(f"files: {len(files)}")
    print(f"baseline  (PyYAML C loader)          {t_base:7.3f} s   1.00x")
    print(f"parse     (positions, exact numbers) {t_parse:7.3f} s  {t_parse / t_base:5.2f}x")
    print(f"import    (convert, write, validate) {t_import:7.3f} s  {t_import / t_base:5.2f}x")
    print(f"import CPU time (baseline CPU {c_base:.3f} s) {c_import:7.3f} s  {c_import / c_base:5.2f}x")
    print(f"cli       (subprocess, start-up)     {t_cli:7.3f} s  {t_cli / t_base:5.2f}x   target <= 10 s: "
          f"{'ok' if t_cli <= 10 else 'MISSED'}")


if __name__ == "__main__":
    main()
