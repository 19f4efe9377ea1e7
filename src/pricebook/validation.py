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
    from pricebook.rules import all_rules

    diags = list(result.diagnostics)
    disk_rules: list[str] = []
    on_disk: list[Diagnostic] = []
    keep_catalog = False
    if result.catalog is not None:
        rules = all_rules()
        runs = _run_split(result.catalog, root, rules) or _run_watched(result.catalog, root, rules)
        for rule_id, read_root, catalog_after_root, found in runs:
            if read_root:
                disk_rules.append(rule_id)
                on_disk.extend(found)
                keep_catalog = keep_catalog or catalog_after_root
            else:
                diags.extend(found)
    return _Checked(result.catalog is not None, diags, result.files, tuple(disk_rules),
                    result.catalog if keep_catalog else None), on_disk


_RuleRun = tuple[str, bool, bool, list[Diagnostic]]  # rule id, read the folder, then the catalog, findings


def _run_watched(catalog: Catalog, root: Path, rules: list[Any]) -> list[_RuleRun]:
    from pricebook.rules import RuleContext

    out: list[_RuleRun] = []
    for rule in rules:
        ctx: Any = _WatchedContext(catalog, root)
        found = list(rule.check(cast(RuleContext, ctx)))
        out.append((rule.id, ctx.read_root, ctx.catalog_after_root, found))
    return out


# Splitting the rules over two processes pays from about this many prices (rules take ~7 µs a price;
# a fork of the loaded process and the pickled findings cost 10-30 ms).
SPLIT_MIN_PRICES = 10_000


def _run_split(catalog: Catalog, root: Path, rules: list[Any]) -> list[_RuleRun] | None:
    """The rules of a large catalog on two CPUs: a forked child runs every other rule on the
    catalog it shares with the parent (nothing is copied but the pages it touches) and sends back
    its findings pickled, while the parent runs the rest. Results come back in rule order, exactly
    as ``_run_watched`` gives them. None when it does not apply (one CPU, ``PRICEBOOK_JOBS=1``, no
    ``fork``, other threads, a small catalog) or when the child fails: the caller runs them here."""
    import os
    import pickle

    from pricebook.load.catalog import _usable_cpus, can_fork

    if not can_fork() or _usable_cpus() < 2 or len(rules) < 2:
        return None
    owners: list[Any] = [*catalog.plans.values(), *catalog.add_ons.values()]
    if sum(len(o.prices) for o in owners) < SPLIT_MIN_PRICES:
        return None
    theirs, mine = rules[0::2], rules[1::2]
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        return None
    if pid == 0:  # the child: run its rules, send the results, leave without running any cleanup
        code = 1
        try:
            os.close(read_fd)
            data = pickle.dumps(_run_watched(catalog, root, theirs), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_fd, "wb") as out:
                out.write(data)
            code = 0
        finally:
            os._exit(code)
    os.close(write_fd)
    try:
        here = _run_watched(catalog, root, mine)
    finally:
        with os.fdopen(read_fd, "rb") as inp:
            data = inp.read()  # read before waiting: the child blocks until its findings are read
        _, status = os.waitpid(pid, 0)
    if not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0):
        return None
    try:
        there: list[_RuleRun] = pickle.loads(data)
    except Exception:
        return None
    if [r[0] for r in there] != [r.id for r in theirs]:
        return None
    merged: list[_RuleRun] = []
    for i in range(len(rules)):
        merged.append(there[i // 2] if i % 2 == 0 else here[i // 2])
    return merged
