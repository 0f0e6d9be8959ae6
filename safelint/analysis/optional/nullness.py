"""The None-narrowing lattice: what is known, per tracked key, about whether it is None.

A key is a local name (``m``) or a dotted read rooted at one (``self.conn``, ``a.b.c``). A
state maps keys to :class:`Fact`; a key that is absent is *unknown* — no evidence either
way — which is how most values start, and which never produces a warning. Values:

* ``NOT_NONE`` — a value just checked, or just dereferenced (a binding of a value that
  cannot be None stores nothing: unknown reads the same);
* ``NONE`` — the literal ``None``, or a value just compared equal to it;
* ``MAYBE`` — a path brought None and another did not, or a source said so (an
  ``Optional`` parameter, a call that returns ``X | None``).

Joining unknown with ``NONE`` gives ``MAYBE`` (one path brings a None), unknown with
``NOT_NONE`` stays unknown. Each fact remembers the *origins* of a possible None (the
``None`` literal, the call, the parameter), so a rule can say where it came from.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from operator import methodcaller
from typing import NamedTuple

import libcst as cst

__all__ = ["CONDITION", "Fact", "Nullness", "State", "condition_key", "join_facts", "join_states"]


class Nullness(enum.Enum):
    __hash__ = object.__hash__  # members are singletons; Enum's own hash is slow Python

    NONE = "none"
    NOT_NONE = "not-none"
    MAYBE = "maybe"


class Fact(NamedTuple):
    nullness: Nullness
    origins: frozenset[cst.CSTNode] = frozenset()
    """Where a None may come from; empty for ``NOT_NONE``."""


State = Mapping[str, Fact]
"""Facts by key. States are values: code that changes one builds a new dict."""

NOT_NONE = Fact(Nullness.NOT_NONE)

CONDITION = "?"
"""Keys ``?name?k1,k2`` hold a None test stored in ``name`` that reads keys ``k1``, ``k2``:
its fact is NOT_NONE with the test as its one origin, so paths that stored different tests
(or none) join to something no test is read from."""


def condition_key(name: str, keys: list[str]) -> str:
    return f"{CONDITION}{name}{CONDITION}{','.join(keys)}"


def _stale_condition(stored: str, key: str) -> bool:
    """Rebinding ``key`` makes the test stored under ``stored`` say nothing any more."""
    name, _, reads = stored[1:].partition(CONDITION)
    dotted = key + "."
    return name == key or any(r == key or r.startswith(dotted) for r in reads.split(","))


def join_facts(a: Fact | None, b: Fact | None) -> Fact | None:
    """The fact where two paths meet; ``None`` is unknown."""
    if a is b:
        return a
    if a is None or b is None:
        known = a if b is None else b
        assert known is not None
        if known.nullness is Nullness.NOT_NONE:
            return None
        return known if known.nullness is Nullness.MAYBE else Fact(Nullness.MAYBE, known.origins)
    nullness = a.nullness if a.nullness is b.nullness else Nullness.MAYBE
    if nullness is a.nullness and b.origins <= a.origins:
        return a
    if nullness is b.nullness and a.origins <= b.origins:
        return b
    return Fact(nullness, a.origins | b.origins)


def join_states(a: State, b: State) -> State:
    if a is b:
        return a
    joined: dict[str, Fact] = {}
    for key, fact in a.items():
        merged = join_facts(fact, b.get(key))
        if merged is not None:
            joined[key] = merged
    for key, fact in b.items():
        if key not in a and fact.nullness is not Nullness.NOT_NONE:
            joined[key] = fact if fact.nullness is Nullness.MAYBE else Fact(Nullness.MAYBE, fact.origins)
    return joined


def join_optional(a: State | None, b: State | None) -> State | None:
    """Join where either side may be bottom (an infeasible branch)."""
    if a is None:
        return b
    if b is None:
        return a
    return join_states(a, b)


def refine(state: State, key: str, to: Nullness, origin: cst.CSTNode) -> State | None:
    """``state`` on the branch where ``key`` is known to be ``to`` (NONE or NOT_NONE);
    ``None`` when the state already knows the opposite, so the branch cannot be taken."""
    current = state.get(key)
    if to is Nullness.NOT_NONE:
        if current is not None and current.nullness is Nullness.NOT_NONE:
            return state
        if current is not None and current.nullness is Nullness.NONE:
            return None
        fact = NOT_NONE
    else:
        if current is None:
            fact = Fact(Nullness.NONE, frozenset((origin,)))
        elif current.nullness is Nullness.NONE:
            return state
        elif current.nullness is Nullness.NOT_NONE:
            return None
        else:
            fact = Fact(Nullness.NONE, current.origins)
    refined = dict(state)
    refined[key] = fact
    return refined


def bind(state: State, key: str, fact: Fact | None) -> State:
    """``state`` after ``key`` is (re)bound to a value with ``fact``: what was known about
    the key and everything read through it (``key.attr``) is forgotten.

    Only a fact that admits None is kept: a value bound as NOT_NONE reads the same as an
    unknown one (neither is ever reported, and both join with a None path to MAYBE), and
    not storing it keeps states as small as the number of keys that may be None, where
    otherwise every constant of a long module would be copied at every statement."""
    if fact is not None and fact.nullness is Nullness.NOT_NONE:
        fact = None
    stale = list(filter(methodcaller("startswith", key + "."), state))  # no bytecode per key
    stale += [k for k in filter(methodcaller("startswith", CONDITION), state) if _stale_condition(k, key)]
    if not stale and state.get(key) == fact:
        return state
    rebound = dict(state)
    for k in stale:
        del rebound[k]
    if fact is None:
        rebound.pop(key, None)
    else:
        rebound[key] = fact
    return rebound
