"""Diff changes as Diagnostics, so the shared findings renderers (github, sarif, junit) print them."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from pricebook.diagnostics import Diagnostic, Position
from pricebook.diff.change import Change

TO_DIAGNOSTIC_SEVERITY = {"breaking": "error", "warning": "warning", "info": "info"}


def _repo_file(pos: Position | None, root: Path | None) -> Position | None:
    """Files read from git show as ``REF:path``, the path from the repository's root; annotations
    need the file in the checkout: ``root / path`` (or the bare path when there is no work tree)."""
    if pos is None or os.path.exists(pos.file) or ":" not in pos.file:
        return pos
    rel = pos.file.split(":", 1)[1]
    return Position(str(root / rel) if root is not None else rel, pos.line, pos.column)


def to_diagnostics(
    changes: Iterable[Change], root: Path | None = None, for_people: bool = True
) -> list[Diagnostic]:
    """One Diagnostic per change: the kind is the rule id; the place is the changed line of HEAD;
    breaking -> error, warning -> warning, info -> info. ``root`` is the work tree of the repository
    git revisions were read from (default: the one that holds the current folder).

    ``for_people`` (annotations, JUnit: text a reviewer reads next to the message) names tiers from 1
    in the path, as the message does (``tier 3``); otherwise (SARIF's logical locations, read by
    tools) the path is the catalog path of JSON's ``path`` (``tiers[2]``)."""
    if root is None:
        from pricebook.gitrepo import worktree_root

        root = worktree_root(Path.cwd())
    out = []
    for c in changes:
        d = Diagnostic.at(
            c.kind,
            TO_DIAGNOSTIC_SEVERITY[c.severity],  # type: ignore[arg-type]
            f"{c.severity}: {c.message}",
            _repo_file(c.position, root),
            c.path,
        )
        out.append(replace(d, path=c.display_path) if for_people else d)
    return out


def describe_kind(kind: str) -> str | None:
    """A kind's one-line description for SARIF's rule list: its rule's reason; a kind whose severity
    depends on the change (a tier removed may merge two equal tiers, or raise bills) lists each
    severity with its reason, so the description never contradicts a result's level."""
    from pricebook.diff.classify import RULES

    rules = [r for r in RULES if r.kind == kind]
    if not rules:
        return None
    reasons = list(dict.fromkeys((r.severity, r.reason) for r in rules))
    if len({reason for _, reason in reasons}) == 1:
        return f"{kind}: {reasons[0][1]}"
    return f"{kind}, by the change: " + "; ".join(f"{sev}: {reason}" for sev, reason in reasons)


def render(fmt: str, changes: Iterable[Change], tool: str = "pricebook diff",
           root: Path | None = None) -> str:
    from pricebook.report import findings

    diagnostics = to_diagnostics(changes, root, for_people=fmt != "sarif")
    return str(findings.render(fmt, diagnostics, tool=tool, describe=describe_kind))
