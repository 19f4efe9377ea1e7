"""`pricebook demo`: a self-contained tour on the bundled example catalog and generated usage."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pricebook.cli.common import echo, writable_folder


def demo(
    events: Annotated[int, typer.Option("--events", help="Usage events to generate.")] = 100_000,
    dir: Annotated[str | None, typer.Option("--dir", help="Keep the demo files in this folder (default: a "
                                            "temporary folder, removed when the demo ends).")] = None,
) -> None:
    """Generate usage for the acme catalog, change some prices, then validate -> diff -> simulate."""
    import tempfile

    from pricebook.errors import UsageError

    if events < 1:
        raise UsageError(f"--events must be at least 1, not {events}")
    if dir:
        writable_folder("--dir", dir)
        _tour(Path(dir), events, kept=True)
        return
    # The tour prints all it shows, and nothing it prints sends the user back to the generated files,
    # so the folder goes when it ends, also on an error or Ctrl-C (~5.6 MB left in /tmp by every run
    # otherwise). Whoever wants the files asks for them with --dir.
    with tempfile.TemporaryDirectory(prefix="pricebook-demo-") as tmp:
        _tour(Path(tmp), events, kept=False)


def _tour(root: Path, events: int, kept: bool) -> None:
    from pricebook.demo import prepare
    from pricebook.diff import diff_catalogs
    from pricebook.errors import InputError
    from pricebook.report.simulate_text import print_text
    from pricebook.simulate import Side, SimulationOptions, run_simulation
    from pricebook.simulate.sides import _load
    from pricebook.validation import validate_path

    where = f"--dir '{root}'" if kept else f"temporary folder '{root}'"
    try:
        files = prepare(root, events)
    except OSError as exc:
        raise InputError(f"{where}: cannot write the demo files ({exc.strerror or exc})") from None
    listing = f"usage.csv ({events} events), subscriptions.csv, baseline/, candidate/"
    if kept:
        echo(f"demo files in {root}: {listing}")
    else:
        echo("demo files in a temporary folder, removed when the demo ends (--dir DIR keeps them): "
             + listing)
    checks = []
    for name, path in (("baseline", files.baseline), ("candidate", files.candidate)):
        res = validate_path(path)
        n = len(res.diagnostics)
        checks.append(f"{name} {'valid' if res.valid else 'INVALID'} ({n} finding{'' if n == 1 else 's'})")
    echo(f"1. validate: {', '.join(checks)}")
    b_label, b_cat = _load(str(files.baseline), files.baseline)
    c_label, c_cat = _load(str(files.candidate), files.candidate)
    changes = diff_catalogs(b_cat, c_cat)
    echo(f"2. diff: {len(changes)} change(s)")
    for ch in list(changes)[:12]:
        echo(f"   {ch.severity}: {ch.display_path}: {ch.message}")
    echo("3. simulate:")
    options = SimulationOptions(usage=[str(files.usage)], subscriptions=str(files.subscriptions))
    baseline, candidate = Side("baseline", "baseline", b_cat), Side("candidate", "candidate", c_cat)
    print_text(run_simulation(options, baseline, candidate))
