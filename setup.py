"""Builds the optional C reader of catalog files (``pricebook.load._cyaml``, on libyaml).

Everything else is in pyproject.toml. The extension is optional: where it cannot be built (no C
compiler, no libyaml headers) the install goes on without it and the pure-Python reader, which
gives the same results, reads every file (about ten times slower on a large catalog).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "pricebook.load._cyaml",
            ["src/pricebook/load/_cyaml.c"],
            libraries=["yaml"],
            optional=True,
        )
    ]
)
