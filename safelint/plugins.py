"""Rules from other packages: the entry-point group ``safelint.rules`` and ``plugins = [...]``.

A plugin is a module whose ``Rule`` subclasses register themselves when it is imported, as
safelint's own rules do. Everything a rule must satisfy is checked here, at load time, so that
a bad plugin stops the run with one line naming it (exit 2) instead of failing later inside a
worker, a formatter or an editor. safelint imports only modules its environment can import:
the checked project is never put on the import path, so checking a repository cannot run its
code through ``plugins``.

Installed plugins (entry points) are loaded by every process the first time it asks for the
rules; a plugin named in a configuration file is loaded when that file is read, and its rules
exist only for the files that configuration governs.
"""

from __future__ import annotations

import hashlib
import importlib
import re
import sys
import threading
from dataclasses import dataclass, field
from importlib.metadata import Distribution, PackageNotFoundError, entry_points, packages_distributions, version
from pathlib import Path
from types import ModuleType

from safelint.config import ConfigError
from safelint.results import Severity
from safelint.rule import _REGISTRY, DOC_SECTIONS, Option, Rule, all_rules, recording

GROUP = "safelint.rules"

_CODE = re.compile(r"[A-Z]+[0-9]+")
_NAME = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
_MODULE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")


class PluginError(ConfigError):
    """A plugin that cannot be used: it does not import, or one of its rules breaks the contract."""


@dataclass(frozen=True)
class Plugin:
    name: str
    """Shown as the family of its rules: the entry point's name, or the module ``plugins`` names."""
    module: str
    distribution: str | None
    """``name version`` of the installed distribution that provides the module, if any."""
    from_entry_point: bool
    """Installed plugins serve every configuration; one named in ``plugins`` only its own."""
    codes: tuple[str, ...]
    digest: str
    """Of the source files its rules come from: an edited plugin must not reuse cached results."""

    def describe(self) -> str:
        return _label(self.name, self.module, self.distribution)

    def identity(self) -> tuple[str, str, str]:
        return (self.module, self.distribution or "", self.digest)


@dataclass
class _State:
    by_module: dict[str, Plugin] = field(default_factory=dict)
    by_code: dict[str, Plugin] = field(default_factory=dict)
    failed: dict[str, PluginError] = field(default_factory=dict)
    entry_points_started: bool = False
    entry_point_error: PluginError | None = None


_state = _State()
_lock = threading.RLock()


def load_entry_points() -> None:
    """Load every installed plugin, once per process; a broken one fails every later call too."""
    state = _state
    if not state.entry_points_started:
        with _lock:
            if not state.entry_points_started:
                state.entry_points_started = True  # a plugin asking for the rules while it loads sees the rest
                try:
                    for point in sorted(entry_points(group=GROUP), key=lambda p: (p.name, p.value)):
                        distribution = _dist_name(point.dist)
                        if point.attr:
                            label = _label(point.name, point.module, distribution)
                            raise PluginError(f"{label}: an entry point of {GROUP} names a module, not {point.value!r}")
                        _load(point.module, point.name, distribution, True)
                except PluginError as error:
                    state.entry_point_error = error
    if state.entry_point_error is not None:
        raise state.entry_point_error


def load_module(module: str) -> Plugin:
    """Load the plugin ``module`` (named in a configuration file), once per process."""
    if not _MODULE.fullmatch(module):
        raise PluginError(f"{module!r} is not a module name (like mypkg.lint_rules)")
    all_rules()  # safelint's own and the installed plugins' first: a plugin may import or clash with them
    with _lock:
        known = _state.by_module.get(module)
        return known if known is not None else _load(module, module, _providing_distribution(module), False)


def plugin_of(code: str) -> Plugin | None:
    """The plugin a rule came from; None for safelint's own rules (and rules defined directly)."""
    return _state.by_code.get(code)


def plugins_for(modules: tuple[str, ...]) -> list[Plugin]:
    """The installed plugins and those of ``modules``: what a configuration naming them uses."""
    state = _state
    return [p for m, p in sorted(state.by_module.items()) if p.from_entry_point or m in modules]


def usable(code: str, modules: tuple[str, ...]) -> bool:
    """Whether a configuration whose ``plugins`` are ``modules`` has the rule ``code``."""
    plugin = _state.by_code.get(code)
    return plugin is None or plugin.from_entry_point or plugin.module in modules


def _load(module: str, name: str, distribution: str | None, from_entry_point: bool) -> Plugin:
    state = _state
    if module in state.by_module:
        return state.by_module[module]
    if module in state.failed:
        raise state.failed[module]
    label = _label(name, module, distribution)
    before = dict(_REGISTRY)
    imported_before = module in sys.modules
    try:
        with recording() as defined:
            loaded_module = importlib.import_module(module)
        if imported_before:
            defined = _rules_of(loaded_module)
        problem = _problem(defined, before)
        if problem is not None:
            raise PluginError(f"{label}: {problem}")
    except PluginError as error:
        _restore(before)
        state.failed[module] = error
        raise
    except Exception as error:  # whatever a plugin raises on import is its problem, named as such
        _restore(before)
        message = f"{label} cannot be imported: {type(error).__name__}: {' '.join(str(error).split())}"
        if isinstance(error, ModuleNotFoundError) and error.name is not None and module.startswith(error.name):
            message += f" (is it installed for {sys.executable}?)"
        state.failed[module] = PluginError(message)
        raise state.failed[module] from None
    plugin = Plugin(name, module, distribution, from_entry_point, tuple(r.code for r in defined), _digest(defined))
    state.by_module[module] = plugin
    for rule in defined:
        state.by_code[rule.code] = plugin
    return plugin


