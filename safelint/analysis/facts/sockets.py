"""Whether a socket sends datagrams: a datagram is sent whole or not at all, so a rule about
partial writes asks this before it reports a dropped count.

The type evaluator knows a value is a ``socket.socket``, not its kind, so the kind comes from
where the socket was made: a local whose reaching bindings (the scope's ``ScopeBindings``)
are all ``socket.socket(..., SOCK_DGRAM)`` (or ``socketpair``/``fromfd`` with it), or a field
the evaluator's class model (through the MRO) only ever binds so.

The one piece of name evidence left is a class that names itself for datagrams
(``ConnectedUNIXDatagramSocket``, ``UDPTransport``). It is kept, narrowly, for anyio's
``ConnectedUNIXDatagramSocket``, where no evidence but names exists within reach: the kind
is a ``socktype`` parameter of ``setup_unix_local_socket``, its caller passes
``SOCK_DGRAM``, and the socket reaches the class's constructor through the run-time
backend (``get_async_backend().create_unix_datagram_socket(raw_socket, ...)``) and a
private field behind a property.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import libcst as cst

from safelint.analysis.syntax import dotted_name

if TYPE_CHECKING:
    from safelint.context import ModuleContext

__all__ = ["is_datagram_socket"]

_MAKERS = frozenset({"socket.socket", "socket.socketpair", "socket.fromfd", "socket.SocketType"})
_NAMED_FOR_DATAGRAMS = re.compile(r"Datagram|datagram|UDP|Udp")


def is_datagram_socket(ctx: ModuleContext, receiver: cst.BaseExpression, at: cst.CSTNode) -> bool:
    """Whether ``receiver``, read at ``at``, is a datagram socket by where it was made."""
    klass = _enclosing_class(ctx, at)
    if klass is not None and _named_for_datagrams(klass):
        return True
    if isinstance(receiver, cst.Name):
        bindings = ctx.types.scope_bindings(ctx.scope).reaching(receiver.value, at)
        values = [_bound_value(b.node) for b in bindings]
    elif isinstance(receiver, cst.Attribute) and _is_self(receiver.value):
        values = _field_values(ctx, receiver)
    else:
        return False
    return bool(values) and all(v is not None and _makes_datagram_socket(ctx, v) for v in values)


def _enclosing_class(ctx: ModuleContext, node: cst.CSTNode) -> cst.ClassDef | None:
    parents = ctx.parents
    current = parents.get(node)
    while current is not None and not isinstance(current, cst.ClassDef):
        current = parents.get(current)
    return current


def _named_for_datagrams(klass: cst.ClassDef) -> bool:
    names = [klass.name.value, *(dotted_name(base.value) or "" for base in klass.bases)]
    return any(_NAMED_FOR_DATAGRAMS.search(name) for name in names)


def _is_self(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "self"


def _bound_value(node: cst.CSTNode) -> cst.BaseExpression | None:
    if isinstance(node, cst.Assign) and len(node.targets) == 1:
        return node.value
    if isinstance(node, cst.WithItem):
        return node.item
    return None


def _field_values(ctx: ModuleContext, field: cst.Attribute) -> list[cst.BaseExpression | None]:
    """What the receiver's class (the evaluator's model, through the MRO) binds
    ``self.<attr>`` to (None: a binding not understood)."""
    qualname = ctx.types.class_of(field.value, ctx.scope)
    if qualname is None:
        return []
    bound = ctx.types.project.field_bindings(qualname, field.attr.value)
    return [node.value if isinstance(node, cst.Assign) and len(node.targets) == 1 else None for _, node in bound]


def _makes_datagram_socket(ctx: ModuleContext, value: cst.BaseExpression) -> bool:
    if not isinstance(value, cst.Call) or ctx.names.qualified_name(value.func, ctx.scope) not in _MAKERS:
        return False
    kinds = [dotted_name(arg.value) or "" for arg in value.args]
    return any(kind.rpartition(".")[2] == "SOCK_DGRAM" for kind in kinds)
