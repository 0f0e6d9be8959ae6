"""Configuration: ``[tool.safelint]`` in the nearest ``pyproject.toml`` or ``safelint.toml``.

Every key is validated: a typo must stop the run with a message naming the file, the key and
what is allowed, never be ignored silently (a linter whose ``ignore`` was misspelt looks clean).
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from safelint.rule import Rule, all_rules, code_letters

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

CONFIG_FILES = ("safelint.toml", "pyproject.toml")

DEFAULT_EXCLUDE = (
    ".git",
    ".hg",
    ".svn",
    ".bzr",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    ".eggs",
    "*.egg-info",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".safelint_cache",
    "__pypackages__",
    "_build",
    "buck-out",
    "build",
    "dist",
    "node_modules",
    "site-packages",
)


class ConfigError(Exception):
    """A configuration problem the user must fix; the CLI exits 2 with this message."""


@dataclass(frozen=True)
class Settings:
    """The effective settings for the files one configuration file governs."""

    root: Path
    config_path: Path | None = None
    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    respect_gitignore: bool = True
    jobs: int | None = None
    python: str | None = None
    require_suppression_reason: bool = False
    honour_type_ignores: bool = True
    rule_options: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()
    plugins: tuple[str, ...] = ()
    origins: tuple[tuple[str, str], ...] = field(default=(), compare=False, repr=False)
    """Where each key that is not a default came from: the configuration file, the command
    line, or both (a list the command line extends); for ``--show-settings``."""
    _enabled: frozenset[str] = field(default=frozenset(), compare=False, repr=False)

    def origin(self, key: str) -> str:
        """``default``, the configuration file's path, ``command line (--opt)``, or both."""
        return dict(self.origins).get(key, "default")

    def available_rules(self) -> dict[str, type[Rule]]:
        """safelint's rules, the installed plugins' and those of the plugins this file names
        (a plugin another configuration names is not one of this one's)."""
        from safelint.plugins import usable

        return {code: rule for code, rule in all_rules().items() if usable(code, self.plugins)}

    def enabled_codes(self) -> frozenset[str]:
        """Codes on after select/extend-select/ignore, the most specific selector winning."""
        if self._enabled:
            return self._enabled
        enabled = frozenset(code for code, rule in self.available_rules().items() if _is_enabled(code, rule, self))
        object.__setattr__(self, "_enabled", enabled)
        return enabled

    def options_for(self, code: str) -> dict[str, Any]:
        """A rule's options: prefix tables first, then more specific ones override them."""
        merged: dict[str, Any] = {}
        for key, values in sorted(self.rule_options, key=lambda kv: specificity(kv[0], code)):
            if specificity(key, code) >= 0:
                merged.update(values)
        return merged

    def digest(self) -> str:
        """A stable hash of everything that changes findings, for the result cache key."""
        from safelint.plugins import plugins_for

        data = {
            "enabled": sorted(self.enabled_codes()),
            "per_file_ignores": self.per_file_ignores,
            "reason": self.require_suppression_reason,
            "type_ignores": self.honour_type_ignores,
            "options": self.rule_options,
            "plugins": [p.identity() for p in plugins_for(self.plugins)],
        }
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


ALL = "ALL"
"""The selector of every rule (ruff's): the least specific, and it names opt-in rules too."""


def specificity(selector: str, code: str) -> int:
    """How specifically ``selector`` names ``code`` (a longer prefix is more specific; ``ALL``
    least of all), or -1 when it does not name it."""
    if selector == ALL:
        return 0
    return len(selector) if code.startswith(selector) else -1


def _is_enabled(code: str, rule: type[Rule], settings: Settings) -> bool:
    # Opt-in rules need their own code named (or ALL): selecting a whole family does not turn
    # them on. Without `select`, every rule on by default is on, as weakly as with ALL, so that
    # any `ignore` (SL1, ACME, ALL) wins over it.
    def named(selector: str) -> bool:
        return rule.enabled_by_default or selector in (code, ALL)

    if settings.select is None:
        on = [0] if rule.enabled_by_default else []
    else:
        on = [specificity(s, code) for s in settings.select if named(s)]
    on += [specificity(s, code) for s in settings.extend_select if named(s)]
    best_on = max(on, default=-1)
    best_off = max((specificity(s, code) for s in settings.ignore), default=-1)
    return best_on >= 0 and best_on > best_off