def _restore(before: dict[str, type[Rule]]) -> None:
    _REGISTRY.clear()
    _REGISTRY.update(before)


def _rules_of(module: ModuleType) -> list[type[Rule]]:
    """For a module imported before safelint loaded it: the registered rules it defines or imports."""
    namespace = {id(value) for value in vars(module).values()}
    prefix = module.__name__ + "."
    return [
        rule
        for rule in _REGISTRY.values()
        if id(rule) in namespace or rule.__module__ == module.__name__ or rule.__module__.startswith(prefix)
    ]


def _problem(defined: list[type[Rule]], before: dict[str, type[Rule]]) -> str | None:
    """What makes these rules unusable, in one line, or None."""
    if not defined:
        return "defines no rules (the module must define or import its Rule subclasses)"
    names = {rule.name: rule for rule in before.values()}
    seen: dict[str, type[Rule]] = {}
    for rule in defined:
        where = f"{rule.__module__}.{rule.__qualname__}"
        code = rule.__dict__["code"]
        if not isinstance(code, str) or not _CODE.fullmatch(code):
            return f"{where}: the code {code!r} is not uppercase letters followed by digits (like ACME101)"
        if code.startswith("SL"):
            return f"{where}: the code {code} starts with SL, which is reserved for safelint's own rules"
        if code in seen:
            return f"{where} and {_where(seen[code])} both use the code {code}"
        other = before.get(code)
        if other is not None and other is not rule:
            return f"{where}: the code {code} clashes with {code} of {_origin(other)}"
        seen[code] = rule
        problem = _contract_problem(rule)
        if problem is not None:
            return f"{where} ({code}): {problem}"
        other = names.get(rule.name)
        if other is not None and other is not rule:
            return f"{where} ({code}): the name `{rule.name}` is already the name of {other.code} of {_origin(other)}"
        names[rule.name] = rule
    return None


def _contract_problem(rule: type[Rule]) -> str | None:
    name = getattr(rule, "name", None)
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        return f"`name` must be kebab-case (like blocking-sleep), not {name!r}"
    if not isinstance(getattr(rule, "severity", None), Severity):
        return "`severity` must be Severity.ERROR or Severity.WARNING"
    summary = getattr(rule, "summary", None)
    if not isinstance(summary, str) or not summary.strip():
        return "`summary` must be a sentence"
    if not isinstance(rule.options, tuple) or not all(isinstance(o, Option) for o in rule.options):
        return "`options` must be a tuple of safelint.rule.Option"
    sections = rule.doc_sections()
    missing = [title for title in DOC_SECTIONS if not sections.get(title)]
    if missing:
        return f"the docstring lacks the section(s) {', '.join(f'## {m}' for m in missing)}"
    return None


def _label(name: str, module: str, distribution: str | None) -> str:
    """``plugin mypkg.rules (mypkg 1.0)`` for a configured module, ``plugin `acme` (module
    acme_lint, acme-lint 2.1)`` for an entry point."""
    details = ([] if name == module else [f"module {module}"]) + ([distribution] if distribution else [])
    shown = module if name == module else f"`{name}`"
    return f"plugin {shown}" + (f" ({', '.join(details)})" if details else "")


def _origin(rule: type[Rule]) -> str:
    plugin = _state.by_code.get(rule.code)
    return plugin.describe() if plugin is not None else f"module {rule.__module__}"


def _where(rule: type[Rule]) -> str:
    return f"{rule.__module__}.{rule.__qualname__}"


def _dist_name(dist: Distribution | None) -> str | None:
    if dist is None:
        return None
    return f"{dist.metadata['Name']} {dist.version}"


def _providing_distribution(module: str) -> str | None:
    top = module.partition(".")[0]
    names = packages_distributions().get(top)
    if not names:
        return None
    try:
        return f"{names[0]} {version(names[0])}"
    except PackageNotFoundError:
        return None


def _digest(rules: list[type[Rule]]) -> str:
    """A hash of the files the rules are defined in, and of the package around each."""
    files: set[Path] = set()
    for rule in rules:
        module = sys.modules.get(rule.__module__)
        source = getattr(module, "__file__", None)
        if source is None:
            continue
        path = Path(source)
        files.add(path)
        if path.name == "__init__.py" or "." in rule.__module__:
            files.update(path.parent.rglob("*.py"))  # the helpers a rule imports live beside it
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(str(path).encode())
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"<unreadable>")
    return digest.hexdigest()[:16]
