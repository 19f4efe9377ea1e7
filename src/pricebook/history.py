"""The audit trail of a catalog entity, from git: who changed it, when, why, and what changed.

Each commit that touched the catalog folder is diffed semantically against its first parent (the
same detection and rule table as ``pricebook diff``); a commit is listed for an entity when one of
its changes is at or under that entity's path. A commit whose catalog (or whose parent's catalog)
does not load is listed with a note, never skipped silently, because it may have touched anything.

In a shallow clone the oldest commit fetched has no parent to compare with: it is listed as where the
history stops (``truncated``), never as the commit that added everything it holds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pricebook.diagnostics import format_path
from pricebook.diff.change import Change
from pricebook.errors import GitError, PricebookError, UsageError
from pricebook.gitrepo import CommitInfo, GitRepo
from pricebook.model import Catalog

ENTITY_ROOTS = ("catalog", "meters", "features", "skus", "plans", "add_ons", "grandfathering", "releases")


@dataclass
class HistoryEntry:
    commit: CommitInfo
    changes: list[Change] = field(default_factory=list)
    note: str | None = None
    truncated: bool = False  # a shallow clone's boundary: what this commit changed is unknown

    def to_dict(self) -> dict[str, Any]:
        c = self.commit
        return {
            "sha": c.sha,
            "short": c.short,
            "date": c.date.isoformat(),
            "author": c.author,
            "email": c.email,
            "subject": c.subject,
            "note": self.note,
            "truncated": self.truncated,
            "changes": [ch.to_dict() for ch in self.changes],
        }


@dataclass
class HistoryResult:
    entity: str | None
    catalog: str
    entries: list[HistoryEntry] = field(default_factory=list)
    truncated_at: str | None = None  # the shallow clone's boundary commit the walk reached

    def to_dict(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "catalog": self.catalog,
            "truncated_at": self.truncated_at,
            "commits": [e.to_dict() for e in self.entries],
        }


@dataclass
class _Snapshot:
    catalog: Catalog | None
    error: str | None  # why it does not load; None when it loads or is absent
    releases: dict[str, bytes]


def check_entity(entity: str | None) -> str | None:
    """``plans.pro``, ``skus.api-calls``, ``plans.pro.prices.api-calls``; the root must be a collection."""
    if entity is None or entity in ("", "."):
        return None
    root = entity.split(".", 1)[0].split("[", 1)[0]
    if root not in ENTITY_ROOTS:
        raise UsageError(f"unknown entity '{entity}': it must start with one of {', '.join(ENTITY_ROOTS)}")
    return entity


def touches(change: Change, entity: str | None) -> bool:
    """Whether a change is at or under ``entity`` (a renamed-looking id counts for its old id too)."""
    if entity is None:
        return True
    path = change.path_str
    if path == entity or path.startswith((entity + ".", entity + "[")):
        return True
    if change.kind.endswith("-renamed") and isinstance(change.before, str):
        old = format_path((*change.path[:1], change.before))
        if entity == old or entity.startswith((old + ".", old + "[")):
            return True
        # a price moved with its SKU's rename is reported once, as the rename: it is that price's
        # history too, under either id
        parts = entity.split(".", 3)
        if change.kind != "sku-renamed" or len(parts) < 4 or parts[0] not in ("plans", "add_ons"):
            return False
        ids = (change.before, str(change.after))
        sku = parts[3]
        return parts[2] == "prices" and any(sku == i or sku.startswith((i + ".", i + "[")) for i in ids)
    if len(change.path) == 2 and entity.startswith(path + "."):
        return change.kind.endswith(("-added", "-removed"))  # the whole entity appeared or went
    return False


def history(
    catalog_dir: Path,
    entity: str | None = None,
    since: str | None = None,
    overrides: dict[str, str] | None = None,
) -> HistoryResult:
    """Commits (newest first) whose semantic changes touch ``entity`` (or the whole catalog), committed
    at or after ``since``. A bare date in ``since`` is that day from midnight (local time, as git
    reads a time without an offset): git itself takes ``2026-01-10`` as that day at the current time
    of day, which left out the day's earlier commits."""
    import re

    from pricebook.diff import diff_catalogs

    if since is not None and re.fullmatch(r"\d{4}-\d{2}-\d{2}", since.strip()):
        since = f"{since.strip()}T00:00:00"

    entity = check_entity(entity)
    repo = GitRepo.discover(catalog_dir if catalog_dir.exists() else Path.cwd())
    sub = repo.relpath(catalog_dir)
    by_content: dict[str, _Snapshot] = {}  # commits that did not touch the catalog share one load

    def snap(sha: str | None) -> _Snapshot:
        if sha is None:
            return _Snapshot(None, None, {})
        return _load_at(repo, sha, sub, by_content)

    result = HistoryResult(entity, sub or ".")
    boundaries = repo.shallow_commits()
    known = entity is None  # whether ENTITY names something in a catalog seen so far
    near: list[str] = []  # what it could have meant, from the newest catalog
    unreadable = False  # a catalog that does not load may hold it: then it is not called unknown
    for info in repo.log(paths=[sub] if sub else None, since=since):
        head = snap(info.sha)
        if info.sha in boundaries:
            # The clone stops here: this commit's parents were not fetched (the commit still names
            # them), so what it changed is unknown. Diffing it against nothing, or against a parent
            # that cannot be read, would call it the commit that added everything.
            result.truncated_at = info.sha
            found = True
            if entity is not None:
                found, near = _seen(entity, head, near)
                known, unreadable = known or found, unreadable or bool(head.error)
            if found or head.error:
                result.entries.append(HistoryEntry(info, note=TRUNCATED_NOTE, truncated=True))
            continue
        parents = repo.parents(info.sha)
        base = snap(parents[0] if parents else None)
        if not known and entity is not None:
            known, near = _seen(entity, head, near)
            known = known or _exists(entity, base)[0]
            unreadable = unreadable or bool(head.error or base.error)
        if head.error or base.error:
            which = "this commit's" if head.error else "its parent's"
            result.entries.append(
                HistoryEntry(
                    info, note=f"not compared: {which} catalog does not load: {head.error or base.error}"
                )
            )
            continue
        changes = [
            c
            for c in diff_catalogs(base.catalog, head.catalog, overrides, base.releases, head.releases)
            if touches(c, entity)
        ]
        if changes:
            result.entries.append(HistoryEntry(info, changes))
        elif entity is None:
            result.entries.append(HistoryEntry(info, note="no semantic change (formatting or layout only)"))
    if entity is not None and not known and not unreadable:
        _check_known(entity, catalog_dir, near)
    return result


