"""Keyed lookups: ``d.get(k)``, ``msg.get_all(k)`` and ``msg.get_params()`` find nothing (None)
exactly when the key is not in the container, so code that tests ``k in d``, or stored
``d[k] = v`` just before, knows they find something (``m["content-type"] = line`` then
``m.get_params()``).

Containers and keys compare as text within one scope, a string literal by its value (so
``'a'`` and ``"a"`` are one key). A store counts for a lookup after it in the source, unless
the scope deletes from the container, pops or clears it, or rebinds it or the key in between.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Final, NamedTuple

import libcst as cst

from safelint.analysis.syntax import ScopeNode, own_nodes

Text = Callable[[cst.CSTNode], str]
Position = tuple[int, int]
Where = Callable[[cst.CSTNode], tuple[Position, Position]]
"""A node's start and end."""


class _Key(NamedTuple):
    """Where a lookup's key is: its position among the positional arguments, its keyword,
    the key it reads when the call leaves it out (None: the key is required), and whether
    keys ignore case (header names of ``email.message.Message`` and the like)."""

    position: int
    keyword: str
    default: str | None
    folds_case: bool


_LOOKUPS: Final = {
    "get": _Key(0, "name", None, False),
    "get_all": _Key(0, "name", None, True),
    "get_params": _Key(1, "header", "content-type", True),
}


class Lookup(NamedTuple):
    container: str
    key: str
    folds_case: bool

    def matches(self, container: str, key: str) -> bool:
        if container != self.container:
            return False
        return key.lower() == self.key.lower() if self.folds_case else key == self.key


_REMOVERS: Final = frozenset({"pop", "popitem", "clear"})


def key_text(node: cst.BaseExpression, text: Text) -> str:
    """A key as compared: a string literal by its value, anything else by its text."""
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        if isinstance(value, str):
            return repr(value)
    return text(node)


def lookup(node: cst.CSTNode, text: Text) -> Lookup | None:
    """The container and key of a keyed lookup call; None for any other node."""
    if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)):
        return None
    spec = _LOOKUPS.get(node.func.attr.value)
    if spec is None or any(arg.star for arg in node.args):
        return None
    container = text(node.func.value)
    positional = [arg.value for arg in node.args if arg.keyword is None]
    if len(positional) > spec.position:
        return Lookup(container, key_text(positional[spec.position], text), spec.folds_case)
    for arg in node.args:
        if arg.keyword is not None and arg.keyword.value == spec.keyword:
            return Lookup(container, key_text(arg.value, text), spec.folds_case)
    return None if spec.default is None else Lookup(container, repr(spec.default), spec.folds_case)


class Stores:
    """The ``container[key] = ...`` stores of one scope, and what may take the key out again
    or change what the texts mean: a ``del``, a removing method (``pop``, ``clear``), the
    container or the key rebound."""

    def __init__(self, scope: ScopeNode, text: Text, where: Where) -> None:
        self.stored: dict[tuple[str, str], list[Position]] = {}
        self.spoiled: dict[str, list[Position]] = {}
        for node in own_nodes(scope):
            if isinstance(node, cst.Assign):
                for target in node.targets:
                    key = _subscript_key(target.target, text)
                    if key is None:
                        self._spoil(text(target.target), where(node)[0])
                    else:  # the key is in once the whole statement has run
                        self.stored.setdefault(key, []).append(where(node)[1])
            elif isinstance(node, (cst.AugAssign, cst.AnnAssign)):
                self._spoil(text(node.target), where(node)[0])
            elif isinstance(node, cst.Del):
                for container in _deleted(node.target, text):
                    self._spoil(container, where(node)[0])
            elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
                if node.func.attr.value in _REMOVERS:
                    self._spoil(text(node.func.value), where(node)[0])

    def _spoil(self, container: str, at: Position) -> None:
        self.spoiled.setdefault(container, []).append(at)

    def before(self, wanted: Lookup, at: Position) -> bool:
        """Whether the looked-up key is stored before ``at`` with nothing that may take it
        out in between."""
        for (container, key), positions in self.stored.items():
            if not wanted.matches(container, key):
                continue
            spoilers = [*self.spoiled.get(container, ()), *self.spoiled.get(key, ())]
            for stored in positions:
                if stored < at and not any(stored < spoiler < at for spoiler in spoilers):
                    return True
        return False


def _subscript_key(target: cst.BaseExpression, text: Text) -> tuple[str, str] | None:
    if not isinstance(target, cst.Subscript) or len(target.slice) != 1:
        return None
    index = target.slice[0].slice
    if not isinstance(index, cst.Index):
        return None
    return text(target.value), key_text(index.value, text)


def _deleted(target: cst.BaseExpression, text: Text) -> Iterator[str]:
    """The names and containers a ``del`` takes something from."""
    if isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            yield from _deleted(element.value, text)
    elif isinstance(target, cst.Subscript):
        yield text(target.value)
    else:
        yield text(target)
