"""``pricebook.yaml``: project settings. Flags override them.

Recognised keys (all optional)::

    catalog: catalogs/acme        # default --catalog
    base: origin/main             # default BASE for diff and ci
    severity:                     # per-kind severity overrides for diff
      price-increased: warning
    fail_on: breaking             # default --fail-on for diff and ci
    usage:                        # what simulate/ci read when not told
      sample: examples/usage/sample.csv
      subscriptions: examples/usage/subscriptions.csv
      preset: lago
      map: {customer_id: account_id}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pricebook.errors import InputError, UsageError

SETTINGS_NAMES = ("pricebook.yaml", "pricebook.yml")


@dataclass(frozen=True)
class Settings:
    root: Path  # the folder holding pricebook.yaml (or the cwd when there is none)
    file: Path | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def section(self, key: str) -> dict[str, Any]:
        v = self.data.get(key)
        return v if isinstance(v, dict) else {}

    def path(self, value: str | None) -> Path | None:
        """A path from the settings file is relative to the folder that holds it."""
        if value is None:
            return None
        p = Path(value)
        return p if p.is_absolute() else self.root / p


def find_settings_file(start: Path | None = None) -> Path | None:
    """``pricebook.yaml`` in ``start`` or the nearest parent, stopping at a git root."""
    here = (start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        for name in SETTINGS_NAMES:
            if (d / name).is_file():
                return d / name
        if (d / ".git").exists():
            return None
    return None


def load_settings(start: Path | None = None) -> Settings:
    import yaml

    f = find_settings_file(start)
    if f is None:
        return Settings(root=(start or Path.cwd()))
    try:
        data = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {f}: {exc}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{f}:{mark.line + 1}:{mark.column + 1}" if mark else str(f)
        raise InputError(f"{where}: settings file is not valid YAML") from exc
    if not isinstance(data, dict):
        raise InputError(f"{f}: settings must be a mapping")
    return Settings(root=f.parent, file=f, data=data)


def resolve_catalog_path(option: str | None, settings: Settings | None = None) -> Path:
    """``--catalog`` if given; else ``catalog:`` from pricebook.yaml; else the only catalog under
    ``catalogs/``; else the current directory."""
    if option:
        p = Path(option)
        if not p.exists():
            raise UsageError(f"catalog path '{option}' does not exist")
        return p
    s = settings or load_settings()
    configured = s.path(s.get("catalog"))
    if configured is not None:
        if not configured.exists():
            raise InputError(f"{s.file}: catalog path '{s.get('catalog')}' does not exist")
        return _relative(configured)
    catalogs = s.root / "catalogs"
    if catalogs.is_dir():
        found = sorted(d for d in catalogs.iterdir() if d.is_dir() and not d.name.startswith("."))
        if len(found) == 1:
            return _relative(found[0])
        if len(found) > 1:
            names = ", ".join(d.name for d in found)
            raise UsageError(f"several catalogs under {catalogs} ({names}): pass --catalog or set "
                             "'catalog:' in pricebook.yaml")
    return Path(".")


def _relative(p: Path) -> Path:
    try:
        return p.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return p
