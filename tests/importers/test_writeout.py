"""Writing the imported catalogs: every catalog or none, also when threads cannot start."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest

from pricebook.importers.pricing2yaml import OUTPUT_FILES, import_files
from pricebook.importers.writeout import run_all, write_folders


def sources(tmp_path: Path, n: int = 12) -> list[Path]:
    out = []
    for i in range(n):
        p = tmp_path / "in" / f"s{i}" / "2024.yml"
        p.parent.mkdir(parents=True)
        p.write_text(f"saasName: Product {i}\ncreatedAt: '2024-01-01'\ncurrency: USD\n"
                     f"plans: {{PRO: {{price: {i + 1}, unit: user/month}}}}\n", encoding="utf-8")
        out.append(p)
    return out


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("threads_that_start", [0, 1, 3])
def test_threads_that_cannot_start_do_not_stop_the_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          threads_that_start: int) -> None:
    started = {"n": 0}
    real_start = threading.Thread.start

    def start(self: threading.Thread) -> None:
        started["n"] += 1
        if started["n"] > threads_that_start:
            raise RuntimeError("can't start new thread")
        real_start(self)

    monkeypatch.setattr(threading.Thread, "start", start)
    report = import_files(sources(tmp_path), tmp_path / "out")
    assert report.written and report.valid and len(report.files) == 12
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == sorted(f"product-{i}-2024" for i in range(12))
    for folder in (tmp_path / "out").iterdir():
        assert sorted(p.name for p in folder.iterdir()) == sorted(OUTPUT_FILES)


@pytest.mark.parametrize("fail_at", [1, 7, 30])
def test_a_failed_write_leaves_the_output_as_it_was(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    fail_at: int) -> None:
    srcs = sources(tmp_path)
    out = tmp_path / "out"
    import_files(srcs[:4], out)  # an earlier import: four catalogs that a re-import replaces
    srcs[0].write_text(srcs[0].read_text(encoding="utf-8").replace("price: 1,", "price: 99,"),
                       encoding="utf-8")
    before = snapshot(out)
    calls = {"n": 0}
    real_replace = os.replace

    def replace(src: Any, dst: Any) -> None:
        calls["n"] += 1
        if calls["n"] == fail_at:
            raise OSError(28, "No space left on device", str(dst))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OSError, match="No space left"):
        import_files(srcs, out)
    monkeypatch.setattr(os, "replace", real_replace)
    assert snapshot(out) == before  # the old catalogs unchanged, no new folder, no temporary left
    assert sorted(p.name for p in out.iterdir()) == [f"product-{i}-2024" for i in range(4)]


def test_a_failed_write_removes_the_folders_it_created(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    def fsync(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(OSError, match="Input/output"):
        import_files(sources(tmp_path, 3), tmp_path / "new" / "out")
    assert not (tmp_path / "new").exists()


def test_run_all_does_every_item_once_and_raises_the_first_error() -> None:
    seen: list[int] = []
    lock = threading.Lock()

    def record(i: int) -> None:
        with lock:
            seen.append(i)

    run_all(record, list(range(100)))
    assert sorted(seen) == list(range(100))

    def boom(i: int) -> None:
        if i == 3:
            raise ValueError("item 3")

    with pytest.raises(ValueError, match="item 3"):
        run_all(boom, list(range(10)), workers=1)


def test_write_folders_replaces_files_in_place(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    write_folders([(folder, {"a.yaml": "one\n"})])
    write_folders([(folder, {"a.yaml": "two\n", "b.yaml": "three\n"})])
    assert snapshot(folder) == {"a.yaml": b"two\n", "b.yaml": b"three\n"}