TRUNCATED_NOTE = (
    "history truncated here: this is a shallow clone, so this commit's parent is missing and what it "
    "changed is unknown; run 'git fetch --unshallow' for the full history"
)


def _seen(entity: str, snap: _Snapshot, near: list[str]) -> tuple[bool, list[str]]:
    found, candidates = _exists(entity, snap)
    return found, near or candidates


def _check_known(entity: str, catalog_dir: Path, near: list[str]) -> None:
    """ENTITY is in no commit scanned: unless the working tree has it (not committed yet), it is a
    typo, and "no commits changed it" would be a wrong answer (exit 2, with the nearest id)."""
    from pricebook.load.catalog import load_catalog
    from pricebook.rating.engine import _did_you_mean

    releases: dict[str, bytes] = {}
    folder = catalog_dir / "releases"
    if folder.is_dir():
        releases = {p.stem: b"" for p in folder.glob("*.json")}
    try:
        current = load_catalog(catalog_dir).catalog if catalog_dir.exists() else None
    except (OSError, PricebookError):  # an unreadable working tree proves nothing either way
        current = None
    found, candidates = _exists(entity, _Snapshot(current, None, releases))
    if found:
        return
    raise UsageError(f"unknown entity '{entity}'{_did_you_mean(entity, candidates or near)}")


