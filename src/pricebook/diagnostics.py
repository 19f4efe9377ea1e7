"""Findings are data: a Diagnostic has a rule id, a severity and a place, and is rendered later."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning", "info"]
SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "error": 2}

PathPart = str | int
CatalogPath = tuple[PathPart, ...]


def format_path(path: Sequence[PathPart]) -> str:
    """Render a catalog path as ``plans.pro.prices.api-calls.tiers[1].up_to``."""
    out: list[str] = []
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        else:
            out.append(("." if out else "") + str(part))
    return "".join(out)


@dataclass(frozen=True)
class Position:
    """Where a node starts in its file: 1-based line and column."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Diagnostic:
    """One finding. ``rule`` is a stable id (``PB101``); tests assert on it, never on prose."""

    rule: str
    severity: Severity
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    path: str = ""
    fix: str | None = None
    name: str = ""

    @classmethod
    def at(
        cls,
        rule: str,
        severity: Severity,
        message: str,
        pos: Position | None,
        path: Sequence[PathPart] = (),
        fix: str | None = None,
        name: str = "",
    ) -> Diagnostic:
        return cls(
            rule=rule,
            severity=severity,
            message=message,
            file=pos.file if pos else None,
            line=pos.line if pos else None,
            column=pos.column if pos else None,
            path=format_path(path),
            fix=fix,
            name=name,
        )

    @property
    def location(self) -> str:
        if self.file is None:
            return "<catalog>"
        if self.line is None:
            return self.file
        return f"{self.file}:{self.line}:{self.column or 1}"

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def sort_diagnostics(diags: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Stable order for output: by file, line, column, then rule id."""
    return sorted(
        diags,
        key=lambda d: (d.file or "", d.line or 0, d.column or 0, d.rule, d.path, d.message),
    )


def worst(diags: Iterable[Diagnostic]) -> str | None:
    ranks = [SEVERITY_RANK[d.severity] for d in diags]
    if not ranks:
        return None
    top = max(ranks)
    return next(k for k, v in SEVERITY_RANK.items() if v == top)
