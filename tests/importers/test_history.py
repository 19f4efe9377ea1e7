"""--history: one product's years -> a real git repository with one commit and one release per year."""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

import pytest

from pricebook.errors import InputError, UsageError
from pricebook.importers.history import DEFAULT_USER, import_history
from pricebook.releases import read_index


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout.strip()


def year_file(folder: Path, created: str, price: str, extra_plan: str = "") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{created[:4]}.yml").write_text(textwrap.dedent(f"""\
        saasName: Tiny
        createdAt: '{created}'
        currency: USD
        features:
          sso: {{valueType: BOOLEAN, defaultValue: false}}
        plans:
          PRO: {{price: {price}, unit: user/month, features: {{sso: {{value: true}}}}}}
          {extra_plan}
        """), encoding="utf-8")


def test_history_commits_and_releases_per_year(tmp_path: Path) -> None:
    src = tmp_path / "tiny"
    year_file(src, "2021-03-04", "10")
    year_file(src, "2022-05-06", "12", "TEAM: {price: Contact Sales}")
    result = import_history(src, tmp_path / "repo")
    repo = tmp_path / "repo"
    assert (repo / "pricebook.yaml").read_text(encoding="utf-8") == "catalog: catalogs/tiny\n"
    log = git(repo, "log", "--format=%ad|%cd|%s", "--date=short").splitlines()
    assert log == [
        "2022-05-06|2022-05-06|Release 2022.05.06: Tiny prices effective 2022-05-06",
        "2022-05-06|2022-05-06|Import Tiny pricing of 2022-05-06 from Pricing2Yaml",
        "2021-03-04|2021-03-04|Release 2021.03.04: Tiny prices effective 2021-03-04",
        "2021-03-04|2021-03-04|Import Tiny pricing of 2021-03-04 from Pricing2Yaml",
    ]
    assert git(repo, "status", "--porcelain") == ""
    entries = read_index(repo / "catalogs" / "tiny")
    assert [e.id for e in entries] == ["2021.03.04", "2022.05.06"]
    assert [e.effective_from.isoformat() for e in entries] == ["2021-03-04T00:00:00+00:00",
                                                               "2022-05-06T00:00:00+00:00"]
    # each release records the import commit it was cut from
    assert [e.source_commit for e in entries] == [y.commit for y in result.years]
    snap = json.loads((repo / "catalogs/tiny/releases/2022.05.06.json").read_text(encoding="utf-8"))
    assert snap["plans"]["pro"]["prices"]["seats"]["unit_price"] == {"USD": "12.00"}
    assert snap["plans"]["team"]["sales_negotiated"] is True
    body = git(repo, "log", "-1", "--format=%B", "HEAD~1")
    assert "Source file: tiny/2022.yml" in body and "Plans: 2 (1 sales-negotiated)" in body


def test_history_sets_an_identity_only_when_none_is_configured(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for var in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL",
                "GIT_CONFIG_GLOBAL"):
        monkeypatch.delenv(var, raising=False)
    src = tmp_path / "tiny"
    year_file(src, "2021-03-04", "10")
    import_history(src, tmp_path / "repo")
    assert git(tmp_path / "repo", "config", "--local", "user.name") == DEFAULT_USER[0]
    assert git(tmp_path / "repo", "log", "-1", "--format=%ae") == DEFAULT_USER[1]


def test_history_refuses_a_non_empty_repo_and_bad_dates(tmp_path: Path) -> None:
    src = tmp_path / "tiny"
    year_file(src, "2021-03-04", "10")
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "file.txt").write_text("x", encoding="utf-8")
    with pytest.raises(UsageError, match="not empty"):
        import_history(src, tmp_path / "busy")
    year_file(src, "2022", "10")
    with pytest.raises(InputError, match="createdAt '2022' is not a date"):
        import_history(src, tmp_path / "repo")
    assert not (tmp_path / "repo").exists()  # refused before anything was written
    with pytest.raises(InputError, match="not a folder"):
        import_history(tmp_path / "missing", tmp_path / "repo")


@pytest.mark.parametrize(("product", "base", "head", "plan", "before", "after"), [
    ("evernote", "2022.11.30", "2023.11.24", "personal", "8.99", "12.99"),
    ("dropbox", "2021.11.20", "2022.11.16", "standard", "12.50", "15.00"),
    ("figma", "2021.11.30", "2022.11.30", "professional", "12.00", "15.00"),
])
def test_real_price_history_diffs(cli, tmp_path: Path, product: str, base: str, head: str, plan: str,
                                  before: str, after: str) -> None:
    from tests.conftest import ROOT
    from tests.importers.conftest import PRICING2YAML

    # the shared data set, or the copy of these three histories kept in the repository
    source = PRICING2YAML if PRICING2YAML.is_dir() else ROOT / "tests" / "fixtures" / "pricing2yaml"
    repo = tmp_path / product
    import_history(source / product, repo)
    res = cli("diff", f"release:{base}", f"release:{head}", "--format", "json", cwd=repo)
    assert res.code in (0, 1), res.err
    changes = json.loads(res.out)["changes"]
    increases = [c for c in changes
                 if c["kind"] == "price-increased" and c["path"].startswith(f"plans.{plan}.")]
    assert increases, [c["kind"] for c in changes]
    change = increases[0]
    assert list(change["before"].values()) == [before] and list(change["after"].values()) == [after]
    assert change["severity"] == "breaking"
    releases = cli("releases", cwd=repo)
    assert releases.code == 0 and base in releases.out and head in releases.out
