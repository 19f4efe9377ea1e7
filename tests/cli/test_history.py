"""`pricebook history`: the commits that semantically changed an entity, from a real repository."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from pricebook.history import history
from tests.conftest import CliResult, Git
from tests.diff.conftest import AcmeRepo, make_acme_repo

Cli = Callable[..., CliResult]


@pytest.fixture
def acme_repo(git_repo: Git) -> AcmeRepo:
    return make_acme_repo(git_repo)


PRO = "plans/pro.yaml"


def _commit(repo: AcmeRepo, monkeypatch: pytest.MonkeyPatch, message: str, day: int, author: str) -> str:
    when = f"2026-03-{day:02d}T10:00:00+00:00"
    monkeypatch.setenv("GIT_AUTHOR_DATE", when)
    monkeypatch.setenv("GIT_COMMITTER_DATE", when)
    return repo.git.commit_all(message, author=author)


@pytest.fixture
def five_commits(acme_repo: AcmeRepo, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """acme_repo's first commit plus four: pro up, free changed, pro reformatted, pro sso revoked."""
    shas = {"initial": acme_repo.git("rev-parse", "HEAD")}
    acme_repo.edit(PRO, '{USD: "49.00", EUR: "45.00"}', '{USD: "59.00", EUR: "55.00"}')
    shas["pro-up"] = _commit(acme_repo, monkeypatch, "Raise the Pro platform fee", 2, "Ada <ada@example.com>")
    acme_repo.edit("plans/free.yaml", "projects: 3", "projects: 5")
    acme_repo.edit("catalog.yaml", "platform: {name: Platform fee}", "platform: {name: Platform}")
    shas["free"] = _commit(acme_repo, monkeypatch, "More projects on Free", 3, "Bob <bob@example.com>")
    acme_repo.edit(
        PRO,
        '{model: flat, amount: {USD: "59.00", EUR: "55.00"}}',
        "\n        model: flat\n        amount:\n          EUR: '55.00'\n          USD: '59.00'",
    )
    shas["reformat"] = _commit(acme_repo, monkeypatch, "Reformat pro.yaml", 4, "Ada <ada@example.com>")
    acme_repo.edit(PRO, "      sso: true", "      sso: false")
    shas["pro-sso"] = _commit(acme_repo, monkeypatch, "Pro loses SSO", 5, "Cy <cy@example.com>")
    return shas


def test_history_of_a_plan_lists_exactly_the_commits_that_changed_it(
    acme_repo: AcmeRepo, five_commits: dict[str, str]
) -> None:
    assert int(acme_repo.git("rev-list", "--count", "HEAD")) == 5
    result = history(acme_repo.catalog, "plans.pro")
    assert [e.commit.sha for e in result.entries] == [
        five_commits["pro-sso"],
        five_commits["pro-up"],
        five_commits["initial"],
    ]
    sso, up, first = result.entries
    assert [(c.kind, c.severity) for c in sso.changes] == [("entitlement-revoked", "breaking")]
    assert sso.commit.author == "Cy" and sso.commit.subject == "Pro loses SSO"
    assert [c.kind for c in up.changes] == ["price-increased"]
    assert [c.kind for c in first.changes] == ["plan-added"]


def test_history_of_a_price_and_of_a_sku(acme_repo: AcmeRepo, five_commits: dict[str, str]) -> None:
    price = history(acme_repo.catalog, "plans.pro.prices.platform")
    assert [e.commit.sha for e in price.entries] == [five_commits["pro-up"], five_commits["initial"]]
    sku = history(acme_repo.catalog, "skus.platform")
    assert [e.commit.sha for e in sku.entries] == [five_commits["free"], five_commits["initial"]]
    assert [c.kind for c in sku.entries[0].changes] == ["metadata-changed"]


def test_whole_catalog_history_notes_formatting_only_commits(
    acme_repo: AcmeRepo, five_commits: dict[str, str]
) -> None:
    result = history(acme_repo.catalog)
    assert len(result.entries) == 5
    reformat = next(e for e in result.entries if e.commit.sha == five_commits["reformat"])
    assert reformat.changes == [] and "no semantic change" in (reformat.note or "")


def test_since(acme_repo: AcmeRepo, five_commits: dict[str, str]) -> None:
    result = history(acme_repo.catalog, "plans.pro", since="2026-03-03")
    assert [e.commit.sha for e in result.entries] == [five_commits["pro-sso"]]


def test_since_a_far_date_lists_nothing(acme_repo: AcmeRepo, five_commits: dict[str, str]) -> None:
    # git's own date parser takes 2999-01-01 for some other date and listed every commit
    assert history(acme_repo.catalog, since="2999-01-01").entries == []
    assert len(history(acme_repo.catalog, since="2000-01-01T00:00:00Z").entries) == 5


