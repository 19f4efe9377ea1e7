"""Diff changes as Diagnostics, so the shared findings renderers (github, sarif, junit) print them."""

from __future__ import annotations

from collections.abc import Iterable

from pricebook.diagnostics import Diagnostic
from pricebook.diff.change import Change

TO_DIAGNOSTIC_SEVERITY = {"breaking": "error", "warning": "warning", "info": "info"}


def to_diagnostics(changes: Iterable[Change]) -> list[Diagnostic]:
    """One Diagnostic per change: the kind is the rule id; the place is the changed line of HEAD."""
    out = []
    for c in changes:
        out.append(Diagnostic.at(c.kind, TO_DIAGNOSTIC_SEVERITY[c.severity],  # type: ignore[arg-type]
                                 f"{c.severity}: {c.message}", c.position, c.path, name=c.kind))
    return out


def render(fmt: str, changes: Iterable[Change], tool: str = "pricebook diff") -> str:
    from pricebook.report import findings

    return str(findings.render(fmt, to_diagnostics(changes), tool=tool))
