"""The rule base class and the registry rules join by being defined.

A rule's class docstring *is* its documentation: the sections below are required, and every
other surface (``safelint explain``, the docs pages, SARIF descriptions) is generated from it.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import string
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar

import libcst as cst

from safelint.results import Severity

DOC_SECTIONS = (
    "What it does",
    "Why is this a bug",
    "Example",
    "Use instead",
    "Options",
    "Known limits",
)

FAMILIES = {
    "SL0": "safelint",
    "SL1": "must-use",
    "SL2": "none-safety",
    "SL3": "thread-safety",
    "SL4": "resources",
}


@dataclass(frozen=True)
class Option:
    """A per-rule option settable under ``[tool.safelint.rules.<CODE>]``."""

    name: str
    kind: type  # bool, int, str or list (of str)
    default: Any
    description: str

    def describe_kind(self) -> str:
        return "a list of strings" if self.kind is list else f"a {self.kind.__name__}"

    def validate(self, value: Any) -> Any:
        """Return the value if it has the right type, else raise ValueError naming what is allowed."""
        if self.kind is list:
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                return tuple(value)
        elif self.kind is int:
            if isinstance(value, int) and not isinstance(value, bool):
                return value
        elif isinstance(value, self.kind):
            return value
        raise ValueError(f"must be {self.describe_kind()}")


class Rule:
    """Base of every rule. Subclasses set the class variables and define ``visit_<Node>`` methods.

    A ``visit_<Node>(self, node, ctx)`` method is called for every libcst node of that class
    during the engine's single walk over the module; it reports through ``ctx.report``.
    """

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    summary: ClassVar[str]
    options: ClassVar[tuple[Option, ...]] = ()
    enabled_by_default: ClassVar[bool] = True
    # False for rules whose findings in test files (``test_*.py``, ``tests/``...) are noise:
    # an unchecked None or a leaked file in a test fails or warns in the test run itself.
    checks_test_files: ClassVar[bool] = True
    # Where a plugin publishes the rule's documentation (SARIF ``helpUri``, editor links); the
    # pages of safelint's own rules are generated under ``docs/rules/``.
    url: ClassVar[str | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for attr in cls.__dict__:
            if attr.startswith("visit_") and not _is_node_class(attr[len("visit_") :]):
                raise TypeError(f"{cls.__name__}.{attr}: libcst has no node class {attr[6:]!r}")
        if "code" in cls.__dict__:
            if _RECORDING:
                _RECORDING[-1].append(cls)
            _REGISTRY[cls.code] = cls

    def __init__(self, settings: dict[str, Any]) -> None:
        self.settings = {o.name: settings.get(o.name, o.default) for o in self.options}

    # Sections a family base states once for all its rules (appended, in this order, to each
    # rule's own documentation), so six identical pages' worth of text is written once.
    shared_sections: ClassVar[dict[str, str]] = {}

    @classmethod
    def documentation(cls) -> str:
        own = inspect.cleandoc(cls.__doc__ or "")
        return "".join([own, *(f"\n\n## {title}\n{text}" for title, text in cls.shared_sections.items())])

    @classmethod
    def doc_sections(cls) -> dict[str, str]:
        """The documentation split by its ``## Heading`` sections."""
        sections: dict[str, str] = {}
        for match in re.finditer(r"^## (.+?)\n(.*?)(?=^## |\Z)", cls.documentation(), re.M | re.S):
            sections[match.group(1).strip()] = match.group(2).strip()
        return sections

    @classmethod
    def family(cls) -> str:
        """The family of a safelint rule; for a plugin's rule, the plugin's name."""
        from safelint.plugins import plugin_of

        plugin = plugin_of(cls.code)
        return plugin.name if plugin is not None else FAMILIES.get(cls.code[:3], "other")


def _is_node_class(name: str) -> bool:
    value = getattr(cst, name, None)
    return isinstance(value, type) and issubclass(value, cst.CSTNode)


_REGISTRY: dict[str, type[Rule]] = {}
_LOADED: list[bool] = []
_RECORDING: list[list[type[Rule]]] = []


def all_rules() -> dict[str, type[Rule]]:
    """Every registered rule by code, in code order: safelint's own, then those of the plugins
    installed under the entry-point group ``safelint.rules`` (each imported once per process)."""
    from safelint.plugins import load_entry_points

    if not _LOADED:
        package = importlib.import_module("safelint.rules")
        _LOADED.append(True)
        for info in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{info.name}")
    load_entry_points()
    return dict(sorted(_REGISTRY.items()))


def code_letters(code: str) -> str:
    """The letters a code or prefix starts with, which name whose rule it is: SL, ACME."""
    return code.rstrip(string.digits)


@contextmanager
def recording() -> Iterator[list[type[Rule]]]:
    """Collect every rule class defined inside the block, even one whose code another class
    then takes over in the registry: a plugin's clashes must be seen, not overwritten."""
    defined: list[type[Rule]] = []
    _RECORDING.append(defined)
    try:
        yield defined
    finally:
        _RECORDING.pop()
