"""`pricebook show`: a plan's rate card and the overview, in text, markdown and JSON, at a revision."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.conftest import ACME, CliResult

Cli = Callable[..., CliResult]


def test_text_rate_card_lists_tiers_included_dimensions_entitlements_add_ons(cli: Cli) -> None:
    r = cli("show", "pro", "--catalog", str(ACME))
    assert r.code == 0, r.err
    for expected in (
        "Pro (pro): prices in USD, per month",
        "$12.00 per seat, 3 included",
        "up to 10,000: $0.00 per call",
        "10,000 to 1,000,000: $0.0005 per call",
        "above 1,000,000: $0.0003 per call",
        "model=large",
        "$0.00001 per token",
        "above 1,000: $0.05 per GB + $10.00 flat",
        "$4.00 per 100 images, 200 included",
        "Minimum spend",
        "$100.00",
        "Usage credit",
        "Single sign-on",
        "500,000,000 (hard limit)",
        "Add-on Priority support: $99.00 per month",
    ):
        assert expected in r.out, expected


def test_percentage_and_currency(cli: Cli) -> None:
    r = cli("show", "enterprise", "--catalog", str(ACME), "--currency", "EUR")
    assert r.code == 0, r.err
    assert "2.9% + €0.25 per transaction (min €0.45, max €22.00)" in r.out
    assert "€459.00 per month" in r.out


def test_markdown_rate_card(cli: Cli) -> None:
    r = cli("show", "starter", "--catalog", str(ACME), "--format", "markdown")
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    assert lines[0] == "## Starter"
    assert "| Item | Price |" in lines
    assert (
        "| API calls | graduated: each tier prices its own units<br>up to 10,000: $0.00 per call<br>"
        "10,000 to 1,000,000: $0.0005 per call<br>above 1,000,000: $0.0003 per call |"
    ) in lines
    assert "- Projects: 10 projects" in lines


def test_overview_side_by_side_cheapest_first(cli: Cli) -> None:
    r = cli("show", "--catalog", str(ACME), "--format", "markdown")
    assert r.code == 0, r.err
    header = next(ln for ln in r.out.splitlines() if ln.startswith("|  |"))
    assert header == "|  | Free (USD) | Starter (USD) | Pro (USD) | Enterprise (USD) |"
    seats = next(ln for ln in r.out.splitlines() if ln.startswith("| Seats |"))
    assert seats.split(" | ")[1:3] == ["-", "$10.00 per seat, 1 included"]
    large = next(ln for ln in r.out.splitlines() if ln.startswith("| Tokens (model=large) |"))
    assert large.endswith("| $0.00001 per token |")
    text = cli("show", "--catalog", str(ACME))
    assert text.code == 0 and "Enterprise (USD)" in text.out and "Priority support" in text.out


def test_json_rate_card_and_overview(cli: Cli) -> None:
    r = cli("show", "pro", "--catalog", str(ACME), "--format", "json")
    data: dict[str, Any] = json.loads(r.out)
    assert (data["plan"], data["currency"], data["minimum"], data["credit"]) == (
        "pro",
        "USD",
        "100.00",
        "10.00",
    )
    seats = next(p for p in data["prices"] if p["sku"] == "seats")
    assert seats["price"] == {
        "model": "per_unit",
        "unit_price": {"EUR": "11.00", "USD": "12.00"},
        "included": "3",
    }
    large = next(p for p in data["prices"] if p["dimension"])
    assert large["dimension"] == {"name": "model", "value": "large"}
    assert data["entitlements"]["monthly-tokens"] == {"limit": "500000000", "enforcement": "hard"}
    assert [a["id"] for a in data["add_ons"]] == ["priority-support"]
    overview = json.loads(cli("show", "--catalog", str(ACME), "--format", "json").out)
    assert [p["plan"] for p in overview["plans"]] == ["free", "starter", "pro", "enterprise"]


def test_errors(cli: Cli) -> None:
    r = cli("show", "prp", "--catalog", str(ACME))
    assert r.code == 2 and "unknown plan 'prp'; did you mean 'pro'" in r.err
    r = cli("show", "free", "--catalog", str(ACME), "--currency", "EUR")
    assert r.code == 2 and "not sold in EUR" in r.err


def test_show_at_git_ref(cli: Cli, git_repo: Any) -> None:
    body = (
        "catalog: {id: t, name: T, currency: USD}\nskus: {base: {name: Base}}\n"
        "plans: {p: {name: P, prices: {base: {model: flat, amount: 'AMOUNT'}}}}\n"
    )
    git_repo.write({"cat/c.yaml": body.replace("AMOUNT", "10")})
    git_repo.commit_all("v1")
    git_repo.write({"cat/c.yaml": body.replace("AMOUNT", "12")})
    now = cli("show", "p", "--catalog", "cat", "-f", "json", cwd=git_repo.root)
    then = cli("show", "p", "--catalog", "cat", "-f", "json", "--at", "HEAD", cwd=git_repo.root)
    assert now.code == 0 and then.code == 0, (now.err, then.err)
    assert json.loads(now.out)["prices"][0]["summary"] == "$12.00 per month"
    assert json.loads(then.out)["prices"][0]["summary"] == "$10.00 per month"
    assert json.loads(then.out)["catalog"].startswith("HEAD@")


def test_a_sales_negotiated_add_on_says_contact_sales(cli, tmp_path) -> None:
    from tests.conftest import write_files

    write_files(tmp_path, {"c.yaml": """
        catalog: {id: t, currency: USD}
        skus: {platform: {name: Platform}}
        plans:
          pro: {name: Pro, prices: {platform: {model: flat, amount: "10"}}}
        add_ons:
          sla: {name: Premium SLA, available_for: [pro], sales_negotiated: true}
        """})
    res = cli("show", "pro", "--catalog", tmp_path)
    assert res.code == 0, res.err
    assert "Premium SLA: contact sales" in res.out
