"""Read a catalog: every ``*.yaml``/``*.yml`` under a directory (outside ``releases/``), merged.

Sources are abstract (``SourceFile``: a display path and bytes), so the same loader reads a working
tree, a git revision or a test's in-memory files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, TypeVar

from pricebook.diagnostics import CatalogPath, Diagnostic, Position
from pricebook.errors import InputError
from pricebook.model import Catalog

if TYPE_CHECKING:
    from pricebook.load.yamlsrc import ParsedYaml

T = TypeVar("T")

COLLECTIONS = ("meters", "features", "skus", "plans", "add_ons", "grandfathering")
TOP_LEVEL = ("catalog", *COLLECTIONS)
SKIP_DIRS = {"releases", "node_modules", "__pycache__"}
SETTINGS_FILES = {"pricebook.yaml", "pricebook.yml", ".pre-commit-config.yaml", ".pre-commit-hooks.yaml"}


@dataclass(frozen=True)
class SourceFile:
    """One catalog file: ``path`` is what findings show (relative to where the user stands)."""

    path: str
    data: bytes


@dataclass
class LoadResult:
    """A catalog model (None when errors stop it from being built) and every finding on the way."""

    catalog: Catalog | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)  # merged plain data, before extends
    files: tuple[str, ...] = ()
    # where things are written, for incremental checking (``validation.py``): the file that
    # defines each plan, and the files that hold anything besides plans
    plan_files: dict[str, str] = field(default_factory=dict)
    base_files: tuple[str, ...] = ()

    @property
    def has_errors(self) -> bool:
        return any(d.severity == "error" for d in self.diagnostics)


def discover(root: Path, display_root: str | None = None) -> list[SourceFile]:
    """The catalog files under ``root``, sorted, skipping ``releases/``, hidden folders and settings."""
    if not root.exists():
        raise InputError(f"catalog path '{root}' does not exist")
    if root.is_file():
        return [SourceFile(str(root), root.read_bytes())]
    base = display_root if display_root is not None else str(root)
    out: list[SourceFile] = []
    for p in sorted(root.rglob("*")):
        if p.suffix not in (".yaml", ".yml") or not p.is_file():
            continue
        rel = p.relative_to(root)
        if not is_source(rel.as_posix()):
            continue
        try:
            data = p.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read {p}: {exc.strerror}") from exc
        out.append(SourceFile(str(Path(base) / rel) if base not in ("", ".") else str(rel), data))
    return out


def is_source(rel: str) -> bool:
    """Whether a path relative to a catalog folder (POSIX) is a catalog source file: YAML outside
    ``releases/``, ``node_modules/``, ``__pycache__/`` and hidden folders, not a hidden file, nor the
    settings or pre-commit files. ``discover`` reads these; a catalog read from git or written back by
    a rollback is the same set."""
    parts = PurePosixPath(rel).parts
    if not parts or not rel.endswith((".yaml", ".yml")):
        return False
    if any(part in SKIP_DIRS or part.startswith(".") for part in parts[:-1]):
        return False
    return not (parts[-1].startswith(".") or parts[-1] in SETTINGS_FILES)


def load_catalog(path: str | Path) -> LoadResult:
    """Load the catalog directory (or single file) at ``path``."""
    root = Path(path)
    files = discover(root)
    return load_sources(files)


def load_sources(files: Iterable[SourceFile], *, digests: Mapping[str, bytes] | None = None) -> LoadResult:
    """Parse, schema-check, merge and build. Syntax and schema errors in any file stop the build
    (the model would be guesswork), but every file is still read so all of them are reported.
    ``digests`` (display path -> SHA-256 of the bytes) save hashing the files again when the
    caller has them."""
    with gc_paused():
        return _load_sources(files, digests)


_FREEZE_AFTER_PAUSE = False


def set_freeze_after_pause(on: bool) -> bool:
    """Whether ``gc_paused`` ends with ``gc.freeze()``. Only the one-shot CLI process turns it on:
    freezing moves every live object of the process to the permanent generation, which a library
    caller (an editor server, a test run) must not have done to it. Returns the previous setting."""
    global _FREEZE_AFTER_PAUSE
    previous, _FREEZE_AFTER_PAUSE = _FREEZE_AFTER_PAUSE, on
    return previous


_KEPT: list[Any] = []


def keep_until_exit(obj: Any) -> None:
    """In the one-shot CLI process (``set_freeze_after_pause(True)``), hold ``obj`` until the process
    ends: the CLI then leaves without freeing it object by object (a large catalog is a million
    objects, 0.1 s to free). Elsewhere (a library caller, a test) nothing is held."""
    if _FREEZE_AFTER_PAUSE:
        _KEPT.append(obj)


def kept_until_exit() -> bool:
    """Whether a command kept something with ``keep_until_exit``."""
    return bool(_KEPT)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector. Loading and checking a catalog allocate hundreds of
    thousands of small objects and free none of them: the collector would walk them again and again
    for nothing (a quarter to half of the time on a big catalog). Reference counting still frees
    everything that is dropped.

    In the CLI (``set_freeze_after_pause(True)``), the objects still alive when the pause ends (the
    catalog) are moved to the permanent generation (``gc.freeze``) instead of being walked by the
    next collection: that walk alone costs a third of a cached ``validate`` on a big catalog. The
    process ends soon after, so nothing that freezing keeps is kept for long."""
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if _FREEZE_AFTER_PAUSE:
                gc.freeze()
            gc.enable()