@dataclass(frozen=True)
class Overrides:
    """Command-line options; they override whatever the configuration file says."""

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] | None = None
    extend_exclude: tuple[str, ...] = ()
    jobs: int | None = None
    respect_gitignore: bool | None = None
    python: str | None = None

    def apply(self, settings: Settings) -> Settings:
        for name, codes in (
            ("select", self.select or ()),
            ("extend-select", self.extend_select),
            ("ignore", self.ignore),
        ):
            _check_codes(codes, f"--{name}", None, settings.available_rules())
        origins = dict(settings.origins)
        for key, option, given, extends in (
            ("select", "--select", self.select is not None, False),
            ("extend-select", "--extend-select", bool(self.extend_select), True),
            ("ignore", "--ignore", bool(self.ignore), True),
            ("exclude", "--exclude", self.exclude is not None, False),
            ("extend-exclude", "--extend-exclude", bool(self.extend_exclude), True),
            ("jobs", "--jobs", self.jobs is not None, False),
            ("respect-gitignore", "--no-respect-gitignore", self.respect_gitignore is not None, False),
            ("python", "--python", self.python is not None, False),
        ):
            if given:
                by_file = f"{origins[key]}, then " if extends and key in origins else ""
                origins[key] = f"{by_file}command line ({option})"
        return replace(
            settings,
            select=self.select if self.select is not None else settings.select,
            extend_select=settings.extend_select + self.extend_select,
            ignore=settings.ignore + self.ignore,
            exclude=self.exclude if self.exclude is not None else settings.exclude,
            extend_exclude=settings.extend_exclude + self.extend_exclude,
            jobs=self.jobs if self.jobs is not None else settings.jobs,
            python=self.python if self.python is not None else settings.python,
            respect_gitignore=(
                self.respect_gitignore if self.respect_gitignore is not None else settings.respect_gitignore
            ),
            origins=tuple(origins.items()),
            _enabled=frozenset(),
        )


def find_config_file(start: Path) -> Path | None:
    """The nearest config file at or above ``start``, stopping at the repository root."""
    directory = start if start.is_dir() else start.parent
    for candidate_dir in (directory, *directory.parents):
        for name in CONFIG_FILES:
            candidate = candidate_dir / name
            if candidate.is_file() and (name != "pyproject.toml" or _has_safelint_table(candidate)):
                return candidate
        if (candidate_dir / ".git").exists():
            return None
    return None


def _has_safelint_table(pyproject: Path) -> bool:
    try:
        data = _read_toml(pyproject)
    except ConfigError:
        return True  # let load_settings report the broken file rather than skip past it
    return isinstance(data.get("tool"), dict) and "safelint" in data["tool"]


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - raw.rfind(b"\n", 0, error.start)
        raise ConfigError(f"{path}:{line}:{column}: invalid TOML: the file is not UTF-8 text") from None
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line, column, message = _toml_position(error, text)
        raise ConfigError(f"{path}:{line}:{column}: invalid TOML: {message}") from None
    return data


_TOML_AT = re.compile(r"\s*\((?:at line (\d+), column (\d+)|at end of document)\)$")


def _toml_position(error: tomllib.TOMLDecodeError, text: str) -> tuple[int, int, str]:
    """Where the syntax error is (``path:line:column``, for editors and people) and what it is:
    from the error's own fields where the parser has them (Python 3.14, tomli 2.1), else from
    its message, which ends ``(at line L, column C)`` or ``(at end of document)``."""
    message = str(getattr(error, "msg", None) or error)
    match = _TOML_AT.search(message)
    if match is not None:
        message = message[: match.start()]
    lineno, colno = getattr(error, "lineno", None), getattr(error, "colno", None)
    if isinstance(lineno, int) and isinstance(colno, int):
        return lineno, colno, message
    if match is not None and match.group(1):
        return int(match.group(1)), int(match.group(2)), message
    lines = text.split("\n")  # the end of the document
    return len(lines), len(lines[-1]) + 1, message


def load_settings(config_path: Path | None, default_root: Path) -> Settings:
    """Read and validate one configuration file (or return the defaults when there is none)."""
    if config_path is None:
        return Settings(root=default_root)
    data = _read_toml(config_path)
    if config_path.name == "pyproject.toml":
        table = data.get("tool", {}).get("safelint", {})
        where = "[tool.safelint]"
    else:
        table = data
        where = "the top level"
    if not isinstance(table, dict):
        raise ConfigError(f"{config_path}: {where} must be a table")
    return parse_table(table, config_path, where)


_KEYS = {
    "select": "a list of rule codes or prefixes",
    "extend-select": "a list of rule codes or prefixes",
    "ignore": "a list of rule codes or prefixes",
    "per-file-ignores": "a table of glob = [codes]",
    "exclude": "a list of glob patterns",
    "extend-exclude": "a list of glob patterns",
    "respect-gitignore": "true or false",
    "jobs": "a positive integer",
    "python": "the path of the interpreter whose installed stubs and typed packages to read",
    "require-suppression-reason": "true or false",
    "honour-type-ignores": "true or false",
    "rules": "a table of [rules.<CODE>] option tables",
    "plugins": "a list of module names importable by safelint's Python, whose rules to add (like mypkg.lint_rules)",
}


