"""The core never imports the CLI, and start-up stays light."""

from __future__ import annotations

import subprocess
import sys


def test_rating_imports_no_cli_rich_or_babel() -> None:
    code = (
        "import sys, pricebook.rating, pricebook.rating.quote, pricebook.rating.ratecard, "
        "pricebook.rating.usage_input; "
        "print(sorted(m for m in ('typer', 'rich', 'babel', 'duckdb', 'git') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_quote_and_show_cli_modules_import_no_heavy_libraries() -> None:
    code = (
        "import sys, pricebook.cli.quote, pricebook.cli.show; "
        "print(sorted(m for m in ('rich', 'babel', 'duckdb', 'git', 'pricebook.rating') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
