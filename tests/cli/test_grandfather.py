"""`pricebook grandfather add|list|expire`, in-process."""

from __future__ import annotations

import json
from pathlib import Path


def test_add_list_expire(cli, acme_copy: Path, tmp_path: Path) -> None:
    c = str(acme_copy)
    assert cli("release", "-c", c, "--effective", "2026-01-01").code == 0
    r = cli("grandfather", "add", "-c", c, "--plan", "pro", "--subscribed-before", "2026-06-01",
            "--release", "2026.01.01", "--until", "2027-01-01", "--id", "legacy-pro")
    assert r.code == 0, r.err
    assert "legacy-pro" in r.out and "grandfathering.yaml" in r.out
    ids = tmp_path / "vip.txt"
    ids.write_text("cus_1\ncus_2\n")
    r = cli("grandfather", "add", "-c", c, "--customers", str(ids), "--release", "2026.01.01",
            "--format", "json")
    assert r.code == 0 and json.loads(r.out)["values"]["customers"] == ["cus_1", "cus_2"]
    subs = tmp_path / "subs.csv"
    subs.write_text("customer_id,plan,subscribed_at\ncus_1,starter,2026-02-01\nc7,pro,2026-05-01\nc8,pro,2026-07-01\n")
    listing = json.loads(cli("grandfather", "list", "-c", c, "--subscriptions", str(subs),
                             "--format", "json").out)
    rows = {x["id"]: x for x in listing["rules"]}
    assert rows["legacy-pro"]["covered"] == 1 and rows["legacy-pro"]["release"] == "2026.01.01"
    assert rows["customers-2026.01.01"]["covered"] == 1
    text = cli("grandfather", "list", "-c", c, "--subscriptions", str(subs)).out
    assert "legacy-pro: pro subscribed before 2026-06-01 -> release 2026.01.01 until 2027-01-01" in text
    r = cli("grandfather", "expire", "legacy-pro", "-c", c, "--on", "2026-10-01")
    assert r.code == 0 and "2026-10-01" in r.out
    assert "until: 2026-10-01" in (acme_copy / "grandfathering.yaml").read_text()


def test_add_refuses_a_missing_release(cli, acme_copy: Path) -> None:
    r = cli("grandfather", "add", "-c", str(acme_copy), "--plan", "pro", "--subscribed-before", "2026-06-01",
            "--release", "2026.01.01")
    assert r.code == 1 and "release '2026.01.01' does not exist" in r.err
    assert not (acme_copy / "grandfathering.yaml").exists()