def parse_table(table: dict[str, Any], path: Path, where: str = "the top level") -> Settings:
    """Validate a ``[tool.safelint]``-shaped table read from ``path``."""

    def fail(key: str, problem: str) -> ConfigError:
        return ConfigError(f"{path}: `{key}` in {where} {problem}")

    unknown = sorted(set(table) - set(_KEYS))
    if unknown:
        raise fail(unknown[0], f"is not a known key; allowed keys: {', '.join(_KEYS)}")

    def strings(key: str) -> tuple[str, ...]:
        value = table[key]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail(key, f"must be {_KEYS[key]}")
        return tuple(value)

    def boolean(key: str) -> bool:
        value = table[key]
        if not isinstance(value, bool):
            raise fail(key, f"must be {_KEYS[key]}, not {value!r}")
        return value

    settings = Settings(root=path.parent, config_path=path)
    if "plugins" in table:
        settings = replace(settings, plugins=_load_plugins(strings("plugins"), f"{path}: `plugins` in {where}"))
    rules = settings.available_rules()
    changes: dict[str, Any] = {}
    for key in ("select", "extend-select", "ignore"):
        if key in table:
            codes = strings(key)
            _check_codes(codes, f"`{key}`", f"{path}: ", rules)
            changes[key.replace("-", "_")] = codes
    for key in ("exclude", "extend-exclude"):
        if key in table:
            changes[key.replace("-", "_")] = strings(key)
    for key in ("respect-gitignore", "require-suppression-reason", "honour-type-ignores"):
        if key in table:
            changes[key.replace("-", "_")] = boolean(key)
    if "jobs" in table:
        jobs = table["jobs"]
        if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
            raise fail("jobs", f"must be {_KEYS['jobs']}, not {jobs!r}")
        changes["jobs"] = jobs
    if "python" in table:
        python = table["python"]
        if not isinstance(python, str) or not python:
            raise fail("python", f"must be {_KEYS['python']}, not {python!r}")
        changes["python"] = str((path.parent / python).resolve()) if "/" in python else python
    if "per-file-ignores" in table:
        changes["per_file_ignores"] = _parse_per_file_ignores(table["per-file-ignores"], path, fail, rules)
    if "rules" in table:
        changes["rule_options"] = _parse_rule_options(table["rules"], path, where, rules)
    return replace(settings, **changes, origins=tuple((key, str(path)) for key in table))


def _load_plugins(modules: tuple[str, ...], where: str) -> tuple[str, ...]:
    """Import each plugin now: its codes must be known before `select` and `rules` are checked."""
    from safelint.plugins import PluginError, load_module

    for module in modules:
        try:
            load_module(module)
        except PluginError as error:
            raise ConfigError(f"{where}: {error}") from None
    return modules


def _parse_per_file_ignores(
    value: Any, path: Path, fail: Any, rules: dict[str, type[Rule]]
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(value, dict):
        raise fail("per-file-ignores", f"must be {_KEYS['per-file-ignores']}")
    entries = []
    for pattern, codes in value.items():
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            raise fail(f"per-file-ignores.{pattern}", "must be a list of rule codes or prefixes")
        _check_codes(tuple(codes), f"`per-file-ignores.{pattern}`", f"{path}: ", rules)
        every = sorted({code_letters(code) for code in rules})  # ALL: every code's letters (SL, ACME)
        entries.append((pattern, tuple(c for code in codes for c in (every if code == ALL else [code]))))
    return tuple(entries)


def _parse_rule_options(
    value: Any, path: Path, where: str, rules: dict[str, type[Rule]]
) -> tuple[tuple[str, tuple[tuple[str, Any], ...]], ...]:
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: `rules` in {where} must be {_KEYS['rules']}")
    parsed = []
    for code, options in value.items():
        matching = [rule for c, rule in rules.items() if _selects(code, c)]
        if not matching:
            raise ConfigError(
                f"{path}: `rules.{code}` names no rule; rule codes look like SL106 or a prefix like SL1"
                " (`safelint rules` lists them)"
            )
        if not isinstance(options, dict):
            raise ConfigError(f"{path}: `rules.{code}` must be a table of options")
        known = {o.name: o for rule in matching for o in rule.options}
        checked = []
        for name, raw in options.items():
            if name not in known:
                allowed = ", ".join(sorted(known)) or "none (this rule has no options)"
                raise ConfigError(f"{path}: `rules.{code}.{name}` is not an option of {code}; allowed: {allowed}")
            try:
                checked.append((name, known[name].validate(raw)))
            except ValueError as error:
                raise ConfigError(f"{path}: `rules.{code}.{name}` {error}, not {raw!r}") from None
        parsed.append((code, tuple(checked)))
    return tuple(parsed)


def _check_codes(codes: tuple[str, ...], what: str, prefix: str | None, rules: dict[str, type[Rule]]) -> None:
    for code in codes:
        if not any(_selects(code, c) for c in rules):
            raise ConfigError(
                f"{prefix or ''}{code!r} in {what} matches no rule; use a code like SL106, a prefix like SL1, or ALL"
                " (`safelint rules` lists them)"
            )


def _selects(selector: str, code: str) -> bool:
    """A selector is ALL, or a code or a prefix of one that keeps its letters whole (SL, SL4,
    ACME1; not S)."""
    return selector == ALL or (code.startswith(selector) and selector.startswith(code_letters(code)))
