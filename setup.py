"""Builds the two optional C extensions; everything else is in pyproject.toml.

- ``pricebook.load._cyaml``, the C reader of catalog files, on libyaml. Where it cannot be built (no C
  compiler, no libyaml headers) the pure-Python reader, which gives the same results, reads every file
  (about ten times slower on a large catalog).
- ``pricebook.simulate._dupfind``, the search for repeated event ids of ``simulate``'s dedup. Without it
  DuckDB sorts the id hashes instead: the same result, 2-3x slower on large usage.

Both are optional: where one cannot be built the install goes on without it.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "pricebook.load._cyaml",
            ["src/pricebook/load/_cyaml.c"],
            libraries=["yaml"],
            optional=True,
        ),
        Extension(
            "pricebook.simulate._dupfind",
            ["src/pricebook/simulate/_dupfind.c"],
            optional=True,
        ),
    ]
)
