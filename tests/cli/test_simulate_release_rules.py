"""`simulate --baseline releases` bills each period under the release in force then AND that release's
own grandfathering rules: what customers were promised then. The baseline is history; it must not
change with the candidate's (today's) rules. Real files, real DuckDB."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.cli.test_simulate import _release
from tests.conftest import ACME, write_files

USAGE = "customer_id,timestamp,meter,quantity\n" + "".join(
    f"{c},2026-0{m}-03,api-calls,1\n" for c in ("c1", "c2") for m in (1, 2, 3))
SUBS = "customer_id,plan,currency,subscribed_at\nc1,starter,USD,2025-12-01\nc2,starter,USD,2026-01-20\n"


def _rule(cat: Path, text: str) -> None:
    (cat / "grandfathering.yaml").write_text(f"grandfathering:\n{text}")


def test_each_period_uses_the_rules_of_the_release_in_force(cli, acme_copy: Path, tmp_path: Path) -> None:
    # r1 (acme: Starter 19 USD) from 2025; r2 (Starter 29) from 2026-02-01; r3 (Starter 29 and the rule
    # "starter subscribed before 2026-01-15 keeps r1") from 2026-02-15. One api call is inside what
    # Starter includes: a month bills its platform fee.
    #   January: r1 in force -> c1 19, c2 19
    #   February (starts 02-01): r2 in force, no rule -> c1 29, c2 29
    #   March: r3 in force, its rule -> c1 (subscribed 2025-12-01) r1 19, c2 (2026-01-20) 29
    #   baseline: c1 67 + c2 77 = 144
    raised = tmp_path / "raised"
    shutil.copytree(ACME, raised)
    st = raised / "plans" / "starter.yaml"
    st.write_text(st.read_text().replace('USD: "19.00", EUR: "18.00"', 'USD: "29.00", EUR: "18.00"'))
    promised = tmp_path / "promised"
    shutil.copytree(raised, promised)
    _rule(promised, "  legacy-starter:\n    plans: [starter]\n    subscribed_before: 2026-01-15\n"
                    "    release: r1\n")
    index: list[str] = []
    _release(acme_copy, "r1", ACME, "2025-01-01T00:00:00Z", index)
    _release(acme_copy, "r2", raised, "2026-02-01T00:00:00Z", index)
    _release(acme_copy, "r3", promised, "2026-02-15T00:00:00Z", index)
    write_files(tmp_path, {"u.csv": USAGE, "s.csv": SUBS})

    def totals() -> tuple[str, str]:
        r = cli("simulate", tmp_path / "u.csv", "-s", tmp_path / "s.csv", "--catalog", acme_copy,
                "--baseline", "releases", "-f", "json")
        assert r.code == 0, r.err
        (t,) = json.loads(r.out)["totals"]
        return t["baseline"], t["candidate"]

    # the candidate is the working tree: acme, no rules: 6 x 19 = 114
    assert totals() == ("144.00", "114.00")
    # today's catalog grandfathers every starter customer onto r2: the candidate bills 6 x 29 = 174,
    # and the baseline (what was billed then) does not move
    _rule(acme_copy, "  everyone:\n    plans: [starter]\n    subscribed_before: 2027-01-01\n    release: r2\n")
    assert totals() == ("144.00", "174.00")


def test_a_release_is_rounded_with_its_own_rounding_mode(cli, acme_copy: Path, tmp_path: Path) -> None:
    # acme made half_even and released as r1. 10,010 Starter calls: 10 over the free 10,000 at 0.0005 =
    # 0.005, a tie: half_even gives 0.00 (half_up would give 0.01). The release's rounding was looked up
    # under the catalog's own id, not the release's, and the periods it priced fell back to half_up.
    cat = acme_copy / "catalog.yaml"
    cat.write_text(cat.read_text().replace("rounding: half_up", "rounding: half_even"))
    _release(acme_copy, "r1", acme_copy, "2025-01-01T00:00:00Z", [])
    write_files(tmp_path, {"u.csv": "customer_id,timestamp,meter,quantity\nc1,2026-01-03,api-calls,10010\n"})
    r = cli("simulate", tmp_path / "u.csv", "--plan", "starter", "--catalog", acme_copy,
            "--baseline", "releases", "-f", "json")
    assert r.code == 0, r.err
    (t,) = json.loads(r.out)["totals"]
    assert (t["baseline"], t["candidate"]) == ("19.00", "19.00")
