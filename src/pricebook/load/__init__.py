"""YAML -> model, with a source position for every node; JSON Schema; canonical dumps.

Import from here: ``load_catalog``, ``load_sources``, ``load_data``, ``SourceFile``, ``LoadResult``.
"""

from __future__ import annotations

from pricebook.load.catalog import LoadResult, SourceFile, discover, load_catalog, load_data, load_sources

__all__ = ["LoadResult", "SourceFile", "discover", "load_catalog", "load_data", "load_sources"]
