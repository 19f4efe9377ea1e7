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

After an edit, the entry of the catalog's previous version still helps: it keeps, for every file
that defines plans, the findings of the plan-scoped rules (``Rule.scope``) on those plans, under a
key made of the file's bytes, the bytes of every file that holds anything besides plans, the
bytes of the files that define the plans they extend, and pricebook's code. A file whose key is
unchanged keeps its findings; the plan-scoped rules run only on the plans of the other files (and
their ancestors, for what they inherit), and the catalog-scoped rules on the whole catalog. Saving
one plans file of a 40,000-price catalog thus checks one file's plans, not all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from pricebook.diagnostics import Diagnostic, sort_diagnostics
from pricebook.load import LoadResult, SourceFile, load_sources
from pricebook.model import Catalog, Plan


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
    from pricebook.rules import all_rules

    diags = list(result.diagnostics)
    if result.catalog is not None:
        with gc_paused():
            rules = all_rules()  # a large catalog's on two CPUs, as in ``_run_all``
            runs = _run_split(result.catalog, root, rules) or _run_watched(result.catalog, root, rules)
            diags.extend(d for _, _, _, found in runs for d in found)
    return ValidationResult(result.catalog, sort_diagnostics(diags), result.files)


def validate_path(path: str | Path) -> ValidationResult:
    """Load the catalog at ``path`` and check it: every finding of every file, sorted."""
    from pricebook.load.cache import result_entry
    from pricebook.load.catalog import discover, gc_paused, keep_until_exit

    p = Path(path)
    root = p if p.is_dir() else p.parent
    with gc_paused():
        files = discover(p)
        entry = result_entry(files)
        if entry is None:
            loaded = load_sources(files)
            keep_until_exit(loaded)  # the parsed data: the CLI leaves without freeing it
            return check_loaded(loaded, root=root)
        cached, current = entry.read_any()
        if current and isinstance(cached, _Checked):
            return cached.finish(root, lambda: load_sources(files).catalog)
        loaded = load_sources(files, digests=entry.file_digests)
        keep_until_exit(loaded)
        previous = cached if isinstance(cached, _Checked) else None
        checked, on_disk = _check(loaded, root, previous, entry.file_digests)
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


# a file that defines plans -> (the key its findings are valid under, the plan-scoped rules'
# findings on its plans)
_ByFile = dict[str, tuple[bytes, list[Diagnostic]]]


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
    by_file: _ByFile | None = None

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


def _check(result: LoadResult, root: Path, previous: _Checked | None = None,
           digests: dict[str, bytes] | None = None) -> tuple[_Checked, list[Diagnostic]]:
    """Run every rule; split the findings into those that may be cached and those of rules that
    read the folder on disk. With ``previous`` (the result of an earlier version of these files)
    and the files' ``digests``, files whose plans' findings are still valid keep them."""
    from pricebook.rules import all_rules

    diags = list(result.diagnostics)
    disk_rules: list[str] = []
    on_disk: list[Diagnostic] = []
    keep_catalog = False
    by_file: _ByFile | None = None
    if result.catalog is not None:
        rules = all_rules()
        keys = _file_keys(result, digests) if digests is not None else {}
        runs, plan_found, by_file = _run_incremental(result, root, rules, keys,
                                                     previous.by_file if previous is not None else None)
        for rule_id, read_root, catalog_after_root, found in runs:
            if read_root:
                disk_rules.append(rule_id)
                on_disk.extend(found)
                keep_catalog = keep_catalog or catalog_after_root
            else:
                diags.extend(found)
        diags.extend(plan_found)
    return _Checked(result.catalog is not None, diags, result.files, tuple(disk_rules),
                    result.catalog if keep_catalog else None, by_file), on_disk


def _file_keys(result: LoadResult, digests: dict[str, bytes]) -> dict[str, bytes]:
    """For every file that defines plans: the key its plans' findings are valid under (see the
    module's docstring)."""
    import hashlib

    from pricebook.load.cache import _code_salt

    assert result.catalog is not None
    plans, plan_files = result.catalog.plans, result.plan_files
    if any("." in pid or "[" in pid for pid in plan_files):
        return {}  # a finding's path would not tell which plan it is under: check them all
    base = hashlib.sha256(_code_salt())
    for f in sorted(result.base_files):
        base.update(f.encode("utf-8", "surrogateescape") + b"\0" + digests[f])
    ancestor_files: dict[str, set[str]] = {}
    for pid, f in plan_files.items():
        ancestor_files.setdefault(f, set()).update(
            plan_files[a] for a in _ancestors(plans, pid) if a in plan_files)
    keys: dict[str, bytes] = {}
    for f, deps in ancestor_files.items():
        h = base.copy()
        for g in sorted(deps | {f}):
            h.update(b"\1" + g.encode("utf-8", "surrogateescape") + b"\0" + digests[g])
        keys[f] = h.digest()
    return keys


def _ancestors(plans: Mapping[str, Plan], pid: str) -> list[str]:
    """The plans ``pid`` extends, nearest first (a built catalog has no cycles or unknown parents)."""
    out: list[str] = []
    parent = plans[pid].extends if pid in plans else None
    while parent is not None and parent in plans and parent not in out and parent != pid:
        out.append(parent)
        parent = plans[parent].extends
    return out


