"""The diff as text for a terminal (rich): grouped by entity, coloured by severity."""

from __future__ import annotations

from itertools import groupby

from pricebook.diff import DiffResult

STYLE = {"breaking": "bold red", "warning": "yellow", "info": "blue"}


def summary_line(result: DiffResult) -> str:
    counts = result.counts()
    n = len(result.changes)
    if not n:
        return "no changes"
    parts = ", ".join(f"{v} {k}" for k, v in counts.items() if v)
    return f"{n} change{'s' if n != 1 else ''}: {parts}"


def print_text(result: DiffResult, fail_on: str | None = None) -> None:
    from pricebook.report.console import console, escape
    from pricebook.report.diff_values import local_path

    out = console()
    out.print(f"[bold]pricebook diff[/] {escape(result.base)} -> {escape(result.head)}")
    for entity, group in groupby(result.changes, key=lambda c: c.entity):
        out.print(f"\n[bold]{escape(entity)}[/]")
        for c in group:
            where = f" [dim]{escape(str(c.position))}[/]" if c.position else ""
            out.print(f"  [{STYLE[c.severity]}]{c.severity:<8}[/] {c.kind:<32} [dim]{escape(local_path(c))}[/]  "
                      f"{escape(c.message)}{where}")
    line = summary_line(result)
    if fail_on and fail_on != "never" and result.fails(fail_on):
        line += f" [bold red](fails --fail-on {fail_on})[/]"
    out.print(f"\n{line}")
