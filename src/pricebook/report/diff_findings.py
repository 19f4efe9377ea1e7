"""Diff changes as Diagnostics, so the shared findings renderers (github, sarif, junit) print them."""

from __future__ import annotations

import os
from collections.abc import Iterable

from pricebook.diagnostics import Diagnostic, Position
from pricebook.diff.change import Change

TO_DIAGNOSTIC_SEVERITY = {"breaking": "error", "warning": "warning", "info": "info"}


def _repo_file(pos: Position | None) -> Position | None:
    """Files read from git show as ``REF:path``; annotations need the path in the checkout."""
    if pos is None or os.path.exists(pos.file) or ":" not in pos.file:
        return pos
    return Position(pos.file.split(":", 1)[1], pos.line, pos.column)


def to_diagnostics(changes: Iterable[Change]) -> list[Diagnostic]:
    """One Diagnostic per change: the kind is the rule id; the place is the changed line of HEAD;
    breaking -> error, warning -> warning, info -> info."""
    return [
        Diagnostic.at(
            c.kind,
            TO_DIAGNOSTIC_SEVERITY[c.severity],  # type: ignore[arg-type]
            f"{c.severity}: {c.message}",
            _repo_file(c.position),
            c.path,
        )
        for c in changes
    ]


def describe_kind(kind: str) -> str | None:
    """A kind's one-line description for SARIF's rule list: the reason of its first rule."""
    from pricebook.diff.classify import RULES

    return next((f"{kind}: {r.reason}" for r in RULES if r.kind == kind), None)


def render(fmt: str, changes: Iterable[Change], tool: str = "pricebook diff") -> str:
    from pricebook.report import findings

    return str(findings.render(fmt, to_diagnostics(changes), tool=tool, describe=describe_kind))
