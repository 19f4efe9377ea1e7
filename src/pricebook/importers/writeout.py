"""Write many catalog folders all or nothing.

An import writes one folder per source file. ``write_folders`` stages every file as a temporary sibling
(``.<name>.<random>.tmp``, written and fsynced, in up to 8 threads because fsync dominates on a slow
disk), then renames them into place one by one, keeping a hard link (or a copy) of each file it
replaces. When anything fails, in staging or in a rename, every file placed is put back as it was,
every temporary and backup is removed, and so is every folder the run created; then the error is
raised. So a failed run leaves the output as it found it.

A thread that cannot start (``RuntimeError: can't start new thread``) is no failure: the calling
thread always works through the queue too, so fewer threads, or none, only make it slower.
"""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

WORKERS = 8


def write_folders(folders: Iterable[tuple[Path, Mapping[str, str]]], workers: int = WORKERS) -> None:
    """Write ``{name: text}`` into each folder, all or nothing (see the module docstring)."""
    jobs = [(folder / name, text) for folder, files in folders for name, text in files.items()]
    created: list[Path] = []
    staged: list[tuple[Path, Path]] = []  # (temporary, target)
    lock = threading.Lock()
    placed: list[tuple[Path, Path | None]] = []  # (target, backup of what it replaced)
    try:
        for target, _ in jobs:
            _make_dirs(target.parent, created)

        def stage(job: tuple[Path, str]) -> None:
            target, text = job
            tmp = _write_temp(target, text)
            with lock:
                staged.append((tmp, target))

        run_all(stage, jobs, workers)
        for tmp, target in staged:
            backup = _backup(target) if target.exists() else None
            try:
                os.replace(tmp, target)
            except BaseException:
                if backup is not None:
                    backup.unlink()
                raise
            placed.append((target, backup))
    except BaseException:
        _roll_back(placed, staged, created)
        raise
    for _, backup in placed:
        if backup is not None:
            backup.unlink(missing_ok=True)


def run_all(fn: Callable[[T], None], items: Sequence[T], workers: int = WORKERS) -> None:
    """Call ``fn`` on every item, in up to ``workers`` threads, the calling thread included. Threads
    that cannot start are done without. After the first error no new item is started, and that error
    is raised once every thread has stopped."""
    pending: queue.SimpleQueue[T] = queue.SimpleQueue()
    for item in items:
        pending.put(item)
    errors: list[BaseException] = []
    stop = threading.Event()

    def work() -> None:
        while not stop.is_set():
            try:
                item = pending.get_nowait()
            except queue.Empty:
                return
            try:
                fn(item)
            except BaseException as exc:
                errors.append(exc)
                stop.set()
                return

    threads: list[threading.Thread] = []
    for _ in range(min(workers, len(items)) - 1):
        t = threading.Thread(target=work, name="pricebook-import-write", daemon=True)
        try:
            t.start()
        except RuntimeError:  # can't start new thread: the threads started, and this one, do the rest
            break
        threads.append(t)
    try:
        work()
    finally:
        stop.set()  # done, or interrupted: either way no thread takes another item
        for t in threads:
            t.join()
    if errors:
        raise errors[0]


def _make_dirs(folder: Path, created: list[Path]) -> None:
    missing: list[Path] = []
    for d in (folder, *folder.parents):
        if d.exists():
            break
        missing.append(d)
    for d in reversed(missing):
        d.mkdir(exist_ok=True)
        created.append(d)


def _write_temp(target: Path, text: str) -> Path:
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, (target.stat().st_mode & 0o777) if target.exists() else 0o644)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _backup(target: Path) -> Path:
    """A second name for ``target``'s current content, to put back if the run fails."""
    backup = target.with_name(f".{target.name}.{uuid.uuid4().hex}.bak")
    try:
        os.link(target, backup)
    except OSError:  # no hard links on this file system
        shutil.copy2(target, backup)
    return backup


def _roll_back(placed: list[tuple[Path, Path | None]], staged: list[tuple[Path, Path]],
               created: list[Path]) -> None:
    for target, backup in reversed(placed):
        try:
            if backup is not None:
                os.replace(backup, target)
            else:
                target.unlink(missing_ok=True)
        except OSError:
            pass
    for tmp, _ in staged:
        tmp.unlink(missing_ok=True)
    for d in reversed(created):
        with contextlib.suppress(OSError):  # not empty: something else wrote there meanwhile
            d.rmdir()