def _load_sources(files: Iterable[SourceFile], digests: Mapping[str, bytes] | None = None) -> LoadResult:
    from pricebook.load.build import Builder
    from pricebook.load.yamlsrc import MergedPositions

    diags: list[Diagnostic] = []
    merged: dict[str, Any] = {}
    positions = MergedPositions()
    # the positions of the file that first defined each entity (looked up only for a duplicate)
    origin: dict[CatalogPath, tuple[Mapping[CatalogPath, Position], str]] = {}
    names: list[str] = []
    plan_files: dict[str, str] = {}
    base_files: list[str] = []
    blocked = False
    files = list(files)
    checked, seen = _parse_all(files)
    for f, (parsed, schema) in zip(files, checked, strict=True):
        names.append(f.path)
        diags.extend(parsed.diagnostics)
        if not parsed.ok:
            blocked = True
            continue
        if parsed.data is None:
            continue
        diags.extend(schema)
        if schema:
            blocked = True
        if not isinstance(parsed.data, Mapping):
            continue
        positions.add(parsed.positions)
        _merge_file(parsed.data, parsed.positions, f.path, merged, origin, diags)
        plans = parsed.data.get("plans")
        if isinstance(plans, Mapping):
            for pid in plans:
                plan_files.setdefault(str(pid), f.path)
        if any(key != "plans" for key in parsed.data):
            base_files.append(f.path)
    if not names:
        diags.append(Diagnostic("PB012", "error", "no catalog files (*.yaml, *.yml) found",
                                name="catalog-missing"))
    if blocked or any(d.severity == "error" for d in diags):
        return LoadResult(None, diags, merged, tuple(names))
    memo = _PlanMemo.open(files, seen, plan_files, merged, digests)
    builder = Builder(positions, tuple(names))
    catalog = builder.build(merged, prebuilt=memo.prebuilt if memo is not None else None)
    diags.extend(builder.diagnostics)
    if builder.diagnostics and any(d.severity == "error" for d in builder.diagnostics):
        catalog = None
    if memo is not None and catalog is not None:
        memo.keep(catalog)
    return LoadResult(catalog, diags, merged, tuple(names), plan_files, tuple(base_files))


