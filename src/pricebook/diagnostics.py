"""Findings are data: a Diagnostic has a rule id, a severity and a place, and is rendered later."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal

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


# text YAML would read as something other than that text (YAML 1.2 core: booleans, null, numbers)
_NOT_TEXT = re.compile(r"(?i:true|false|null|~|[-+]?\.(?:inf|nan))"
                       r"|[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?"
                       r"|0[xob][0-9a-fA-F_]+")
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")


def yaml_text(value: Any, none: str = "null", quote: bool = True) -> str:
    """``value`` as the catalog's YAML writes it, for messages: ``true``, ``2026-06-01``, ``0.0004``,
    ``[pro, starter]``, ``{plans: [pro], until: 2027-01-01}`` (never Python's ``True``, ``None``,
    ``['pro']`` or ``Decimal('0.0004')``). Text is plain unless YAML would read it as something else
    or cannot hold it plain, then double-quoted, so the result is also valid flow YAML; ``quote=False``
    never quotes (a message that shows an amount kept as text, ``"0.00002"``, as ``0.00002``).
    ``None`` is written as ``none``: callers pass what "not set" means where they say it."""
    if value is None:
        return none
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):  # plain notation, as load.dump.dec writes amounts
        text = format(value, "f")
        return "0" if text in ("-0", "+0") else text
    if isinstance(value, (int, float)):  # no-float-ok
        return str(value)
    if isinstance(value, date):  # datetime too
        return value.isoformat()
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{yaml_text(k, quote=quote)}: {yaml_text(v, quote=quote)}"
                               for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(yaml_text(v, quote=quote) for v in value) + "]"
    text = str(value)
    if not quote or _plain(text):
        return text
    import json

    return json.dumps(text, ensure_ascii=False)


def describe_value(value: Any) -> str:
    """A value of the wrong kind, for "expected X, got ..." messages, as the YAML wrote it and what
    it is: ``true (a boolean)``, ``12 (a number)``, ``a list ([a.csv, null])``, ``'abc'``, and
    ``no value (empty or null)`` for ``key:`` with nothing after it."""
    if value is None:
        return "no value (empty or null)"
    if isinstance(value, bool):
        return f"{yaml_text(value)} (a boolean)"
    if isinstance(value, (int, float, Decimal)):  # no-float-ok
        return f"{yaml_text(value)} (a number)"
    if isinstance(value, Mapping):
        return f"a mapping ({yaml_text(value)})"
    if isinstance(value, (list, tuple)):
        return f"a list ({yaml_text(value)})"
    return f"'{value}'"


def _plain(text: str) -> bool:
    """Whether YAML reads ``text`` back as that text when written plain, also inside ``[...]``."""
    return bool(text and text == text.strip() and text[0] not in _INDICATORS
                and not _NOT_TEXT.fullmatch(text) and not any(c in text for c in ",[]{}\"'\\")
                and ": " not in text and " #" not in text and not text.endswith(":") and text.isprintable())


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
