"""Rich consoles, created lazily: colour only on a terminal and never when NO_COLOR is set."""

from __future__ import annotations

import os
import sys
from typing import Any


def console(stderr: bool = False) -> Any:
    """A rich Console bound to the *current* sys.stdout/sys.stderr (tests swap them)."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    no_color = bool(os.environ.get("NO_COLOR"))
    return Console(file=stream, no_color=no_color, highlight=False, soft_wrap=True,
                   force_terminal=None if not no_color else False, width=None if stream.isatty() else 120)


def escape(text: str) -> str:
    """User text must not be read as rich markup."""
    from rich.markup import escape as _escape

    return str(_escape(text))
