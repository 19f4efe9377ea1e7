"""The values the semantic diff produces: a detected change, then the same change classified."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Literal

from pricebook.diagnostics import CatalogPath, PathPart, Position, format_path

ChangeSeverity = Literal["breaking", "warning", "info"]
SEVERITIES: tuple[str, ...] = ("info", "warning", "breaking")
SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "breaking": 2}
FAIL_ON_CHOICES: tuple[str, ...] = ("breaking", "warning", "info", "never")

# What a change does to what customers pay (or get), when the detector can tell.
Effect = Literal["up", "down", "none", "unknown"]


@dataclass(frozen=True)
class Detected:
    """A change found by detection, before any rule has judged it.

    ``effect`` says which way the bill moves for an existing customer: ``up`` (pays more or gets
    less), ``down`` (pays less or gets more), ``none``, or ``unknown``; rules read it.
    """

    kind: str
    path: CatalogPath
    before: Any
    after: Any
    message: str
    effect: str | None = None
    delta_pct: dict[str, str] | None = None  # per currency (or "" for a plain number)


@dataclass(frozen=True)
class Change:
    """One classified change: what scripts read (SPEC §5) plus where it sits in HEAD."""

    kind: str
    severity: str
    path: CatalogPath
    before: Any
    after: Any
    message: str
    rule: str = ""  # why this severity: the classification rule's reason
    effect: str | None = None
    delta_pct: dict[str, str] | None = None
    position: Position | None = field(default=None, compare=False)

    @property
    def path_str(self) -> str:
        return format_path(self.path)

    @property
    def display_path(self) -> str:
        """The path as reports for people show it (text, markdown, annotations): tiers numbered
        from 1."""
        return display_path(self.path)

    @property
    def fingerprint(self) -> str:
        """Short and stable across runs: the same kind at the same path hashes the same."""
        return hashlib.sha256(f"{self.kind}\0{self.path_str}".encode()).hexdigest()[:12]

    @property
    def entity(self) -> str:
        """What reports group by: ``plans.pro``, ``skus.api-calls``, ``catalog``, ``releases``."""
        if self.path and self.path[0] in ("catalog",):
            return "catalog"
        return format_path(self.path[:2]) if len(self.path) >= 2 else format_path(self.path)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "severity": self.severity,
            "path": self.path_str,
            "before": self.before,
            "after": self.after,
            "message": self.message,
            "fingerprint": self.fingerprint,
            "entity": self.entity,
        }
        if self.delta_pct:
            out["delta_pct"] = self.delta_pct
        if self.position is not None:
            out.update(file=self.position.file, line=self.position.line, column=self.position.column)
        return out


def display_path(path: CatalogPath) -> str:
    """A catalog path for people: ``prices.storage.tier 3.unit_price`` for
    ``prices.storage.tiers[2].unit_price``. Tiers are numbered from 1, as ``quote`` and the
    messages name them; ``format_path`` (JSON ``path``, SARIF, fingerprints) keeps the 0-based index
    that scripts and the validate findings use."""
    parts: list[PathPart] = []
    for part in path:
        if isinstance(part, int) and parts and parts[-1] == "tiers":
            parts[-1] = f"tier {part + 1}"
        else:
            parts.append(part)
    return format_path(parts)


def at_or_above(severity: str, fail_on: str) -> bool:
    """Whether a change of ``severity`` trips ``--fail-on fail_on``."""
    if fail_on == "never":
        return False
    return SEVERITY_RANK[severity] >= SEVERITY_RANK[fail_on]
