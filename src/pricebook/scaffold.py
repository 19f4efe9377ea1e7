"""``init`` as a function: the files of a new catalog repository, and writing them.

The starter catalog validates clean and is already in ``fmt`` layout. Its files begin with a
``yaml-language-server`` header that points at a copy of the JSON Schema inside the repository, so
editors complete and check keys without network access.
"""

from __future__ import annotations

import re
from pathlib import Path

SCHEMA_DIR = "schemas"
WORKFLOW = ".github/workflows/pricebook.yml"
PRECOMMIT = ".pre-commit-config.yaml"


def catalog_id_for(folder: Path) -> str:
    """A catalog id from a folder name: lower-case letters, digits and dashes (``pricing`` if none)."""
    slug = re.sub(r"[^a-z0-9]+", "-", folder.resolve().name.lower()).strip("-")
    return slug or "pricing"


def _header(depth: int) -> str:
    return f"# yaml-language-server: $schema={'../' * depth}{SCHEMA_DIR}/catalog.schema.json\n"


def scaffold_files(name: str) -> dict[str, str]:
    """Relative path -> text of every file ``init`` writes, for a catalog called ``name``."""
    from pricebook.load.schema import schema_names, schema_text

    title = name.replace("-", " ").title()
    cat = f"catalogs/{name}"
    files: dict[str, str] = {
        "pricebook.yaml": f"""\
# pricebook settings. Flags override them.
catalog: {cat}           # the catalog every command reads by default
base: origin/main        # what 'pricebook diff' and 'pricebook ci' compare against; in GitHub
                         # Actions a pull request is compared with its own base branch instead
""",
        f"{cat}/catalog.yaml": _header(2) + f"""\
# Meters count usage, SKUs are the lines of an invoice, features are what plans grant.
catalog:
  id: {name}
  name: {title}
  currency: USD
  rounding: half_up
  timezone: UTC

meters:
  api-calls: {{name: API calls, unit: call, aggregation: count}}
  seats: {{name: Seats, unit: seat, aggregation: max}}

features:
  sso: {{name: Single sign-on, type: boolean}}
  monthly-calls: {{name: Monthly API calls, type: metered, meter: api-calls}}

skus:
  platform: {{name: Platform fee}}
  seats: {{name: Seats, meter: seats}}
  api-calls: {{name: API calls, meter: api-calls}}
""",
        f"{cat}/plans/free.yaml": _header(3) + """\
plans:
  free:
    name: Free
    prices:
      platform: {model: flat, amount: "0.00"}
      api-calls:
        model: graduated
        tiers:
          - {up_to: 1000, unit_price: "0"}
          - {unit_price: "0.002"}
    entitlements:
      sso: false
      monthly-calls: {limit: 10000, enforcement: hard}
""",
        f"{cat}/plans/pro.yaml": _header(3) + """\
plans:
  pro:
    name: Pro
    extends: free                # start from Free, then override
    prices:
      platform: {model: flat, amount: "49.00"}
      seats: {model: per_unit, unit_price: "12.00", included: 3}
      api-calls:
        model: graduated
        tiers:
          - {up_to: 100000, unit_price: "0"}
          - {unit_price: "0.0004"}
    entitlements:
      sso: true
      monthly-calls: {limit: 10000000, enforcement: soft}
""",
        WORKFLOW: """\
# Validates the catalog, diffs it against the base branch and simulates the revenue impact on
# every pull request (written to the job summary and as annotations).
name: pricebook
on:
  pull_request:
    paths: ["catalogs/**", "pricebook.yaml"]
  push:
    branches: [main]
jobs:
  pricebook:
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0           # diff needs the base branch's history
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: pip install pricebook
      - uses: actions/cache@v4   # parsed files, built plans, findings: a PR re-checks what it changed
        with:
          path: ${{ runner.temp }}/pricebook-cache
          key: pricebook-${{ runner.os }}-${{ github.sha }}
          restore-keys: pricebook-${{ runner.os }}-
      - run: pricebook ci
        env:
          PRICEBOOK_CACHE_DIR: ${{ runner.temp }}/pricebook-cache
""",
        PRECOMMIT: """\
# Runs on every commit: 'pre-commit install' once. The hooks call the pricebook on your PATH.
repos:
  - repo: local
    hooks:
      - id: pricebook-validate
        name: pricebook validate
        entry: pricebook validate
        language: system
        files: ^catalogs/.*\\.ya?ml$
        pass_filenames: false
      - id: pricebook-fmt
        name: pricebook fmt --check
        entry: pricebook fmt --check      # fails on a file out of layout: run 'pricebook fmt' to fix
        language: system
        files: ^catalogs/.*\\.ya?ml$
        pass_filenames: false
""",
    }
    for schema in schema_names():
        files[f"{SCHEMA_DIR}/{schema}"] = schema_text(schema)
    return files


def init_repository(folder: str | Path, name: str | None = None) -> list[Path]:
    """Write a new catalog repository into ``folder`` (created if needed) and return the files
    written. Refuses, writing nothing, when any of them exists already."""
    from pricebook.errors import GuardError, UsageError
    from pricebook.fsutil import write_all_atomic

    root = Path(folder)
    if root.exists() and not root.is_dir():
        raise UsageError(f"'{root}' exists and is not a folder")
    cid = name or catalog_id_for(root)
    if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]*", cid):
        raise UsageError(f"catalog name '{cid}' must use letters, digits, '.', '_' and '-'")
    files = scaffold_files(cid)
    existing = [rel for rel in files if (root / rel).exists()]
    if existing:
        raise GuardError(f"refusing to overwrite existing files in {root}: {', '.join(existing)}")
    targets = [(root / rel, text) for rel, text in files.items()]
    write_all_atomic(targets)
    return [p for p, _ in targets]
