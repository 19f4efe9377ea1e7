"""``validate`` as a function: load, then run every semantic rule. The CLI renders the result.

A large catalog that has not changed since the last run is not checked again: ``validate_path``
keeps its whole result (the catalog model and every finding) in the user's cache, keyed by every
catalog file's display path and bytes and by pricebook's own code (``load/cache.py``). Rules that
read the catalog folder on disk (``releases/``) are not cached: whether a rule reads it is observed
while it runs, and those rules run again on every call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from pricebook.diagnostics import Diagnostic, sort_diagnostics
from pricebook.load import LoadResult, SourceFile, load_sources
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
    from pricebook.load.cache import result_entry
    from pricebook.load.catalog import discover, gc_paused

    p = Path(path)
    root = p if p.is_dir() else p.parent
    with gc_paused():
        files = discover(p)
        entry = result_entry(files)
        if entry is None:
            return check_loaded(load_sources(files), root=root)
        cached = entry.read()
        if isinstance(cached, _Checked):
            return cached.finish(root)
        checked, on_disk = _check(load_sources(files), root)
        entry.write(checked)
        return ValidationResult(checked.catalog, sort_diagnostics([*checked.diagnostics, *on_disk]),
                                checked.files)


def validate_sources(files: list[SourceFile]) -> ValidationResult:
    return check_loaded(load_sources(files))


class _WatchedContext:
    """A ``RuleContext`` that notes whether its rule looked at the catalog folder on disk."""

    __slots__ = ("catalog", "_root", "read_root")

    def __init__(self, catalog: Catalog, root: Path | None) -> None:
        self.catalog, self._root, self.read_root = catalog, root, False

    @property
    def root(self) -> Path | None:
        self.read_root = True
        return self._root


@dataclass
class _Checked:
    """What the result cache keeps: the load, and the findings of the rules that depend only on
    the catalog files; ``disk_rules`` (ids) read the folder and run again on every call."""

    catalog: Catalog | None
    diagnostics: list[Diagnostic]
    files: tuple[str, ...]
    disk_rules: tuple[str, ...] = ()

    def finish(self, root: Path) -> ValidationResult:
        from pricebook.rules import all_rules, run_rules

        diags = list(self.diagnostics)
        if self.catalog is not None and self.disk_rules:
            wanted = set(self.disk_rules)
            diags.extend(run_rules(self.catalog, root=root, rules=[r for r in all_rules() if r.id in wanted]))
        return ValidationResult(self.catalog, sort_diagnostics(diags), self.files)


def _check(result: LoadResult, root: Path) -> tuple[_Checked, list[Diagnostic]]:
    """Run every rule; split the findings into those that may be cached and those of rules that
    read the folder on disk."""
    from pricebook.rules import RuleContext, all_rules

    diags = list(result.diagnostics)
    disk_rules: list[str] = []
    on_disk: list[Diagnostic] = []
    if result.catalog is not None:
        for rule in all_rules():
            ctx: Any = _WatchedContext(result.catalog, root)
            found = list(rule.check(cast(RuleContext, ctx)))
            if ctx.read_root:
                disk_rules.append(rule.id)
                on_disk.extend(found)
            else:
                diags.extend(found)
    return _Checked(result.catalog, diags, result.files, tuple(disk_rules)), on_disk
