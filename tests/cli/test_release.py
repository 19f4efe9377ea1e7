"""`pricebook release` / `releases` and the integrity check through `validate`, in-process."""

from __future__ import annotations

import json
from pathlib import Path

from tests.releases.conftest import bump


def test_release_then_list_json(cli, acme_copy: Path) -> None:
    r = cli("release", "--catalog", str(acme_copy), "--effective", "2026-01-01", "--notes", "launch",
            "--format", "json")
    assert r.code == 0, r.err
    out = json.loads(r.out)
    assert out["release"]["id"] == "2026.01.01" and out["release"]["notes"] == "launch"
    assert out["release"]["effective_from"] == "2026-01-01T00:00:00Z"
    assert out["release"]["digest"].startswith("sha256:") and out["tag"] is None
    assert Path(out["snapshot"]).is_file()
    bump(acme_copy)
    assert cli("release", "v2", "-c", str(acme_copy), "--effective", "2026-02-01T12:00:00+01:00").code == 0
    listing = json.loads(cli("releases", "-c", str(acme_copy), "--format", "json").out)
    assert [(x["id"], x["in_force"]) for x in listing["releases"]] == [("2026.01.01", False), ("v2", True)]
    assert listing["releases"][1]["effective_from"] == "2026-02-01T11:00:00Z"
    at = json.loads(cli("releases", "-c", str(acme_copy), "--at", "2026-01-15", "--format", "json").out)
    assert at["in_force"] == "2026.01.01"
    text = cli("releases", "-c", str(acme_copy)).out
    assert "v2" in text and "in force" in text.splitlines()[1]


def test_refusals_exit_1_with_the_reason(cli, acme_copy: Path) -> None:
    assert cli("release", "-c", str(acme_copy), "--effective", "2026-03-01").code == 0
    r = cli("release", "-c", str(acme_copy), "--effective", "2026-04-01")
    assert r.code == 1 and "nothing changed since release '2026.03.01'" in r.err
    bump(acme_copy)
    r = cli("release", "-c", str(acme_copy), "2026.03.01")
    assert r.code == 1 and "already exists" in r.err
    r = cli("release", "-c", str(acme_copy), "--effective", "2026-01-01")
    assert r.code == 1 and "before the newest release" in r.err
    r = cli("release", "-c", str(acme_copy), "--effective", "soon")
    assert r.code == 2 and "not a date" in r.err
    assert "Traceback" not in r.err


def test_tampering_one_byte_fails_validate_naming_the_release(cli, acme_copy: Path) -> None:
    assert cli("release", "-c", str(acme_copy), "--effective", "2026-01-01").code == 0
    assert cli("validate", str(acme_copy)).code == 0
    snap = acme_copy / "releases" / "2026.01.01.json"
    data = bytearray(snap.read_bytes())
    i = data.index(b'"49.00"') + 2
    data[i] = ord("8")  # 49.00 -> 48.00: one byte
    snap.write_bytes(bytes(data))
    r = cli("validate", str(acme_copy))
    assert r.code == 1
    assert "PB201" in r.out and "release '2026.01.01'" in r.out
    js = json.loads(cli("validate", str(acme_copy), "--format", "json").out)
    assert [(d["rule"], d["path"]) for d in js["diagnostics"]] == [("PB201", "releases.2026.01.01")]
    snap.unlink()
    r = cli("validate", str(acme_copy))
    assert r.code == 1 and "PB202" in r.out and "2026.01.01" in r.out
