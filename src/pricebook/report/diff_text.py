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
            out.print(
                f"  [{STYLE[c.severity]}]{c.severity:<8}[/] {c.kind:<32} [dim]{escape(local_path(c))}[/]  "
                f"{escape(c.message)}{where}"
            )
    line = summary_line(result)
    if fail_on and fail_on != "never" and result.fails(fail_on):
        line += f" [bold red](fails --fail-on {fail_on})[/]"
    out.print(f"\n{line}")


def print_history(result: object) -> None:
    """``history`` as text: one block per commit, its changes indented under it."""
    from pricebook.report.console import console, escape

    out = console()
    entries = getattr(result, "entries", [])
    what = getattr(result, "entity", None) or f"catalog {getattr(result, 'catalog', '')}"
    if not entries:
        out.print(f"no commits changed {escape(what)}")
        return
    for e in entries:
        c = e.commit
        out.print(
            f"[bold yellow]{c.short}[/] {c.date.strftime('%Y-%m-%d %H:%M %z')}  {escape(c.author)}  "
            f"[bold]{escape(c.subject)}[/]"
        )
        if e.note:
            out.print(f"    [dim]{escape(e.note)}[/]")
        for ch in e.changes:
            out.print(
                f"    [{STYLE[ch.severity]}]{ch.severity:<8}[/] {ch.kind:<30} [dim]{escape(ch.path_str)}[/]  "
                f"{escape(ch.message)}"
            )
    out.print(f"\n{len(entries)} commit{'s' if len(entries) != 1 else ''} changed {escape(what)}")
