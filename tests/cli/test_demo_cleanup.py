"""`pricebook demo` without --dir leaves nothing behind: its temporary folder (~5.6 MB at the default
100,000 events) goes when the tour ends, also when it is interrupted. Real processes, a real TMPDIR."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path


def _env(tmp: Path) -> dict[str, str]:
    return {**os.environ, "TMPDIR": str(tmp), "NO_COLOR": "1"}


def test_the_temporary_folder_is_removed_when_the_demo_ends(tmp_path: Path) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    res = subprocess.run([sys.executable, "-m", "pricebook", "demo", "--events", "2000"], env=_env(tmp),
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert "Revenue impact" in res.stdout  # the tour ran, in this TMPDIR
    assert "removed when the demo ends (--dir DIR keeps them)" in res.stdout
    assert list(tmp.iterdir()) == []


def test_the_temporary_folder_is_removed_when_the_demo_is_interrupted(tmp_path: Path) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    # enough events that generating them takes seconds: Ctrl-C lands while the folder is being filled
    proc = subprocess.Popen([sys.executable, "-m", "pricebook", "demo", "--events", "5000000"], env=_env(tmp),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not list(tmp.glob("pricebook-demo-*/baseline")):
            assert proc.poll() is None and time.monotonic() < deadline, "the demo made no folder"
            time.sleep(0.01)
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130  # interrupted, not finished
    assert "Revenue impact" not in out
    assert list(tmp.iterdir()) == []


def test_dir_keeps_the_files_and_says_where(tmp_path: Path) -> None:
    tmp, keep = tmp_path / "tmp", tmp_path / "keep"
    tmp.mkdir()
    res = subprocess.run([sys.executable, "-m", "pricebook", "demo", "--events", "2000", "--dir", str(keep)],
                         env=_env(tmp), capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert f"demo files in {keep}: usage.csv (2000 events)" in res.stdout
    kept = sorted(p.name for p in keep.iterdir())
    assert kept == ["baseline", "candidate", "subscriptions.csv", "usage.csv"]
    assert len((keep / "usage.csv").read_text().splitlines()) == 1 + 2000
    assert list(tmp.iterdir()) == []
