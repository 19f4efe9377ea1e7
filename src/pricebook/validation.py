"""``validate`` as a function: load, then run every semantic rule. The CLI renders the result."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pricebook.diagnostics import Diagnostic, sort_diagnostics
from pricebook.load import LoadResult, SourceFile, load_catalog, load_sources
from pricebook.model import Catalog


@dataclass
class ValidationResult:
    catalog: Catalog | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        return not any(d.severity == "error" for d in self.diagnostics)


def check_loaded(result: LoadResult, root: Path | None = None) -> ValidationResult:
    """Run the semantic rules over a loaded catalog (none run when loading failed)."""
    from pricebook.load.catalog import gc_paused
    from pricebook.rules import run_rules

    diags = list(result.diagnostics)
    if result.catalog is not None:
        with gc_paused():
            diags.extend(run_rules(result.catalog, root=root))
    return ValidationResult(result.catalog, sort_diagnostics(diags), result.files)


def validate_path(path: str | Path) -> ValidationResult:
    """Load the catalog at ``path`` and check it: every finding of every file, sorted."""
    p = Path(path)
    return check_loaded(load_catalog(p), root=p if p.is_dir() else p.parent)


def validate_sources(files: list[SourceFile]) -> ValidationResult:
    return check_loaded(load_sources(files))
