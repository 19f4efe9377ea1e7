"""``validate`` as a function: load, then run every semantic rule. The CLI renders the result.

A large catalog that has not changed since the last run is not checked again: ``validate_path``
keeps its whole result (every finding) in the user's cache, keyed by every catalog file's display
path and bytes and by pricebook's own code (``load/cache.py``). Rules that read the catalog folder
on disk (``releases/``) are not cached: whether a rule reads it is observed while it runs, and those
rules run again on every call.

The catalog model itself is not kept in that entry unless a folder rule needs it: pickling 40,000
prices costs more than half a second on every run that changed a file (every save), and the
``validate`` command only prints findings. A caller that wants the model from a cached result
(``result.catalog``) gets it loaded on first access, from the per-file parse cache.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from pricebook.diagnostics import Diagnostic, sort_diagnostics
from pricebook.load import LoadResult, SourceFile, load_sources
from pricebook.model import Catalog


class ValidationResult:
    """A validation: its findings (sorted), the files read and the catalog model (None when it
    could not be built). ``load`` produces the model on first access of ``catalog``."""

    __slots__ = ("_catalog", "_load", "diagnostics", "files")

    def __init__(self, catalog: Catalog | None, diagnostics: list[Diagnostic] | None = None,
                 files: tuple[str, ...] = (), *, load: Callable[[], Catalog | None] | None = None) -> None:
        self._catalog, self._load = catalog, load if catalog is None else None
        self.diagnostics: list[Diagnostic] = diagnostics if diagnostics is not None else []
        self.files = files

    @property
    def catalog(self) -> Catalog | None:
        if self._load is not None:
            self._catalog, self._load = self._load(), None
        return self._catalog

    @property
    def valid(self) -> bool:
        return not any(d.severity == "error" for d in self.diagnostics)

    def __repr__(self) -> str:
        return f"ValidationResult(files={len(self.files)}, diagnostics={len(self.diagnostics)})"


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
            return cached.finish(root, lambda: load_sources(files).catalog)
        loaded = load_sources(files)
        checked, on_disk = _check(loaded, root)
        entry.write(checked)
        return ValidationResult(loaded.catalog, sort_diagnostics([*checked.diagnostics, *on_disk]),
                                checked.files)


def validate_sources(files: list[SourceFile]) -> ValidationResult:
    return check_loaded(load_sources(files))


class _WatchedContext:
    """A ``RuleContext`` that notes whether its rule looked at the catalog folder on disk, and
    whether it then looked at the catalog (so a cached result must keep the model for it)."""

    __slots__ = ("_catalog", "_root", "read_root", "catalog_after_root")

    def __init__(self, catalog: Catalog, root: Path | None) -> None:
        self._catalog, self._root = catalog, root
        self.read_root = self.catalog_after_root = False

    @property
    def catalog(self) -> Catalog:
        if self.read_root:
            self.catalog_after_root = True
        return self._catalog

    @property
    def root(self) -> Path | None:
        self.read_root = True
        return self._root


class _LazyContext:
    """The ``RuleContext`` of a folder rule rerun on a cache hit: the catalog is loaded only if
    the rule asks for it."""

    __slots__ = ("_catalog", "_load", "root")

    def __init__(self, catalog: Catalog | None, load: Callable[[], Catalog | None], root: Path) -> None:
        self._catalog, self._load, self.root = catalog, load, root

    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            self._catalog = self._load()
        assert self._catalog is not None  # only cached when the catalog was built
        return self._catalog


@dataclass
class _Checked:
    """What the result cache keeps: the findings of the rules that depend only on the catalog
    files, whether the catalog was built, and the ids of the rules (``disk_rules``) that read the
    folder and run again on every call. ``catalog`` is kept only when one of those rules read it."""

    has_catalog: bool
    diagnostics: list[Diagnostic]
    files: tuple[str, ...]
    disk_rules: tuple[str, ...] = ()
    catalog: Catalog | None = None

    def finish(self, root: Path, load: Callable[[], Catalog | None]) -> ValidationResult:
        from pricebook.rules import RuleContext, all_rules

        diags = list(self.diagnostics)
        catalog = self.catalog
        if self.has_catalog and self.disk_rules:
            wanted = set(self.disk_rules)
            ctx = _LazyContext(catalog, load, root)
            for rule in all_rules():
                if rule.id in wanted:
                    diags.extend(rule.check(cast(RuleContext, ctx)))
            catalog = ctx._catalog
        return ValidationResult(catalog, sort_diagnostics(diags), self.files,
                                load=load if self.has_catalog else None)


def _check(result: LoadResult, root: Path) -> tuple[_Checked, list[Diagnostic]]:
    """Run every rule; split the findings into those that may be cached and those of rules that
    read the folder on disk."""
    from pricebook.rules import RuleContext, all_rules

    diags = list(result.diagnostics)
    disk_rules: list[str] = []
    on_disk: list[Diagnostic] = []
    keep_catalog = False
    if result.catalog is not None:
        for rule in all_rules():
            ctx: Any = _WatchedContext(result.catalog, root)
            found = list(rule.check(cast(RuleContext, ctx)))
            if ctx.read_root:
                disk_rules.append(rule.id)
                on_disk.extend(found)
                keep_catalog = keep_catalog or ctx.catalog_after_root
            else:
                diags.extend(found)
    return _Checked(result.catalog is not None, diags, result.files, tuple(disk_rules),
                    result.catalog if keep_catalog else None), on_disk