def _run_incremental(result: LoadResult, root: Path, rules: list[Any], keys: dict[str, bytes],
                     previous: _ByFile | None
                     ) -> tuple[list[_RuleRun], list[Diagnostic], _ByFile]:
    """Every rule over ``result.catalog``, the plan-scoped ones only on the plans of files whose
    findings ``previous`` does not hold under the same key. Returns the runs of the rules whose
    findings are not kept per file, the plan-scoped findings, and the per-file findings to keep
    (those whose key did not change, and those just found)."""
    import dataclasses

    catalog = result.catalog
    assert catalog is not None
    kept = {f: found for f, (key, found) in (previous or {}).items() if keys.get(f) == key}
    if not kept:
        return _run_all(result, root, rules, keys)
    plan_rules = [r for r in rules if r.scope == "plan"]
    other_rules = [r for r in rules if r.scope != "plan"]
    todo = {pid for pid, f in result.plan_files.items() if f not in kept and pid in catalog.plans}
    wanted = todo.union(*(_ancestors(catalog.plans, pid) for pid in todo))  # for what they inherit
    part = dataclasses.replace(catalog, plans={pid: p for pid, p in catalog.plans.items() if pid in wanted})
    runs = _run_watched(catalog, root, other_rules)
    plan_runs = _run_split(part, root, plan_rules) or _run_watched(part, root, plan_rules)
    if any(read_root for _, read_root, _, _ in plan_runs):  # not plan-scoped after all
        return _run_all(result, root, rules, keys)
    found = [d for _, _, _, ds in plan_runs for d in ds]
    base, fresh = _attribute(found, result.plan_files, todo, keys, ignore=wanted - todo)
    by_file = {**{f: (keys[f], ds) for f, ds in kept.items()}, **fresh}
    plan_found = base + [d for _, ds in by_file.values() for d in ds]
    return runs, plan_found, _complete(by_file, keys)


def _run_all(result: LoadResult, root: Path, rules: list[Any], keys: dict[str, bytes]
             ) -> tuple[list[_RuleRun], list[Diagnostic], _ByFile]:
    """``_run_incremental`` with nothing to reuse: every rule on the whole catalog, in one run."""
    catalog = result.catalog
    assert catalog is not None
    runs = _run_split(catalog, root, rules) or _run_watched(catalog, root, rules)
    plan_ids = {r.id for r in rules if r.scope == "plan"}
    found = [d for rule_id, read_root, _, ds in runs if rule_id in plan_ids and not read_root for d in ds]
    rest = [r for r in runs if not (r[0] in plan_ids and not r[1])]
    base, by_file = _attribute(found, result.plan_files, set(catalog.plans), keys)
    return rest, base + [d for _, ds in by_file.values() for d in ds], _complete(by_file, keys)


def _attribute(found: list[Diagnostic], plan_files: dict[str, str], plans: set[str],
               keys: dict[str, bytes], ignore: set[str] | None = None) -> tuple[list[Diagnostic], _ByFile]:
    """Split plan-scoped findings into those outside ``plans`` and those of each file's plans.
    Findings under a plan in ``ignore`` are dropped: they belong to a file whose findings are kept.
    A finding placed in another file than its plan's makes that file's findings unfit to keep."""
    base: list[Diagnostic] = []
    by_file: _ByFile = {}
    for f in {plan_files[pid] for pid in plans if pid in plan_files}:
        by_file[f] = (keys.get(f, b""), [])
    for d in found:
        pid = _plan_of(d.path)
        if pid is None or pid not in plans:
            if pid is None or not ignore or pid not in ignore:
                base.append(d)
            continue
        f = plan_files[pid]
        if d.file != f:
            by_file[f] = (b"", by_file[f][1])  # an empty key is never kept
        by_file[f][1].append(d)
    return base, by_file


def _plan_of(path: str) -> str | None:
    """The plan id of a finding's path (``plans.pro.prices.x`` -> ``pro``), or None."""
    if not path.startswith("plans."):
        return None
    rest = path[6:]
    ends = [i for i in (rest.find("."), rest.find("[")) if i >= 0]
    return rest[:min(ends)] if ends else rest


def _complete(by_file: _ByFile, keys: dict[str, bytes]
              ) -> _ByFile:
    """What to keep per file: no entry for a file whose findings are not fit to keep."""
    return {f: v for f, v in by_file.items() if v[0] and v[0] == keys.get(f)}


_RuleRun = tuple[str, bool, bool, list[Diagnostic]]  # rule id, read the folder, then the catalog, findings


def _run_watched(catalog: Catalog, root: Path | None, rules: list[Any]) -> list[_RuleRun]:
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


def _run_split(catalog: Catalog, root: Path | None, rules: list[Any]) -> list[_RuleRun] | None:
    """The rules of a large catalog on two CPUs: a forked child runs every other rule on the
    catalog it shares with the parent (nothing is copied but the pages it touches) and sends back
    its findings pickled, while the parent runs the rest. Results come back in rule order, exactly
    as ``_run_watched`` gives them. None when it does not apply (one CPU, ``PRICEBOOK_JOBS=1``, no
    ``fork``, other threads, a small catalog) or when the child fails: the caller runs them here."""
    from pricebook.load.catalog import _usable_cpus, can_fork, run_beside

    if not can_fork() or _usable_cpus() < 2 or len(rules) < 2:
        return None
    owners: list[Any] = [*catalog.plans.values(), *catalog.add_ons.values()]
    if sum(len(o.prices) for o in owners) < SPLIT_MIN_PRICES:
        return None
    from pricebook.rules import _walk

    _walk.prepare(catalog)  # the walks most rules share, once, before the fork
    theirs, mine = rules[0::2], rules[1::2]
    ran = run_beside(lambda: _run_watched(catalog, root, theirs), lambda: _run_watched(catalog, root, mine))
    if ran is None or ran[1] is None:
        return None
    here, there = ran[0], ran[1][0]
    if not isinstance(there, list) or [r[0] for r in there] != [r.id for r in theirs]:
        return None
    merged: list[_RuleRun] = []
    for i in range(len(rules)):
        merged.append(there[i // 2] if i % 2 == 0 else here[i // 2])
    return merged
