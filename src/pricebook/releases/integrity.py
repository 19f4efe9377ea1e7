"""Index entries edited after their release was cut (reported by PB201 next to tampered snapshots).

A snapshot's digest covers its prices, not the date they take effect, so an edited ``effective_from``
leaves every snapshot intact. Two records catch it:

- the entry's ``seal`` (``index.seal_of``): written by every release cut since seals exist, checked
  without git. When it no longer matches, git history (HEAD first, then the last commits that
  touched the index) is searched for the entry as it was cut, to name what changed;
- for entries older than seals: the index committed at HEAD, so an uncommitted edit is caught.

Git is only consulted when there is an unsealed entry or a broken seal, so a catalog whose entries
are all sealed and intact is checked without importing git.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pricebook.errors import GitError
from pricebook.releases.index import (
    ReleaseEntry,
    format_datetime,
    index_path,
    parse_index,
    unsealed_message,
)

if TYPE_CHECKING:
    from pricebook.gitrepo import GitRepo

MAX_COMMITS = 50  # how far back the history of the index is searched for a broken seal's original


@dataclass(frozen=True)
class EntryEdit:
    """An index entry that differs from the entry its release was cut with."""

    entry: ReleaseEntry  # as the index says now
    original: ReleaseEntry | None  # as it was cut; None when only the seal tells it changed
    commit: str | None = None  # the commit whose index holds ``original``

    def message(self) -> str:
        e, o = self.entry, self.original
        if o is None:
            return unsealed_message(e)
        parts = []
        if o.effective_from != e.effective_from:
            parts.append(f"the index says effective_from {format_datetime(e.effective_from)}, "
                         f"but it was cut effective {format_datetime(o.effective_from)}")
        if o.digest != e.digest:
            parts.append(f"the index says digest {e.digest[:19]}..., but it was cut with {o.digest[:19]}...")
        where = f" (releases/index.yaml at commit {self.commit[:12]})" if self.commit else ""
        return f"release '{e.id}' was modified after it was cut: {'; '.join(parts)}{where}"


def edited_entries(catalog_dir: Path, entries: Sequence[ReleaseEntry]) -> list[EntryEdit]:
    """Every entry of ``entries`` (the index of ``catalog_dir`` as read now) whose id, effective_from
    or digest was changed after its release was cut, as far as the seal and git can tell."""
    broken = {e.id: e for e in entries if not e.seal_matches()}
    unsealed = {e.id: e for e in entries if e.seal is None}
    if not broken and not unsealed:
        return []
    originals = _originals(Path(catalog_dir), broken, set(unsealed))
    out: list[EntryEdit] = []
    for e in entries:
        found = originals.get(e.id)
        if e.id in broken:
            out.append(EntryEdit(e, *found) if found else EntryEdit(e, None))
        elif found is not None and (found[0].effective_from, found[0].digest) != (e.effective_from, e.digest):
            out.append(EntryEdit(e, *found))
    return out


def _originals(catalog_dir: Path, broken: dict[str, ReleaseEntry], unsealed: set[str]
               ) -> dict[str, tuple[ReleaseEntry, str]]:
    """``{id: (entry as committed, commit)}``: for unsealed ids, the entry at HEAD; for broken seals,
    the newest committed entry of that id that still matches the seal."""
    from pricebook.gitrepo import GitRepo

    try:
        repo = GitRepo.maybe(catalog_dir)
    except ImportError:  # gitpython without a usable git executable: nothing to compare with
        return {}
    if repo is None or not repo.has_commits():
        return {}
    import git

    found: dict[str, tuple[ReleaseEntry, str]] = {}
    # best effort: a git failure leaves the seal check (and PB204's order check) to speak alone
    with contextlib.suppress(GitError, git.exc.GitError, OSError):
        rel = repo.relpath(index_path(catalog_dir))
        head = repo.head() or "HEAD"
        for e in _committed(repo, head, rel):
            if e.id in unsealed or (e.id in broken and _is_original(e, broken[e.id])):
                found[e.id] = (e, head)
        wanted = {rid: e for rid, e in broken.items() if rid not in found}
        if wanted:
            for c in repo.log(paths=[rel], max_count=MAX_COMMITS):
                for e in _committed(repo, c.sha, rel):
                    if e.id in wanted and _is_original(e, wanted[e.id]):
                        found[e.id] = (e, c.sha)
                        del wanted[e.id]
                if not wanted:
                    break
    return found


def _is_original(committed: ReleaseEntry, now: ReleaseEntry) -> bool:
    return committed.seal == now.seal and committed.seal_matches()


def _committed(repo: GitRepo, ref: str, rel: str) -> list[ReleaseEntry]:
    data = repo.read_file(ref, rel)
    if data is None:
        return []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return []
    return parse_index(text).entries
