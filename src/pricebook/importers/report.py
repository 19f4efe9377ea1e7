"""The import report: every item an importer could not map, with where it was and why.

An ``ImportIssue`` is a value, like a validation finding: ``category`` is a stable kebab-case id
(tests and scripts count by it), ``path`` the dotted path inside the source file, ``reason`` prose.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pricebook.diagnostics import Diagnostic

# Every category an importer may use, with what it means (the docs table mirrors this).
CATEGORIES: dict[str, str] = {
    "text-feature": "a TEXT feature: pricebook entitlements are booleans or limits, not free text",
    "addon-price-not-numeric": "an add-on price that is no readable amount (missing, empty, '9,99', "
                               "another currency): imported without a price",
    "one-time-price": "a one-time charge: pricebook prices recur every billing period",
    "limit-extension": "usageLimitsExtensions: an add-on that raises a plan's limit by an amount",
    "addon-constraint": "excludes / dependsOn between add-ons",
    "unit": "a price unit whose qualifier or period cannot be expressed (or was converted: a quarter), "
            "or an add-on not offered with plans of another period",
    "metadata": "classification metadata of features (type, integrationType, ...)",
    "invalid-value": "a value of the wrong type for its feature or limit, or a plan price that is no "
                     "readable amount",
    "unknown-reference": "a reference to a plan, feature or limit the file does not define",
    "unknown-key": "a key the importer does not know",
    "billing": "a billing factor other than monthly/annual",
}


@dataclass(frozen=True)
class ImportIssue:
    """One item that was not (fully) mapped."""

    file: str
    path: str
    category: str
    reason: str
    line: int | None = None

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "path": self.path, "category": self.category,
                "reason": self.reason}


@dataclass
class FileResult:
    """What became of one source file."""

    source: str
    catalog_dir: str
    catalog_id: str
    created_at: str
    plans: int = 0
    sales_negotiated: int = 0
    annual_plans: int = 0
    features: int = 0
    add_ons: int = 0
    issues: list[ImportIssue] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity == "warning")

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source, "catalog": self.catalog_dir, "catalog_id": self.catalog_id,
            "created_at": self.created_at, "plans": self.plans, "sales_negotiated": self.sales_negotiated,
            "annual_plans": self.annual_plans, "features": self.features, "add_ons": self.add_ons,
            "valid": self.errors == 0, "errors": self.errors, "warnings": self.warnings,
            "unmapped": len(self.issues),
            "issues": [i.to_dict() for i in self.issues],
            "diagnostics": [{"rule": d.rule, "severity": d.severity, "message": d.message, "file": d.file,
                             "line": d.line, "column": d.column, "path": d.path} for d in self.diagnostics],
        }


@dataclass
class ImportReport:
    """The outcome of one import run: one ``FileResult`` per source file."""

    files: list[FileResult] = field(default_factory=list)
    written: bool = True  # False: --strict found unmapped items and nothing was written

    @property
    def issues(self) -> list[ImportIssue]:
        return [i for f in self.files for i in f.issues]

    @property
    def counts(self) -> dict[str, int]:
        """Unmapped items per category, most frequent first."""
        return dict(Counter(i.category for i in self.issues).most_common())

    @property
    def valid(self) -> bool:
        return all(f.errors == 0 for f in self.files)

    def warning_counts(self) -> dict[str, int]:
        """Validation warnings of the imported catalogs per rule id, most frequent first."""
        return dict(Counter(d.rule for f in self.files for d in f.diagnostics
                            if d.severity == "warning").most_common())

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "written": self.written,
            "imported": len(self.files),
            "unmapped": len(self.issues),
            "counts": self.counts,
            "warnings": self.warning_counts(),
            "files": [f.to_dict() for f in self.files],
        }
