"""Atomic file writes: a temporary file in the same folder, fsync, then ``os.replace``.

A reader (or a crash) sees the old file or the new one, never a partial one. Every file pricebook
writes into a user's repository goes through ``write_atomic``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path


def write_atomic(path: str | Path, data: bytes | str, durable: bool = True) -> None:
    """Replace ``path`` with ``data`` atomically (creating parent folders as needed). ``durable``
    flushes the data to disk before the rename; a cache, which checks what it reads back, skips that."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        if p.exists():
            os.chmod(tmp, p.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, p)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_all_atomic(files: Iterable[tuple[str | Path, bytes | str]]) -> None:
    """Write several files so that a failure leaves every file old or new, never partial.

    All temporaries are written first; only then are they renamed into place. A failure before the
    renames leaves every file old. (Renames of distinct files cannot be made atomic as a group; a
    failure between two renames leaves each file whole, some old and some new, and the caller's
    validation of the set reports the mix.)
    """
    staged: list[tuple[str, Path]] = []
    try:
        for path, data in files:
            p = Path(path)
            p.parent.mkdir(parents=True, exist_ok=True)
            raw = data.encode("utf-8") if isinstance(data, str) else data
            fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
            with os.fdopen(fd, "wb") as fh:
                fh.write(raw)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, (p.stat().st_mode & 0o777) if p.exists() else 0o644)
            staged.append((tmp, p))
        for tmp, p in staged:
            os.replace(tmp, p)
    finally:
        for tmp, _ in staged:
            if os.path.exists(tmp):
                os.unlink(tmp)
