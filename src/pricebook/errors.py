"""The few fatal errors of pricebook.

Findings (validation problems, diff changes) are values, not exceptions: see ``diagnostics``.
An exception from this module means a command cannot run at all. The CLI catches them in one
place, prints one line and exits with the code of the class::

    PricebookError                 exit 2: the command could not run
    ├── UsageError                 bad arguments or flag combinations
    ├── InputError                 unreadable or malformed input (a file, a usage export)
    │   └── CatalogLoadError       a catalog that cannot be loaded into a model at all
    ├── GitError                   a git call failed, a ref is missing
    └── GuardError                 exit 1: a guard refused (dirty tree, nothing to release)
    InternalError                  exit 3: a bug in pricebook (e.g. an unclassified diff change)
"""

from __future__ import annotations

from typing import Any


class PricebookError(Exception):
    """A command could not run. ``str(err)`` is the one line shown to the user."""

    exit_code = 2


class UsageError(PricebookError):
    """The arguments do not make sense together."""


class InputError(PricebookError):
    """A file or value given to pricebook is unreadable or malformed."""


class CatalogLoadError(InputError):
    """A catalog has errors that stop it from being built into a model.

    Carries the diagnostics so a command can show all of them, not just the first.
    """

    def __init__(self, message: str, diagnostics: list[object] | None = None) -> None:
        super().__init__(message)
        self.diagnostics = diagnostics or []


def invalid_catalog(label: str, errors: list[Any]) -> CatalogLoadError:
    """The one-line refusal of a catalog with errors (``Diagnostic``s): the first one, where it is, and
    how many more, as quote and simulate say it."""
    first = errors[0] if errors else None
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    what = f"{first.location}: {first.rule} {first.message}" if first else "it could not be loaded"
    return CatalogLoadError(f"catalog {label} is invalid: {what}{more}; run 'pricebook validate'", errors)


class GitError(PricebookError):
    """A git operation failed or a revision could not be found."""


class GuardError(PricebookError):
    """A safety guard refused to act (dirty working tree, nothing changed, id exists)."""

    exit_code = 1


class InternalError(Exception):
    """A bug in pricebook itself. Exit 3, with a hint to rerun with --debug."""

    exit_code = 3
