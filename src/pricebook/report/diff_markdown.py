"""The diff as markdown: a pull-request comment or a ``$GITHUB_STEP_SUMMARY`` section."""

from __future__ import annotations

from itertools import groupby

from pricebook.diff import DiffResult

ICON = {"breaking": "🔴", "warning": "🟡", "info": "🔵"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(result: DiffResult, fail_on: str | None = None, heading: str = "###") -> str:
    """Summary line, then one table per entity (plan, SKU, ...): severity, kind, path,
    before -> after, % change."""
    from pricebook.report.diff_text import summary_line
    from pricebook.report.diff_values import before_after, local_path, pct

    lines = [f"{heading} Pricing changes: `{result.base}` → `{result.head}`", ""]
    counts = result.counts()
    if not result.changes:
        lines.append("No pricing changes.")
        return "\n".join(lines) + "\n"
    verdict = ""
    if fail_on and fail_on != "never":
        verdict = " — **fails** the check" if result.fails(fail_on) else " — passes the check"
        verdict += f" (`--fail-on {fail_on}`)"
    lines.append(f"**{summary_line(result)}**{verdict}")
    lines.append("")
    lines.append(" ".join(f"{ICON[s]} {counts[s]} {s}" for s in ("breaking", "warning", "info")))
    for entity, group in groupby(result.changes, key=lambda c: c.entity):
        lines += [
            "",
            f"{heading}# `{entity}`",
            "",
            "| Severity | Change | Path | Before → After | % |",
            "| --- | --- | --- | --- | --- |",
        ]
        for c in group:
            lines.append(
                f"| {ICON[c.severity]} {c.severity} | `{c.kind}` | `{_cell(local_path(c))}` | "
                f"{_cell(before_after(c, '→'))} | {_cell(pct(c))} |"
            )
    return "\n".join(lines) + "\n"
