"""Every git call goes through here (gitpython, imported lazily).

Reading never touches the working tree: files at a revision are read from git's object store.
Writing is limited to what pricebook promises: add + commit, and annotated tags. Nothing here resets,
rebases, deletes refs or pushes.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from pricebook.errors import GitError


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    short: str
    author: str
    email: str
    date: datetime
    subject: str
    message: str


class GitRepo:
    """A git working copy. ``GitRepo.discover(path)`` finds the repository that contains ``path``."""

    def __init__(self, repo: Any) -> None:
        self._repo = repo
        # gitpython keeps `git cat-file` helper processes per Repo; stop them when this wrapper goes
        # rather than leave them to the cyclic collector, which warns about running subprocesses
        # (a test run then fails at exit, depending on when the collector happened to run)
        weakref.finalize(self, repo.close)

    @classmethod
    def discover(cls, path: str | Path = ".") -> GitRepo:
        import git

        try:
            return cls(git.Repo(Path(path).resolve(), search_parent_directories=True))
        except (git.InvalidGitRepositoryError, git.NoSuchPathError) as exc:
            raise GitError(f"'{path}' is not inside a git repository") from exc

    @classmethod
    def maybe(cls, path: str | Path = ".") -> GitRepo | None:
        try:
            return cls.discover(path)
        except GitError:
            return None

    @property
    def root(self) -> Path:
        return Path(self._repo.working_tree_dir)

    @property
    def raw(self) -> Any:
        """The gitpython Repo, for the rare call this module does not wrap."""
        return self._repo

    def relpath(self, path: str | Path) -> str:
        """``path`` (absolute or relative to the cwd) as a POSIX path relative to the repo root."""
        p = Path(path).resolve()
        try:
            rel = p.relative_to(self.root.resolve())
        except ValueError as exc:
            raise GitError(f"'{path}' is outside the repository at {self.root}") from exc
        s = PurePosixPath(*rel.parts).as_posix() if rel.parts else ""
        return s

    # --- revisions ---------------------------------------------------------------------------
    def resolve(self, ref: str) -> str:
        """The full sha of a commit-ish, or GitError with a hint for shallow clones."""
        import git

        try:
            return str(self._repo.commit(ref).hexsha)
        except (git.BadName, git.BadObject, ValueError, git.GitCommandError) as exc:
            raise GitError(f"unknown revision '{ref}'{self._fetch_hint(ref)}") from exc

    def _fetch_hint(self, ref: str) -> str:
        """How to get a revision this clone lacks: ``origin/develop`` is branch develop of remote
        origin (``git fetch origin develop``, not ``origin origin/develop``); in GitHub Actions the
        pull request's base is named after GITHUB_BASE_REF, which the message says, since the user
        never typed it."""
        from pricebook.load.revision import pull_request_base

        remote_branch = "/" in ref and not ref.startswith(("/", ".", "~"))  # a path is no remote branch
        remote, _, branch = ref.partition("/") if remote_branch else ("origin", "", ref)
        fetch = f"'git fetch {remote} {branch}'"
        if remote_branch and not self.has_remote(remote):
            # nothing to fetch from: the hint says so rather than name a fetch that cannot work
            hint = (f"; this repository has no remote '{remote}': add one ('git remote add {remote} URL', "
                    f"then {fetch}), or pass a revision it has (pricebook ci: --base REF)")
        elif self.is_shallow():
            hint = f"; this is a shallow clone: run 'git fetch --unshallow' or {fetch}"
        elif remote_branch:
            hint = f"; fetch it with {fetch}"
        else:
            hint = ""
        if ref == pull_request_base():
            hint += (" (the pull request's base branch, from GITHUB_BASE_REF: check out with "
                     "fetch-depth: 0)")
        return hint

    def has_remote(self, name: str) -> bool:
        """Whether ``name`` is a configured remote, or one this clone has remote-tracking branches of
        (``refs/remotes/<name>/...``, as a CI checkout that fetched refs by hand has)."""
        if name in [r.name for r in self._repo.remotes]:
            return True
        return any(str(ref.path).startswith(f"refs/remotes/{name}/") for ref in self._repo.refs)

    def merge_base(self, a: str, b: str) -> str:
        """The sha of the best common ancestor of ``a`` and ``b`` (what ``git diff a...b`` compares
        from), or GitError: an unknown ref, no common history, or a clone too shallow to have it."""
        import git

        sha_a, sha_b = self.resolve(a), self.resolve(b)
        try:
            return str(self._repo.git.merge_base(sha_a, sha_b)).strip()
        except git.GitCommandError as exc:
            if self.is_shallow():
                hint = ("; this is a shallow clone that does not reach it: run 'git fetch --unshallow' "
                        "(in GitHub Actions, check out with fetch-depth: 0)")
            else:
                hint = ": they share no history"
            raise GitError(f"no merge base of '{a}' and '{b}'{hint}") from exc

    def shallow_commits(self) -> set[str]:
        """The commits a shallow clone was cut at (empty for a full clone). git keeps them in the
        common dir's ``shallow`` file, which a linked worktree shares (its own git dir has none)."""
        try:
            text = (Path(self._repo.common_dir) / "shallow").read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError):
            return set()
        return {line.strip() for line in text.splitlines() if line.strip()}

    def is_shallow(self) -> bool:
        return bool(self.shallow_commits())

    def has_commits(self) -> bool:
        try:
            self._repo.head.commit  # noqa: B018
            return True
        except ValueError:
            return False

    def head(self) -> str | None:
        return str(self._repo.head.commit.hexsha) if self.has_commits() else None

    def commit_exists(self, sha: str) -> bool:
        try:
            self._repo.commit(sha)
            return True
        except Exception:  # gitpython raises several unrelated types here
            return False

    def read_files(self, ref: str, subpath: str = "", suffixes: tuple[str, ...] = (".yaml", ".yml")
                   ) -> list[tuple[str, bytes]]:
        """(path relative to ``subpath``, bytes) of every file under ``subpath`` at ``ref``."""
        sha = self.resolve(ref)
        tree = self._repo.commit(sha).tree
        if subpath not in ("", "."):
            try:
                tree = tree / subpath
            except KeyError as exc:
                raise GitError(f"'{subpath}' does not exist at {ref}") from exc
        if tree.type == "blob":
            return [(PurePosixPath(subpath).name, tree.data_stream.read())]
        out: list[tuple[str, bytes]] = []
        for item in tree.traverse():
            if item.type == "blob" and (not suffixes or item.path.endswith(suffixes)):
                rel = PurePosixPath(item.path)
                if subpath not in ("", "."):
                    rel = rel.relative_to(PurePosixPath(subpath))
                out.append((rel.as_posix(), item.data_stream.read()))
        return sorted(out)

    def read_file(self, ref: str, path: str) -> bytes | None:
        """One file's bytes at ``ref`` (path relative to the repo root), None when absent."""
        sha = self.resolve(ref)
        try:
            blob = self._repo.commit(sha).tree / path
        except KeyError:
            return None
        data: bytes = blob.data_stream.read()
        return data

    # --- state -------------------------------------------------------------------------------
    def dirty_files(self, paths: list[str] | None = None) -> list[str]:
        """Modified, staged or untracked (not ignored) files, optionally limited to ``paths``."""
        args = ["--porcelain", "--untracked-files=all"]
        if paths:
            args += ["--", *paths]
        out = self._repo.git.status(*args)
        files = []
        for line in out.splitlines():
            if len(line) > 3:
                name = line[3:]
                if " -> " in name:
                    name = name.split(" -> ", 1)[1]
                files.append(name.strip('"'))
        return files

    def ignored_files(self, paths: list[str] | None = None) -> list[str]:
        """Untracked files that git ignores (.gitignore, .git/info/exclude, core.excludesFile), each
        one (inside ignored folders too), optionally limited to ``paths``: what ``dirty_files`` does
        not list. Tracked files are never in it, whatever the ignore rules say."""
        args = ["-z", "--others", "--ignored", "--exclude-standard"]
        if paths:
            args += ["--", *paths]
        out: str = self._repo.git.ls_files(*args)
        return sorted(name for name in out.split("\0") if name)

    def ignore_rule(self, path: str) -> str | None:
        """The rule that makes git ignore ``path`` (repo-relative) as git names it, source, line and
        pattern (``.gitignore:3:*.local.yaml``); None when git does not ignore it."""
        import git

        try:
            out = str(self._repo.git.check_ignore("-v", "--", path))
        except git.GitCommandError:  # exit 1: not ignored
            return None
        rule = out.split("\t", 1)[0].strip()
        return rule or None

    def log(self, paths: list[str] | None = None, since: str | None = None, rev: str = "HEAD",
            max_count: int | None = None) -> Iterator[CommitInfo]:
        """Commits reachable from ``rev`` (newest first) that touched ``paths``, committed at or after
        ``since`` (a date or time, read in local time when it has no offset, as git reads it; or a
        span git understands, ``3 weeks ago``)."""
        if not self.has_commits():
            return
        kwargs: dict[str, Any] = {}
        cutoff = _date_cutoff(since)
        if since:
            kwargs["since"] = since
        if max_count:
            kwargs["max_count"] = max_count
        for c in self._repo.iter_commits(rev, paths=paths or None, **kwargs):
            # compared here too: git's date parser takes 2999-01-01 for no date at all and lists
            # every commit
            if cutoff is None or c.committed_datetime >= cutoff:
                yield _info(c)

    def commit_info(self, ref: str) -> CommitInfo:
        return _info(self._repo.commit(self.resolve(ref)))

    def parents(self, sha: str) -> list[str]:
        return [p.hexsha for p in self._repo.commit(sha).parents]

    # --- writes ------------------------------------------------------------------------------
    def commit(self, paths: list[str], message: str, only: bool = False) -> str:
        """Stage ``paths`` (additions, changes and deletions) and make one commit. With ``only`` the
        commit holds exactly ``paths``, whatever else the user had staged (``git commit --only``)."""
        import git

        try:
            self._repo.git.add("--all", "--", *paths)
            if only:
                self._repo.git.commit("-m", message, "--no-verify", "--only", "--", *paths)
            else:
                self._repo.git.commit("-m", message, "--no-verify")
        except git.GitCommandError as exc:
            raise GitError(f"git commit failed: {' '.join(str(exc.stderr).split())}") from exc
        return str(self._repo.head.commit.hexsha)

    def tag(self, name: str, message: str, ref: str = "HEAD") -> None:
        import git

        if name in [t.name for t in self._repo.tags]:
            raise GitError(f"tag '{name}' already exists")
        try:
            self._repo.create_tag(name, ref=ref, message=message)
        except git.GitCommandError as exc:
            raise GitError(f"git tag failed: {' '.join(str(exc.stderr).split())}") from exc


def worktree_root(path: str | Path) -> Path | None:
    """The root of the git work tree that holds ``path`` (a file or folder, absolute or relative to
    the current folder), or None outside one. Looks for ``.git`` (a folder, or the file a linked
    worktree or submodule has) without starting git or importing gitpython: renderers call it for
    every finding."""
    p = Path(path)
    try:
        p = (Path.cwd() / p).resolve()
    except (OSError, RuntimeError):
        return None
    folder = p if p.is_dir() else p.parent
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def _info(c: Any) -> CommitInfo:
    msg = c.message if isinstance(c.message, str) else c.message.decode("utf-8", "replace")
    return CommitInfo(
        sha=c.hexsha,
        short=c.hexsha[:8],
        author=str(c.author.name),
        email=str(c.author.email),
        date=c.committed_datetime,
        subject=msg.splitlines()[0] if msg else "",
        message=msg,
    )


def _date_cutoff(since: str | None) -> Any:
    """``since`` as an aware datetime when it is an ISO date or time (naive: local time), else None."""
    from datetime import datetime

    if not since:
        return None
    try:
        when = datetime.fromisoformat(since.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.astimezone()