class _PlanMemo:
    """The built plans of a large catalog's files, read from the cache where they are kept
    (``cache.plans_key``): ``prebuilt`` for the builder, and ``keep`` for the files whose plans were
    built this time. Only files read from the parse cache get their plans kept: a file seen once
    (a first run, the file being edited) is not worth the pickling."""

    def __init__(self, prebuilt: dict[str, Any], to_keep: dict[bytes, list[str]]) -> None:
        self.prebuilt, self.to_keep = prebuilt, to_keep

    @classmethod
    def open(cls, files: list[SourceFile], seen: set[str], plan_files: dict[str, str],
             merged: Mapping[str, Any], digests: Mapping[str, bytes] | None) -> _PlanMemo | None:
        from pricebook.load.cache import (
            MIN_BYTES,
            RESULT_MIN_BYTES,
            cache_dir,
            file_digests,
            plans_key,
            read_plans,
        )

        raw_plans = merged.get("plans")
        if (not plan_files or not isinstance(raw_plans, Mapping) or cache_dir() is None
                or sum(len(f.data) for f in files) < RESULT_MIN_BYTES):
            return None
        head = merged.get("catalog")
        currency = head.get("currency") if isinstance(head, Mapping) else None
        plain_plans = {str(k): v for k, v in raw_plans.items()}  # as the builder names them
        by_file: dict[str, list[str]] = {}
        for pid, path in plan_files.items():
            by_file.setdefault(path, []).append(pid)
        sizes = {f.path: len(f.data) for f in files}
        digest = dict(digests) if digests is not None else file_digests(files)

        prebuilt: dict[str, Any] = {}
        to_keep: dict[bytes, list[str]] = {}
        for path, pids in by_file.items():
            if sizes.get(path, 0) < MIN_BYTES:
                continue  # a small file's plans build faster than they are read
            deps = _ancestor_files(pids, plain_plans, plan_files)
            if deps is None:
                continue  # an unknown parent or a cycle: the builder reports it
            key = plans_key(currency, [digest[g] for g in {path, *deps}])
            plans = read_plans(key)
            if plans is not None and set(plans) == {str(p) for p in pids}:
                prebuilt.update(plans)
            elif path in seen:  # missing or unreadable: (re)write it
                to_keep[key] = [str(p) for p in pids]
        return cls(prebuilt, to_keep)

    def keep(self, catalog: Catalog) -> None:
        from pricebook.load.cache import write_plans

        for key, pids in self.to_keep.items():
            if all(p in catalog.plans for p in pids):
                write_plans(key, {p: catalog.plans[p] for p in pids})


def _ancestor_files(pids: list[str], raw_plans: Mapping[str, Any],
                    plan_files: dict[str, str]) -> set[str] | None:
    """The files defining the plans that ``pids`` extend, or None when a chain breaks."""
    out: set[str] = set()
    for pid in pids:
        seen = {pid}
        cur = raw_plans.get(pid)
        if not isinstance(cur, Mapping):
            return None
        while isinstance(cur.get("extends"), str):
            parent = cur["extends"]
            if parent in seen or parent not in raw_plans or parent not in plan_files:
                return None
            seen.add(parent)
            out.add(plan_files[parent])
            cur = raw_plans[parent]
            if not isinstance(cur, Mapping):
                return None
    return out


# Parsing in several processes pays when there is this much to parse (a fork and the pickled
# results cost about 20 ms a worker); a catalog that small parses in a tenth of a second anyway.
PARALLEL_MIN_BYTES = 1 << 20


