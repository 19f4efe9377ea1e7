"""An unknown remote branch: the hint fetches it from its remote, or says there is no such remote."""

from __future__ import annotations

import pytest

from pricebook.errors import GitError
from pricebook.gitrepo import GitRepo
from tests.conftest import Git


def test_no_remote_is_named_as_such(acme_repo: Git) -> None:
    repo = GitRepo.discover(acme_repo.root)
    with pytest.raises(GitError) as err:
        repo.resolve("origin/main")
    message = str(err.value)
    assert message.startswith("unknown revision 'origin/main'; this repository has no remote 'origin'")
    assert "git remote add origin URL" in message and "--base REF" in message
    assert "fetch it with" not in message


def test_a_remote_that_exists_gets_the_fetch_hint(acme_repo: Git) -> None:
    acme_repo("remote", "add", "origin", str(acme_repo.root))
    with pytest.raises(GitError,
                       match=r"unknown revision 'origin/main'; fetch it with 'git fetch origin main'$"):
        GitRepo.discover(acme_repo.root).resolve("origin/main")


def test_remote_tracking_refs_count_as_the_remote(acme_repo: Git) -> None:
    """A CI checkout may have refs/remotes/origin/* without a configured remote."""
    acme_repo("update-ref", "refs/remotes/origin/main", "HEAD")
    with pytest.raises(GitError, match=r"fetch it with 'git fetch origin develop'$"):
        GitRepo.discover(acme_repo.root).resolve("origin/develop")
    with pytest.raises(GitError, match="no remote 'upstream'"):
        GitRepo.discover(acme_repo.root).resolve("upstream/main")


def test_ci_without_an_origin_remote_says_so(cli, acme_repo: Git) -> None:
    res = cli("ci", cwd=acme_repo.root)
    assert res.code == 2
    assert "unknown revision 'origin/main'; this repository has no remote 'origin'" in res.err, res.err
