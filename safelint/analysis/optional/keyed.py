"""Keyed lookups: ``d.get(k)``, ``msg.get_all(k)`` and ``msg.get_params()`` find nothing (None)
exactly when the key is not in the container, so code that tests ``k in d``, or stored
``d[k] = v`` just before, knows they find something (``m["content-type"] = line`` then
``m.get_params()``).

Containers and keys compare as text within one scope, a string literal by its value (so
``'a'`` and ``"a"`` are one key). A store counts for a lookup when it reaches the lookup on
every path through the scope's graph (a store in one arm of an ``if``, or in a loop that may
not run, does not), and nothing on the way deletes from the container, pops or clears it, or
rebinds it, the key or a name they read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Final, NamedTuple

import libcst as cst

from safelint.analysis.flow.cfg import CFG, CFGNode
from safelint.analysis.flow.dataflow import ForwardAnalysis, solve
from safelint.analysis.syntax import ScopeNode, own_nodes, walk
from safelint.analysis.types.bindings import ScopeBindings

Text = Callable[[cst.CSTNode], str]


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


Fact = tuple[str, str]
"""A key stored in a container: ``(container, key)`` texts."""


class _Effects:
    """What one graph node does to the stored keys: the keys it stores (each with the names
    its container and key read), the texts it may take a key out of or rebind (``del d[k]``,
    ``d.pop(k)``, ``d.clear()``, ``self.d = {}``), and the names it binds."""

    __slots__ = ("stores", "spoiled", "removes", "bound")

    def __init__(self) -> None:
        self.stores: list[Fact] = []
        self.spoiled: set[str] = set()
        self.removes: set[str] = set()
        self.bound: set[str] = set()


class Stores(ForwardAnalysis[frozenset[Fact]]):
    """Which ``container[key] = ...`` stores of one scope reach a point on every path, with
    nothing on the way that may take the key out again or change what the texts mean: a
    ``del``, a removing method (``pop``, ``clear``), the container, the key or a name either
    reads rebound. A must-reach analysis on the scope's graph: states are the facts stored
    on every path, joined by intersection."""

    track_exits = False

    def __init__(self, scope: ScopeNode, cfg: CFG, bindings: ScopeBindings, text: Text) -> None:
        self._cfg = cfg
        self._bindings = bindings
        self._effects: dict[int, _Effects] = {}
        self._reads: dict[Fact, frozenset[str]] = {}
        for node in own_nodes(scope):
            if isinstance(node, cst.Assign):
                for target in node.targets:
                    key = _subscript_key(target.target, text)
                    if key is None:
                        self._spoil(node, text(target.target))
                    else:
                        for effects in self._at(node):
                            effects.stores.append(key)
                        self._reads.setdefault(key, _names(target.target))
            elif isinstance(node, (cst.AugAssign, cst.AnnAssign)):
                self._spoil(node, text(node.target))
            elif isinstance(node, cst.Del):
                for container in _deleted(node.target, text):
                    self._spoil(node, container, removes=True)
            elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
                if node.func.attr.value in _REMOVERS:
                    self._spoil(node, text(node.func.value), removes=True)
        for graph_node in cfg.nodes:
            bound = bindings.bound_at(graph_node)
            if bound and self._reads:
                self._effects.setdefault(graph_node.index, _Effects()).bound.update(b.name for b in bound)
        self._states: list[frozenset[Fact] | None] | None = None

    def _at(self, node: cst.CSTNode) -> list[_Effects]:
        return [self._effects.setdefault(n.index, _Effects()) for n in self._bindings.graph_nodes(node)]

    def _spoil(self, node: cst.CSTNode, container: str, removes: bool = False) -> None:
        for effects in self._at(node):
            effects.spoiled.add(container)
            if removes:
                effects.removes.add(container)

    def reaches(self, wanted: Lookup, at: cst.CSTNode) -> bool:
        """Whether the looked-up key is stored on every path to the lookup ``at``, and the
        lookup's own statement takes nothing out of the container before it."""
        nodes = self._bindings.graph_nodes(at)
        if not nodes or not any(wanted.matches(*fact) for fact in self._reads):
            return False
        if self._states is None:
            result = solve(self._cfg, self)
            self._states = [result.before(node) if result.converged else None for node in self._cfg.nodes]
        for node in nodes:
            state = self._states[node.index]
            effects = self._effects.get(node.index)
            if state is None or not any(
                wanted.matches(*fact) and (effects is None or fact[0] not in effects.removes) for fact in state
            ):
                return False
        return True

    def initial(self) -> frozenset[Fact]:
        return frozenset()

    def join(self, a: frozenset[Fact], b: frozenset[Fact]) -> frozenset[Fact]:
        return a & b

    def transfer(self, node: CFGNode, state: frozenset[Fact]) -> frozenset[Fact]:
        effects = self._effects.get(node.index)
        if effects is None:
            return state
        kept = self._kill(effects, state)
        return kept | frozenset(effects.stores) if effects.stores else kept

    def transfer_exception(self, node: CFGNode, state: frozenset[Fact]) -> frozenset[Fact]:
        """A statement that raised stored nothing, but may have taken a key out first."""
        effects = self._effects.get(node.index)
        return state if effects is None else self._kill(effects, state)

    def _kill(self, effects: _Effects, state: frozenset[Fact]) -> frozenset[Fact]:
        if not (effects.spoiled or effects.bound) or not state:
            return state
        return frozenset(
            fact
            for fact in state
            if fact[0] not in effects.spoiled
            and fact[1] not in effects.spoiled
            and not (self._reads[fact] & effects.bound)
        )


def _names(target: cst.BaseExpression) -> frozenset[str]:
    """The names a store's container and key read: rebinding one changes what they mean."""
    return frozenset(node.value for node in walk(target) if isinstance(node, cst.Name))


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
