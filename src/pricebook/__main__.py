from __future__ import annotations

from pricebook.cli import main

main()
