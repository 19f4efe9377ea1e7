"""Validation findings as text and JSON (SPEC §5). Other formats: see report.findings."""

from __future__ import annotations

import json
from collections.abc import Sequence

from pricebook.diagnostics import Diagnostic


def to_json(diags: Sequence[Diagnostic], valid: bool) -> str:
    return json.dumps({"valid": valid, "diagnostics": [d.to_dict() for d in diags]}, indent=2) + "\n"


def print_text(diags: Sequence[Diagnostic], valid: bool, files: int) -> None:
    import os
    import sys

    if not diags and not sys.stdout.isatty() and not os.environ.get("FORCE_COLOR"):
        # the common answer of a save in an editor or a hook: plain text, without importing rich (20 ms)
        sys.stdout.write(f"valid: {files} file{'s' if files != 1 else ''} checked, no findings\n")
        return
    from pricebook.report.console import console, escape

    out = console()
    style = {"error": "bold red", "warning": "yellow", "info": "blue"}
    for d in diags:
        path = f" [dim]{escape(d.path)}[/]" if d.path else ""
        out.print(f"{escape(d.location)}: [{style[d.severity]}]{d.severity}[/] "
                  f"[bold]{d.rule}[/]{' ' + escape(d.name) if d.name else ''}: {escape(d.message)}{path}")
        if d.fix:
            out.print(f"    [dim]fix:[/] {escape(d.fix)}")
    counts = {s: sum(1 for d in diags if d.severity == s) for s in ("error", "warning", "info")}
    summary = ", ".join(f"{n} {s}{'s' if n != 1 else ''}" for s, n in counts.items() if n)
    verdict = "[green]valid[/]" if valid else "[bold red]invalid[/]"
    out.print(f"{verdict}: {files} file{'s' if files != 1 else ''} checked"
              + (f", {summary}" if summary else ", no findings"))