def _parse_all(files: list[SourceFile]) -> tuple[list[tuple[ParsedYaml, list[Diagnostic]]], set[str]]:
    """Parse and schema-check every file, in order, from the cache where it has them; also the
    paths of the files the cache had. When several large files are not in the parse
    cache (a first run, CI), they are parsed in forked worker processes, one per usable CPU: each
    returns its result pickled (the positions stay pickled until a finding needs one), so the
    parent spends a few milliseconds a file instead of the parse. Sequential elsewhere (no
    ``fork``), for small catalogs, and when a worker fails."""
    from pricebook.load.cache import cached_result, compute_and_store

    results: list[tuple[ParsedYaml, list[Diagnostic]] | None] = [cached_result(f.data, f.path) for f in files]
    seen = {f.path for f, r in zip(files, results, strict=True) if r is not None}
    todo = [i for i, r in enumerate(results) if r is None]
    workers = min(_usable_cpus(), len(todo), 8)
    if workers > 1 and sum(len(files[i].data) for i in todo) >= PARALLEL_MIN_BYTES:
        from pricebook.load.yamlsrc import _fast_parser

        if _fast_parser() is not None:
            done = _parse_here_check_split([files[i] for i in todo])
        else:
            done = _parse_in_workers([files[i] for i in todo], workers)
        if done is not None:
            for i, r in zip(todo, done, strict=True):
                results[i] = r
    return [r if r is not None else compute_and_store(f.data, f.path)
            for f, r in zip(files, results, strict=True)], seen