def _exists(entity: str, snap: _Snapshot) -> tuple[bool, list[str]]:
    """Whether ENTITY names something in this catalog; if not, the paths beside the point where it
    stops matching (for a did-you-mean)."""
    from pricebook.load import dump

    root, dot, rest = entity.partition(".")
    if root == "releases":
        return _walk(root, {k: {} for k in snap.releases}, rest)
    cat = snap.catalog
    if cat is None:
        return False, []
    if root == "catalog":
        return _walk(root, dump.catalog_to_data(cat)["catalog"], rest) if dot else (True, [])
    items: Any = getattr(cat, root, None)
    if not isinstance(items, Mapping):
        return False, []
    if not dot:
        return True, []
    dumpers: dict[str, Callable[[Any], dict[str, Any]]] = {
        "meters": dump.meter_data,
        "features": dump.feature_data,
        "skus": dump.sku_data,
        "plans": dump.plan_data,
        "add_ons": dump.add_on_data,
        "grandfathering": dump.rule_data,
    }
    dumper = dumpers[root]
    key = _key(items, rest)
    if key is None:
        return False, [f"{root}.{k}" for k in items]
    return _walk(f"{root}.{key}", dumper(items[key]), rest[len(key):].removeprefix("."))


def _key(mapping: Mapping[str, Any], rest: str) -> str | None:
    """The key of ``mapping`` that ``rest`` starts with (ids may hold dots: the longest wins)."""
    for k in sorted(mapping, key=len, reverse=True):
        if rest == k or rest.startswith((k + ".", k + "[")):
            return str(k)
    return None


def _walk(prefix: str, data: Any, rest: str) -> tuple[bool, list[str]]:
    while rest:
        if rest.startswith("["):
            index, close, after = rest[1:].partition("]")
            if not close or not index.isdigit() or not isinstance(data, list) or int(index) >= len(data):
                return False, []
            prefix, data, rest = f"{prefix}[{index}]", data[int(index)], after.removeprefix(".")
            continue
        if not isinstance(data, Mapping):
            return False, []
        key = _key(data, rest)
        if key is None:
            return False, [f"{prefix}.{k}" for k in data]
        prefix, data, rest = f"{prefix}.{key}", data[key], rest[len(key):].removeprefix(".")
    return True, []


def _load_at(repo: GitRepo, sha: str, sub: str, memo: dict[str, _Snapshot]) -> _Snapshot:
    """The catalog at a commit; loads are memoised by file content (the few most recent kept)."""
    import hashlib

    from pricebook.load.catalog import SourceFile, load_sources

    try:
        files = repo.read_files(sha, sub)
    except GitError:
        return _Snapshot(None, None, {})  # the catalog folder does not exist yet (or any more)
    sources = []
    for rel, data in files:
        parts = Path(rel).parts
        if "releases" in parts[:-1] or any(p.startswith(".") for p in parts[:-1]):
            continue
        if Path(rel).name in (
            "pricebook.yaml",
            "pricebook.yml",
            ".pre-commit-config.yaml",
            ".pre-commit-hooks.yaml",
        ):
            continue
        sources.append(SourceFile((Path(sub) / rel).as_posix() if sub else rel, data))
    if not sources:
        return _Snapshot(None, None, {})
    releases = {}
    try:
        rel_dir = f"{sub}/releases" if sub else "releases"
        releases = {
            Path(n).stem: d for n, d in repo.read_files(sha, rel_dir, suffixes=(".json",)) if "/" not in n
        }
    except GitError:
        pass
    digest = hashlib.sha256()
    for item in [*((f.path, f.data) for f in sources), *sorted(releases.items())]:
        digest.update(item[0].encode() + b"\0" + item[1] + b"\0")
    key = digest.hexdigest()
    if key not in memo:
        memo[key] = _build(load_sources(sources), releases)
        while len(memo) > 4:
            memo.pop(next(iter(memo)))
    return memo[key]


def _build(loaded: Any, releases: dict[str, bytes]) -> _Snapshot:
    if loaded.catalog is None:
        errs = [d for d in loaded.diagnostics if d.severity == "error"]
        first = f"{errs[0].location}: {errs[0].rule} {errs[0].message}" if errs else "unknown error"
        return _Snapshot(None, first, releases)
    return _Snapshot(loaded.catalog, None, releases)
