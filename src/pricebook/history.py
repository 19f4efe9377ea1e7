"""The audit trail of a catalog entity, from git: who changed it, when, why, and what changed.

Each commit that touched the catalog folder is diffed semantically against its first parent (the
same detection and rule table as ``pricebook diff``); a commit is listed for an entity when one of
its changes is at or under that entity's path. A commit whose catalog (or whose parent's catalog)
does not load is listed with a note, never skipped silently, because it may have touched anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pricebook.diagnostics import format_path
from pricebook.diff.change import Change
from pricebook.errors import GitError, UsageError
from pricebook.gitrepo import CommitInfo, GitRepo
from pricebook.model import Catalog

ENTITY_ROOTS = ("catalog", "meters", "features", "skus", "plans", "add_ons", "grandfathering", "releases")


@dataclass
class HistoryEntry:
    commit: CommitInfo
    changes: list[Change] = field(default_factory=list)
    note: str | None = None

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
            "changes": [ch.to_dict() for ch in self.changes],
        }


@dataclass
class HistoryResult:
    entity: str | None
    catalog: str
    entries: list[HistoryEntry] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "catalog": self.catalog,
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
        return entity == old or entity.startswith((old + ".", old + "["))
    if len(change.path) == 2 and entity.startswith(path + "."):
        return change.kind.endswith(("-added", "-removed"))  # the whole entity appeared or went
    return False


def history(
    catalog_dir: Path,
    entity: str | None = None,
    since: str | None = None,
    overrides: dict[str, str] | None = None,
) -> HistoryResult:
    """Commits (newest first) whose semantic changes touch ``entity`` (or the whole catalog)."""
    from pricebook.diff import diff_catalogs

    entity = check_entity(entity)
    repo = GitRepo.discover(catalog_dir if catalog_dir.exists() else Path.cwd())
    sub = repo.relpath(catalog_dir)
    by_content: dict[str, _Snapshot] = {}  # commits that did not touch the catalog share one load

    def snap(sha: str | None) -> _Snapshot:
        if sha is None:
            return _Snapshot(None, None, {})
        return _load_at(repo, sha, sub, by_content)

    result = HistoryResult(entity, sub or ".")
    for info in repo.log(paths=[sub] if sub else None, since=since):
        parents = repo.parents(info.sha)
        head, base = snap(info.sha), snap(parents[0] if parents else None)
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
    return result


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
