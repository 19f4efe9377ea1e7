"""``pricebook.yaml``: project settings. Flags override them.

Recognised keys (all optional)::

    catalog: catalogs/acme        # default --catalog
    base: origin/main             # default BASE for diff and ci (in GitHub Actions a pull request's
                                  # base branch wins; an explicit BASE wins over both)
    severity:                     # per-kind severity overrides for diff
      price-increased: warning
    fail_on: breaking             # default --fail-on for diff and ci
    usage:                        # what simulate/ci read when not told
      sample: examples/usage/sample.csv
      subscriptions: examples/usage/subscriptions.csv
      preset: lago
      map: {customer_id: account_id}
      plan: pro                   # ci only: the plan of customers without a subscription

Any other key, at the top or inside ``usage``, is an error (exit 2): a typo such as ``fail-on`` must
not silently leave the default in force. Keys come from ``KEYS``: keep it in step with the code
that reads them (``Settings.get`` / ``Settings.section``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pricebook.errors import InputError, UsageError

SETTINGS_NAMES = ("pricebook.yaml", "pricebook.yml")

# Every key the code reads: a top-level key -> the keys of its section, or None when its value is not
# a section of settings (``severity`` maps change kinds, checked by ``diff.classify.check_overrides``).
KEYS: dict[str, tuple[str, ...] | None] = {
    "catalog": None,
    "base": None,
    "fail_on": None,
    "severity": None,
    "usage": ("sample", "subscriptions", "preset", "map", "plan"),
}

# What a value that is one line of text must hold, for the message when it is not text
TEXT_VALUES: dict[tuple[str, ...], str] = {
    ("catalog",): "a path",
    ("base",): "a git ref, a path or release:<id>",
    ("fail_on",): "one of breaking, warning, info or never",
    ("usage", "sample"): "a path or a list of paths",
    ("usage", "subscriptions"): "a path",
    ("usage", "preset"): "a preset name",
    ("usage", "plan"): "a plan id",
}


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
    check_keys(data, f)
    return Settings(root=f.parent, file=f, data=data)


def check_keys(data: dict[Any, Any], file: Path) -> None:
    """InputError for the first key of ``data`` (settings read from ``file``) that pricebook does not
    read, at the top or inside a section, naming its line and the nearest known key; or for a value
    that must be text (``catalog``, ``base``, ``fail_on``, ``usage.sample``...) and is not."""
    for key, value in data.items():
        if key not in KEYS:
            _unknown(file, (key,), tuple(KEYS))
        inner = KEYS[key]
        if inner is None:
            _check_text(file, (key,), value)
            continue
        if value is None:
            continue
        if not isinstance(value, dict):
            raise InputError(f"{_where(file, (key,))}: '{key}' must be a mapping of {', '.join(inner)}")
        for sub in value:
            if sub not in inner:
                _unknown(file, (key, sub), inner)
            _check_text(file, (key, sub), value[sub])


def _check_text(file: Path, path: tuple[Any, ...], value: Any) -> None:
    """InputError when a setting that is text (a path, a ref, a name) holds something else, said as
    the file says it (``true``, a list): PyYAML would hand ``catalog: true`` on as ``True``."""
    what = TEXT_VALUES.get(path)
    if what is None or value is None or isinstance(value, str):
        return
    if path == ("usage", "sample") and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return
    from pricebook.diagnostics import describe_value

    name = ".".join(str(p) for p in path)
    if isinstance(value, (int, float)) and not isinstance(value, bool):  # no-float-ok
        # YAML has already changed it (2026.10 -> 2026.1, 010 -> 8): do not show that back
        shown = "a number: put it in quotes to keep it as written"
    else:
        shown = describe_value(value)
    raise InputError(f"{_where(file, path)}: '{name}' must be {what}, not {shown}")


def _unknown(file: Path, path: tuple[Any, ...], known: tuple[str, ...]) -> None:
    import difflib

    name = ".".join(str(p) for p in path)
    close = difflib.get_close_matches(str(path[-1]), known, n=1)
    prefix = "".join(f"{p}." for p in path[:-1])
    hint = (f"did you mean '{prefix}{close[0]}'?" if close
            else f"known: {', '.join(prefix + k for k in known)}")
    raise InputError(f"{_where(file, path)}: unknown key '{name}' ({hint})")


def _where(file: Path, path: tuple[Any, ...]) -> str:
    """``file:line`` of the key at ``path`` (top-level key, then keys below it), else ``file``."""
    import yaml

    try:
        node = yaml.compose(file.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return str(file)
    line = None
    for step in path:
        if not isinstance(node, yaml.MappingNode):
            return str(file)
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == str(step):
                line, node = k.start_mark.line + 1, v
                break
        else:
            return str(file)
    return f"{file}:{line}" if line is not None else str(file)


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