def _usable_cpus() -> int:
    """CPUs this process may use, or ``$PRICEBOOK_JOBS`` when set (``1`` parses in-process)."""
    import os

    jobs = os.environ.get("PRICEBOOK_JOBS", "").strip()
    if jobs.isdigit() and int(jobs) > 0:
        return int(jobs)
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Whether this process may fork workers that share what it has loaded: Linux (fork is the
    only start method that shares the parent's modules and objects) and no other thread (a fork
    copies locks other threads may hold)."""
    import os
    import sys
    import threading

    return sys.platform == "linux" and hasattr(os, "fork") and threading.active_count() == 1


def _read_in_threads(files: list[SourceFile]) -> list[ParsedYaml]:
    """Read files with the C reader on two threads: libyaml runs without the GIL, so one thread
    parses while the other builds its objects (0.25 -> 0.16 s for 6 MB). The threads are gone
    when this returns (a fork must not copy a process with other threads)."""
    from concurrent.futures import ThreadPoolExecutor

    from pricebook.load.yamlsrc import parse_yaml

    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(lambda f: parse_yaml(f.data, f.path), files))


def run_beside(theirs: Callable[[], Any], mine: Callable[[], T]) -> tuple[T, tuple[Any] | None] | None:
    """Run ``theirs()`` in a forked child, which shares everything this process has loaded and
    copies only the pages it touches, while ``mine()`` runs here. Returns ``mine()``'s result and
    ``(theirs()'s result,)`` sent back pickled, or None in its place when the child failed (the
    caller then does that part here). None when no child could be forked. Callers check
    ``can_fork()`` first."""
    import os
    import pickle

    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        return None
    if pid == 0:  # the child: do its part, send the result, leave without running any cleanup
        code = 1
        try:
            os.close(read_fd)
            blob = pickle.dumps(theirs(), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_fd, "wb") as out:
                out.write(blob)
            code = 0
        finally:
            os._exit(code)
    os.close(write_fd)
    try:
        here = mine()
    finally:
        with os.fdopen(read_fd, "rb") as inp:
            blob = inp.read()  # read before waiting: the child blocks until its result is read
        _, status = os.waitpid(pid, 0)
    if not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0):
        return here, None
    try:
        return here, (pickle.loads(blob),)
    except Exception:
        return here, None


def _parse_in_workers(files: list[SourceFile], workers: int) -> list[tuple[ParsedYaml, list[Diagnostic]]] | None:
    import multiprocessing

    if not can_fork():
        return None
    from concurrent.futures import ProcessPoolExecutor

    # the largest files first, so no worker is left with a big one at the end
    order = sorted(range(len(files)), key=lambda i: -len(files[i].data))
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            out = list(pool.map(_parse_one, [files[i] for i in order]))
    except Exception:  # a worker that died or could not start: parse here instead
        return None
    results: list[tuple[ParsedYaml, list[Diagnostic]] | None] = [None] * len(files)
    for i, r in zip(order, out, strict=True):
        results[i] = r
    return [r for r in results if r is not None] if all(r is not None for r in results) else None


def _parse_here_check_split(files: list[SourceFile]) -> list[tuple[ParsedYaml, list[Diagnostic]]] | None:
    """With the C reader, reading is the cheap part (0.2 s for 6 MB) and sending parsed data back
    from a worker process costs as much as reading it. So the files are read here (on two threads),
    then a forked child (sharing the parsed data, copying only the pages it
    touches) schema-checks and caches the larger half of them by size and sends back only its
    findings, while this process does the other half. When the child fails, its half is checked
    here. None when no child can be forked (the caller then does everything here)."""
    from pricebook.load.cache import store
    from pricebook.load.schema import _fast_validator, schema_findings

    if not can_fork():
        return None
    _fast_validator()  # compiled once, before the fork
    parsed = _read_in_threads(files)
    halves: tuple[list[int], list[int]] = ([], [])
    sizes = [0, 0]
    for i in sorted(range(len(files)), key=lambda i: -len(files[i].data)):
        side = 0 if sizes[0] <= sizes[1] else 1
        halves[side].append(i)
        sizes[side] += len(files[i].data)

    def check(i: int) -> tuple[ParsedYaml, list[Diagnostic]]:
        p = parsed[i]
        found = schema_findings(p.data, files[i].path, p.positions) if p.ok and p.data is not None else []
        result = (p, found)
        store(files[i].data, files[i].path, result)
        return result

    ran = run_beside(lambda: [check(i)[1] for i in halves[0]], lambda: {i: check(i) for i in halves[1]})
    if ran is None:
        return None
    results, theirs = ran
    if theirs is not None and isinstance(theirs[0], list) and len(theirs[0]) == len(halves[0]):
        for i, found in zip(halves[0], theirs[0], strict=True):
            results[i] = (parsed[i], found)
    else:  # the child failed: check its half here instead
        for i in halves[0]:
            results[i] = check(i)
    return [results[i] for i in range(len(files))]


def _parse_one(f: SourceFile) -> tuple[ParsedYaml, list[Diagnostic]]:
    from pricebook.load.cache import compute_and_store

    return compute_and_store(f.data, f.path)


def _merge_file(data: Mapping[str, Any], positions: Mapping[CatalogPath, Position], file: str,
                merged: dict[str, Any], origin: dict[CatalogPath, tuple[Mapping[CatalogPath, Position], str]],
                diags: list[Diagnostic]) -> None:
    def where(path: CatalogPath, at: tuple[Mapping[CatalogPath, Position], str]) -> Position:
        return at[0].get(path, Position(at[1], 1, 1))

    for key, value in data.items():
        if key == "catalog":
            path: CatalogPath = ("catalog",)
            if "catalog" in merged:
                first = where(path, origin[path])
                diags.append(Diagnostic.at("PB010", "error",
                                           f"'catalog' is defined twice: here and at {first}",
                                           where(path, (positions, file)), path, name="duplicate-id"))
                continue
            merged["catalog"] = value
            origin[path] = (positions, file)
            continue
        if key not in COLLECTIONS or not isinstance(value, Mapping):
            continue
        coll = merged.setdefault(key, {})
        for ent_id, ent in value.items():
            path = (key, ent_id)
            if ent_id in coll:
                kind = key[:-1] if key != "grandfathering" else "grandfathering rule"
                first = where(path, origin[path])
                diags.append(Diagnostic.at("PB010", "error",
                                           f"{kind} '{ent_id}' is defined twice: here and at {first}",
                                           where(path, (positions, file)), path,
                                           fix="rename or remove one of the two", name="duplicate-id"))
                continue
            coll[ent_id] = ent
            origin[path] = (positions, file)


def load_data(data: Mapping[str, Any]) -> LoadResult:
    """Build a catalog from plain data (a release snapshot, a Python caller): no positions."""
    from pricebook.load.build import Builder

    builder = Builder()
    catalog = builder.build(data)
    errors = [d for d in builder.diagnostics if d.severity == "error"]
    return LoadResult(None if errors else catalog, builder.diagnostics, dict(data))