def test_a_commit_whose_catalog_does_not_load_is_listed_with_a_note(
    cli: Cli, acme_repo: AcmeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    acme_repo.edit(PRO, "    prices:\n", "    prices: [\n")
    broken = _commit(acme_repo, monkeypatch, "Oops", 6, "Ada <ada@example.com>")
    acme_repo.edit(PRO, "    prices: [\n", "    prices:\n")
    fixed = _commit(acme_repo, monkeypatch, "Fix", 7, "Ada <ada@example.com>")
    result = history(acme_repo.catalog, "plans.pro")
    notes = {e.commit.sha: e.note for e in result.entries}
    assert "this commit's catalog does not load" in (notes[broken] or "")
    assert "its parent's catalog does not load" in (notes[fixed] or "")
    res = cli("history", "plans.pro", cwd=acme_repo.root)
    assert res.code == 0 and "does not load" in res.out and "PB001" in res.out


def test_cli_text_and_json(cli: Cli, acme_repo: AcmeRepo, five_commits: dict[str, str]) -> None:
    text = cli("history", "plans.pro", cwd=acme_repo.root)
    assert text.code == 0
    assert "Raise the Pro platform fee" in text.out and "Ada" in text.out and "2026-03-02" in text.out
    assert "price-increased" in text.out and "More projects on Free" not in text.out
    assert "3 commits changed plans.pro" in text.out
    data = json.loads(cli("history", "plans.pro", "--format", "json", cwd=acme_repo.root).out)
    assert data["entity"] == "plans.pro"
    assert [c["subject"] for c in data["commits"]] == [
        "Pro loses SSO",
        "Raise the Pro platform fee",
        "Add the acme catalog",
    ]
    assert data["commits"][0]["changes"][0]["kind"] == "entitlement-revoked"
    assert data["commits"][0]["author"] == "Cy" and data["commits"][0]["date"].startswith("2026-03-05")


def test_unknown_entity_root_exits_2(cli: Cli, acme_repo: AcmeRepo) -> None:
    res = cli("history", "plan.pro", cwd=acme_repo.root)
    assert res.code == 2 and "unknown entity" in res.err


def test_renamed_plan_shows_under_its_old_id(acme_repo: AcmeRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    acme_repo.edit("plans/free.yaml", "  free:", "  hobby:")
    sha = _commit(acme_repo, monkeypatch, "Rename free to hobby", 8, "Ada <ada@example.com>")
    result = history(acme_repo.catalog, "plans.free")
    assert result.entries[0].commit.sha == sha
    assert [c.kind for c in result.entries[0].changes] == ["plan-renamed"]


def test_since_that_is_no_date_is_refused(cli: Cli, acme_repo: AcmeRepo,
                                          five_commits: dict[str, str]) -> None:
    # git reads 'garbage' as a date of its own and lists nothing: a typo must not look like "no changes"
    res = cli("history", "plans.pro", "--since", "garbage", cwd=acme_repo.root)
    assert res.code == 2 and "--since 'garbage' must be a date like 2026-01-01" in res.err
    for since in ("2026-03-03", "2026-03-03T10:00", "3 weeks ago"):
        assert cli("history", "plans.pro", "--since", since, cwd=acme_repo.root).code == 0, since


def test_text_numbers_tiers_as_diff_does_and_json_keeps_the_catalog_path(
    cli: Cli, acme_repo: AcmeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """People read tiers from 1 (diff's text, quote); scripts read JSON's 0-based catalog path."""
    acme_repo.edit(PRO, '{up_to: 1000, unit_price: {USD: "0.08"', '{up_to: 1000, unit_price: {USD: "0.09"')
    _commit(acme_repo, monkeypatch, "Dearer middle storage tier", 2, "Ada <ada@example.com>")
    text = cli("history", "plans.pro.prices.storage", cwd=acme_repo.root)
    assert text.code == 0, text.err
    assert "plans.pro.prices.storage.tier 2.unit_price" in text.out and "tiers[1]" not in text.out
    data = json.loads(cli("history", "plans.pro.prices.storage", "--format", "json", cwd=acme_repo.root).out)
    assert data["commits"][0]["changes"][0]["path"] == "plans.pro.prices.storage.tiers[1].unit_price"


def test_since_a_bare_date_counts_that_whole_day(cli: Cli, acme_repo: AcmeRepo,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """git reads --since 2026-03-05 as that day at the current time of day: a commit made at 00:00:01
    that day was left out whenever history ran later in the day. (The repository's first commit is
    dated today, so it is listed too.)"""
    monkeypatch.setenv("TZ", "UTC")
    acme_repo.edit(PRO, "      sso: true", "      sso: false")
    when = "2026-03-05T00:00:01+00:00"
    monkeypatch.setenv("GIT_AUTHOR_DATE", when)
    monkeypatch.setenv("GIT_COMMITTER_DATE", when)
    sha = acme_repo.git.commit_all("Pro loses SSO just after midnight", author="Cy <cy@example.com>")
    assert sha in [e.commit.sha for e in history(acme_repo.catalog, "plans.pro", since="2026-03-05").entries]
    res = cli("history", "plans.pro", "--since", "2026-03-05", "--format", "json", cwd=acme_repo.root)
    assert "Pro loses SSO just after midnight" in [c["subject"] for c in json.loads(res.out)["commits"]]
    later = history(acme_repo.catalog, "plans.pro", since="2026-03-06").entries
    assert sha not in [e.commit.sha for e in later]
