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
    truncated_at = getattr(result, "truncated_at", None)
    if not entries:
        out.print(_history_summary(0, what, truncated_at))
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
                f"    [{STYLE[ch.severity]}]{ch.severity:<8}[/] {ch.kind:<30} [dim]{escape(ch.display_path)}[/]  "
                f"{escape(ch.message)}"
            )
    # a truncated entry is where a shallow clone stops: what that commit changed is unknown
    changed = sum(1 for e in entries if not getattr(e, "truncated", False))
    out.print("\n" + _history_summary(changed, what, truncated_at))


def _history_summary(changed: int, what: str, truncated_at: str | None) -> str:
    from pricebook.report.console import escape

    if truncated_at is None:
        if not changed:
            return f"no commits changed {escape(what)}"
        return f"{changed} commit{'s' if changed != 1 else ''} changed {escape(what)}"
    count = "no commit" if not changed else f"{changed} commit{'s' if changed != 1 else ''}"
    return f"{count} in the fetched history changed {escape(what)}; history truncated at {truncated_at[:8]}"
