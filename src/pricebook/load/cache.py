"""A per-file cache of parse + schema results, so an unchanged large catalog is not parsed again.

Parsing is the cost of ``validate`` on a large catalog (PyYAML builds a node with two marks for
every scalar). The result of parsing and schema-checking one file depends only on its display path,
its bytes and the loader's code, so it is cached under a key made of exactly those. Only files of at
least ``MIN_BYTES`` are cached (small ones parse faster than the cache is read).

Where: ``$PRICEBOOK_CACHE_DIR``, else ``$XDG_CACHE_HOME/pricebook``, else ``~/.cache/pricebook``.
``PRICEBOOK_CACHE_DIR=off`` turns it off. The cache is the user's own (like black's); an unreadable,
stale or corrupt entry is ignored and recomputed, and a cache that cannot be written is skipped.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from functools import lru_cache
from pathlib import Path
from typing import Any

from pricebook.diagnostics import Diagnostic
from pricebook.load.yamlsrc import ParsedYaml

MIN_BYTES = 32 * 1024
FORMAT = b"pricebook-parse-cache-1"


def cache_dir() -> Path | None:
    """The cache folder, or None when caching is off."""
    configured = os.environ.get("PRICEBOOK_CACHE_DIR")
    if configured is not None:
        return None if configured.strip().lower() in ("", "0", "off", "false", "no") else Path(configured)
    xdg = os.environ.get("XDG_CACHE_HOME")
    try:
        base = Path(xdg) if xdg else Path.home() / ".cache"
    except (RuntimeError, KeyError):  # no home directory: run without a cache
        return None
    return base / "pricebook"


@lru_cache(maxsize=1)
def _salt() -> bytes:
    """Changes whenever the code or schema that produce a cached result changes."""
    from pricebook import __version__
    from pricebook.load import schema, yamlsrc

    h = hashlib.sha256(FORMAT + __version__.encode())
    for mod in (yamlsrc, schema):
        h.update(Path(mod.__file__ or "").read_bytes())
    h.update(schema.schema_text().encode())
    return h.digest()


def parse_checked(data: bytes, file: str) -> tuple[ParsedYaml, list[Diagnostic]]:
    """``parse_yaml`` then ``schema_findings`` for one file, from the cache when possible."""
    folder = cache_dir() if len(data) >= MIN_BYTES else None
    if folder is None:
        return _compute(data, file)
    key = hashlib.sha256(_salt() + file.encode("utf-8", "surrogateescape") + b"\0" + data).hexdigest()
    entry = folder / key[:2] / key
    try:
        cached: Any = pickle.loads(entry.read_bytes())
        if isinstance(cached, tuple) and len(cached) == 2 and isinstance(cached[0], ParsedYaml):
            return cached[0], list(cached[1])
    except FileNotFoundError:
        pass
    except Exception:
        pass
    result = _compute(data, file)
    try:
        from pricebook.fsutil import write_atomic

        write_atomic(entry, pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    except OSError:
        pass
    return result


def _compute(data: bytes, file: str) -> tuple[ParsedYaml, list[Diagnostic]]:
    from pricebook.load.schema import schema_findings
    from pricebook.load.yamlsrc import parse_yaml

    parsed = parse_yaml(data, file)
    if not parsed.ok or parsed.data is None:
        return parsed, []
    return parsed, schema_findings(parsed.data, file, parsed.positions)
