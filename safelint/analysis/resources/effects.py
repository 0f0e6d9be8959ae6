"""What one node does to the names a function tracks: each read of a resource's name
borrows, moves or releases what it holds, a test rules a resource out on one of its edges,
and ``lock.release()`` drops a lock. Kept apart from :mod:`facts`, which finds the sites
these names and locks come from; the ownership dataflow asks for a node's facts lazily and
:func:`analyse_node` fills them in.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import TYPE_CHECKING

import libcst as cst

from safelint.analysis.facts.apis import CLOSED_WHEN_EXHAUSTED, FD_RELEASERS, GENERIC_RELEASES, MOVING_METHODS
from safelint.analysis.flow.cfg import EVALUATES_NOTHING, CFGNode, EdgeKind, NodeKind
from safelint.analysis.resources.acquisition import Effect, call_effect, is_cast, method_effect
from safelint.analysis.syntax import as_scope, bind_target, dotted_name, parameters, push_children, walk

if TYPE_CHECKING:
    from safelint.analysis.resources.facts import FunctionFacts, NodeFacts

__all__ = ["analyse_node"]


class Role(enum.Enum):
    BORROW = "borrow"  # the root's own value is only looked at (a test, an iterable, a bare expression)
    MOVE = "move"  # the root's value goes somewhere (assigned, returned)


def _exhausted_by_loop(f: FunctionFacts, iterable: cst.CSTNode) -> bool:
    sites = f.by_name.get(iterable.value, ()) if isinstance(iterable, cst.Name) else ()
    return bool(sites) and all(site.qualname in CLOSED_WHEN_EXHAUSTED for site in sites)


def analyse_node(f: FunctionFacts, node: CFGNode) -> None:
    """Fill in the effects, binds and refinements of ``node`` (after the site scan)."""
    facts = f.facts(node)
    for root, role in _roots(f, node, facts.binds):
        _uses(f, root, role, facts)
    if node.kind is NodeKind.WITH_EXIT and isinstance(node.ast, cst.WithItem):
        item = node.ast.item
        if isinstance(item, cst.Name) and item.value in f.by_name:
            facts.effects.append((item.value, Effect.RELEASE))
    if node.kind is NodeKind.TEST:
        _refine(f, node.ast, facts)
    if node.kind is NodeKind.STMT and isinstance(node.ast, cst.Expr):
        call = node.ast.value.expression if isinstance(node.ast.value, cst.Await) else node.ast.value
        if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and call.func.attr.value == "release":
            key = dotted_name(call.func.value)
            if key is not None and key in f.lock_sites:
                facts.lock_releases.add(key)
    if node.kind is NodeKind.FOR_NEXT and isinstance(node.stmt, cst.For):
        _loop_over_literal(f, node.stmt, facts)
    if f.lock_sites:
        _lock_handoffs(f, node, facts)


def _lock_handoffs(f: FunctionFacts, node: CFGNode, facts: NodeFacts) -> None:
    """Held locks this node hands to whoever will release them: passed to a callee that may
    keep them (a condition variable's ``waiters.append(wait_lock)``, released by the notifying
    thread), stored, their bound ``release`` given away (``Result(..., sem.release)``), or
    released by a function or lambda made here (a shutdown hook installed next)."""
    ast = node.ast
    if isinstance(ast, cst.FunctionDef) and node.kind is NodeKind.DEF:
        facts.lock_moves |= _released_inside(f, ast)
    for root, _ in _roots(f, node, set()):
        for sub in walk(root):
            kind = type(sub)
            if isinstance(sub, cst.Lambda):
                facts.lock_moves |= _released_inside(f, sub)
            elif kind is cst.Name or kind is cst.Attribute:
                key = dotted_name(sub)  # type: ignore[arg-type]
                if key is not None and key in f.lock_sites and _lock_handed_on(f, sub):
                    facts.lock_moves.add(key)


def _released_inside(f: FunctionFacts, scope: cst.FunctionDef | cst.Lambda) -> set[str]:
    found: set[str] = set()
    for sub in walk(scope):
        if isinstance(sub, cst.Call) and isinstance(sub.func, cst.Attribute) and sub.func.attr.value == "release":
            key = dotted_name(sub.func.value)
            if key is not None and key in f.lock_sites:
                found.add(key)
    return found


def _lock_handed_on(f: FunctionFacts, expr: cst.CSTNode) -> bool:
    parents = f.ctx.parents
    parent = parents.get(expr)
    if isinstance(parent, cst.Attribute) and parent.value is expr:
        grand = parents.get(parent)
        return parent.attr.value == "release" and not (isinstance(grand, cst.Call) and grand.func is parent)
    if isinstance(parent, cst.Arg) and parent.value is expr:
        call = parents.get(parent)
        return isinstance(call, cst.Call) and call_effect(f.ctx, call, parent, "lock", f.function) is Effect.MOVE
    if isinstance(parent, (cst.Assign, cst.AnnAssign)):
        return parent.value is expr
    return isinstance(parent, (cst.Element, cst.DictElement, cst.Return, cst.Yield))


def _roots(f: FunctionFacts, node: CFGNode, binds: set[str]) -> list[tuple[cst.CSTNode, Role]]:
    ast = node.ast
    kind = node.kind
    if kind in EVALUATES_NOTHING:
        return []
    if kind in (NodeKind.TEST, NodeKind.FOR_ITER, NodeKind.ASSERT):
        if isinstance(ast, cst.Assert):
            asserted: list[tuple[cst.CSTNode, Role]] = [(ast.test, Role.BORROW)]
            return asserted + ([(ast.msg, Role.BORROW)] if ast.msg is not None else [])
        if kind is NodeKind.FOR_ITER and _exhausted_by_loop(f, ast):
            return [(ast, Role.MOVE)]  # `for line in lines:` closes a FileInput at the end
        return [(ast, Role.BORROW)]
    if kind is NodeKind.FOR_NEXT:
        return [(r, Role.BORROW) for r in bind_target(ast, binds)]
    if isinstance(ast, cst.WithItem):
        roots: list[tuple[cst.CSTNode, Role]] = [(ast.item, Role.BORROW)]
        if ast.asname is not None:
            roots += [(r, Role.BORROW) for r in bind_target(ast.asname.name, binds)]
        return roots
    if isinstance(ast, (cst.ExceptHandler, cst.ExceptStarHandler)):
        if ast.name is not None:
            bind_target(ast.name.name, binds)
        return [(ast.type, Role.BORROW)] if ast.type is not None else []
    if isinstance(ast, cst.Match):
        return [(ast.subject, Role.BORROW)]
    if isinstance(ast, cst.MatchCase):
        for sub in walk(ast.pattern):
            if isinstance(sub, cst.MatchAs) and sub.name is not None:
                binds.add(sub.name.value)
            elif isinstance(sub, cst.MatchStar) and sub.name is not None:
                binds.add(sub.name.value)
        return []
    if isinstance(ast, (cst.FunctionDef, cst.ClassDef)):
        binds.add(ast.name.value)
        if isinstance(ast, cst.ClassDef):
            return [
                (e, Role.MOVE)
                for e in (*(d.decorator for d in ast.decorators), *(a.value for a in (*ast.bases, *ast.keywords)))
            ]
        return [
            (e, Role.MOVE)
            for e in (
                *(d.decorator for d in ast.decorators),
                *(p.default for p in parameters(ast.params) if p.default),
            )
        ]
    if isinstance(ast, cst.Assign):
        roots = [(ast.value, Role.MOVE)]
        for target in ast.targets:
            roots += [(r, Role.BORROW) for r in bind_target(target.target, binds)]
        return roots
    if isinstance(ast, cst.AnnAssign):
        roots = [(r, Role.BORROW) for r in bind_target(ast.target, binds)]
        return roots + ([(ast.value, Role.MOVE)] if ast.value is not None else [])
    if isinstance(ast, cst.AugAssign):
        bind_target(ast.target, binds)
        return [(ast.target, Role.BORROW), (ast.value, Role.MOVE)]
    if isinstance(ast, cst.Del):
        return [(ast.target, Role.MOVE)]
    if isinstance(ast, cst.Expr):
        return [(ast.value, Role.BORROW)]
    if isinstance(ast, (cst.Import, cst.ImportFrom)):
        names = ast.names
        if isinstance(names, Iterable) and not isinstance(names, cst.ImportStar):
            for alias in names:
                bound = alias.asname.name if alias.asname is not None else alias.name
                if isinstance(bound, cst.Name):
                    binds.add(bound.value)
                elif isinstance(bound, cst.Attribute):
                    top = dotted_name(bound)
                    if top:
                        binds.add(top.split(".", 1)[0])
        return []
    return [(ast, Role.MOVE)]


def _uses(f: FunctionFacts, root: cst.CSTNode, role: Role, facts: NodeFacts) -> None:
    """The effect of every read of a tracked name (or lock key) under ``root``."""
    tracked = f.by_name
    parents: dict[int, cst.CSTNode] = {}
    stack: list[cst.CSTNode] = [root]
    names: list[cst.Name] = []
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is cst.Name:
            if node.value in tracked:  # type: ignore[attr-defined]
                names.append(node)  # type: ignore[arg-type]
            continue
        if kind is cst.Lambda or kind is cst.FunctionDef or kind is cst.ClassDef:
            continue
        if kind is cst.NamedExpr:
            bind_target(node.target, facts.binds)  # type: ignore[attr-defined]
            parents[id(node.value)] = node  # type: ignore[attr-defined]
            stack.append(node.value)  # type: ignore[attr-defined]
            continue
        children: list[cst.CSTNode] = []
        push_children(node, children)
        for child in children:
            parents[id(child)] = node
        stack += children
    for name in names:
        facts.effects.append((name.value, _effect(f, name, root, role, parents)))


def _effect(f: FunctionFacts, name: cst.Name, root: cst.CSTNode, role: Role, parents: dict[int, cst.CSTNode]) -> Effect:
    sites = f.by_name[name.value]
    site = sites[0]
    child: cst.CSTNode = name
    parent = parents.get(id(child))
    direct = True  # the value itself, not one of two it may be
    # A value looked at through `and`/`or`/`x if c else y` goes where the whole goes;
    # `typing.cast(T, x)` is `x`, and goes where `x` would.
    while True:
        if isinstance(parent, (cst.BooleanOperation, cst.IfExp)):
            if isinstance(parent, cst.IfExp) and parent.test is child:
                return Effect.BORROW
            child, parent, direct = parent, parents.get(id(parent)), False
        elif isinstance(parent, cst.Arg) and is_cast(f.ctx, parents.get(id(parent)), parent, as_scope(f.function)):
            child = parents[id(parent)]
            parent = parents.get(id(child))
        else:
            break
    if parent is None:
        return Effect.BORROW if role is Role.BORROW else Effect.MOVE
    if name.value in f.container_sites:
        # a container of resources: storing into it keeps them, any other use hands them on
        stored = isinstance(parent, cst.Subscript) and isinstance(parents.get(id(parent)), cst.AssignTarget)
        return Effect.BORROW if stored else Effect.MOVE
    if isinstance(parent, cst.Attribute) and parent.value is child:
        grand = parents.get(id(parent))
        method = parent.attr.value
        if not direct:
            return Effect.BORROW
        if isinstance(grand, cst.Call) and grand.func is parent:
            if site.kind == "resource":
                return method_effect(method, grand, site.releases, site.popen)
            return Effect.BORROW
        if site.kind == "resource" and (method in site.releases or method in MOVING_METHODS):
            return Effect.MOVE  # `atexit.register(f.close)`: someone else will call it
        if isinstance(grand, cst.Arg) and grand.value is parent:
            call = parents.get(id(grand))
            if isinstance(call, cst.Call):
                # `tracer.setwriter(err.write)`: a bound method keeps its object alive wherever
                # the callee keeps it, so it goes where the object itself would go.
                return call_effect(f.ctx, call, grand, site.kind, f.function)
        return Effect.BORROW
    if isinstance(parent, cst.Arg) and parent.value is child:
        call = parents.get(id(parent))
        if isinstance(call, cst.Call):
            if not direct:
                return Effect.MOVE
            return call_effect(f.ctx, call, parent, site.kind, f.function)
        return Effect.MOVE
    if isinstance(
        parent,
        (
            cst.Comparison,
            cst.ComparisonTarget,
            cst.UnaryOperation,
            cst.BinaryOperation,
            cst.FormattedStringExpression,
            cst.Subscript,
            cst.SubscriptElement,
            cst.Index,
            cst.Slice,
        ),
    ):
        return Effect.BORROW
    if isinstance(parent, (cst.CompFor,)) and parent.iter is child:
        return Effect.BORROW
    if isinstance(parent, cst.Yield) and f.contextmanager:
        return Effect.BORROW  # lent to the with block; the generator still owns it
    return Effect.MOVE


def _refine(f: FunctionFacts, test: cst.CSTNode, facts: NodeFacts) -> None:
    """Names the outcome of ``test`` shows are not a live resource: ``if f:`` is false
    only for None, ``if opened:`` (a flag set with ``f``) only where ``f`` was not acquired,
    ``f is sys.stdout`` means it is not the file opened here, and ``f.closed`` means it was
    closed."""
    negated = False
    while isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        test, negated = test.expression, not negated
    dead_on: EdgeKind | None = None
    name: str | None = None
    if isinstance(test, cst.Name):
        # `if f:` is false only for None; `if opened:`, a flag set right after each
        # acquisition of `f`, is false only where `f` was not acquired.
        name = test.value if test.value in f.by_name else f.resource_flag(test.value)
        dead_on = EdgeKind.FALSE
    elif isinstance(test, cst.Attribute) and isinstance(test.value, cst.Name) and test.attr.value == "closed":
        name, dead_on = test.value.value, EdgeKind.TRUE
    elif isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        left, comparison = test.left, test.comparisons[0]
        right = comparison.comparator
        if not isinstance(left, cst.Name) and isinstance(right, cst.Name):
            left, right = right, left
        operator = comparison.operator
        if isinstance(left, cst.Name) and left.value in f.by_name:
            name = left.value
            if isinstance(operator, (cst.Is, cst.Equal)):
                dead_on = EdgeKind.TRUE
            elif isinstance(operator, (cst.IsNot, cst.NotEqual)):
                dead_on = EdgeKind.FALSE
            elif f.by_name[name][0].kind == "fd" and left is test.left:
                # `if fd > 2: os.close(fd)`: a descriptor at most 2 is a standard stream
                if isinstance(operator, (cst.GreaterThan, cst.GreaterThanEqual)):
                    dead_on = EdgeKind.FALSE
                elif isinstance(operator, (cst.LessThan, cst.LessThanEqual)):
                    dead_on = EdgeKind.TRUE
    if name is None or dead_on is None or name not in f.by_name:
        return
    if negated:
        dead_on = EdgeKind.TRUE if dead_on is EdgeKind.FALSE else EdgeKind.FALSE
    facts.refinements.setdefault(dead_on, set()).add(name)


def _loop_over_literal(f: FunctionFacts, loop: cst.For, facts: NodeFacts) -> None:
    """``for f in (a, b): f.close()`` releases each owned name of the literal."""
    if not isinstance(loop.iter, (cst.Tuple, cst.List)) or not isinstance(loop.target, cst.Name):
        return
    var = loop.target.value
    releases = False
    for sub in walk(loop.body):
        if isinstance(sub, cst.Call):
            func = sub.func
            if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == var:
                releases = releases or func.attr.value in GENERIC_RELEASES
            elif dotted_name(func) in FD_RELEASERS and sub.args and isinstance(sub.args[0].value, cst.Name):
                releases = releases or sub.args[0].value.value == var
    if not releases:
        return
    for element in loop.iter.elements:
        if isinstance(element.value, cst.Name) and element.value.value in f.by_name:
            facts.effects.append((element.value.value, Effect.RELEASE))
