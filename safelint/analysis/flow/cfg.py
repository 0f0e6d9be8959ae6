"""Control-flow graphs over libcst trees: one graph per scope, built only when asked.

Three rule families run dataflow on these graphs (None narrowing, resource release, locks
held), and a linter's first duty is to stay quiet about paths that cannot happen. So:

* ``finally`` bodies and ``__exit__`` calls are *copied* per way out of their block (normal,
  exception, return, break, continue): an exception running through ``finally`` keeps
  propagating and never reaches the statement after the ``try``.
* A test that is a literal constant (``while True:``) has no edge for the outcome it never
  takes; a call that never returns (``sys.exit(...)``) ends its path at ``NORETURN``.
* Exception edges leave only nodes that can raise (see :func:`expression_can_raise`), so a
  handler is not reached from ``x = None``.

Nodes refer to the libcst nodes they stand for by identity; the tree is never copied. The
builder walks statement fields directly (no visitor, no metadata) and never recurses on
expressions, so deep or long code costs little and cannot exhaust the stack.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from typing import Final, NamedTuple

import libcst as cst

from safelint.analysis.flow.raising import (
    constant_truth,
    expression_can_raise,
    is_selective,
    may_reach,
    statement_can_raise,
)
from safelint.analysis.syntax import (
    Comprehension,
    ScopeNode,
    comprehension_elements,
    dotted_name,
    iter_scopes,
    nested_scopes,
    parameters,
)

__all__ = [
    "CFG",
    "CFGNode",
    "Edge",
    "EdgeKind",
    "Jump",
    "NodeKind",
    "ScopeNode",
    "build_cfg",
    "default_is_noreturn",
    "default_suppresses",
    "dotted_name",
    "expression_can_raise",
    "iter_scopes",
    "nested_scopes",
    "parameters",
]


class NodeKind(enum.Enum):
    """What a node stands for; the comment says what its ``ast`` is."""

    __hash__ = object.__hash__  # members are singletons; Enum's own hash is slow Python

    ENTRY = "entry"  # the scope; parameters are bound here
    EXIT = "exit"  # the scope; a normal return, falling off the end included
    RAISE_EXIT = "raise-exit"  # the scope; an exception leaves it
    NORETURN = "noreturn"  # the scope; a call that never returns ended the path
    STMT = "stmt"  # a small statement: Assign, Expr, Return, Raise, Import, Del, ...
    ASSERT = "assert"  # a cst.Assert: TRUE continues, FALSE raises AssertionError
    TEST = "test"  # the condition of an if/elif/while, a case guard or a comprehension `if`
    FOR_ITER = "for-iter"  # the iterable of a for (or an inner comprehension for): iter() is called
    FOR_NEXT = "for-next"  # the target of a for / comprehension for: TRUE binds the next item, FALSE ends
    WITH_ENTER = "with-enter"  # a cst.WithItem: the manager is evaluated, entered, `as` bound
    WITH_EXIT = "with-exit"  # a cst.WithItem: the __exit__ call, one copy per way out (`jump`)
    EXCEPT = "except"  # an ExceptHandler/ExceptStarHandler: TRUE it matches (`as` bound), FALSE next
    RERAISE = "reraise"  # a cst.Try/TryStar: its `finally` ran on the exception path, which goes on
    MATCH = "match"  # a cst.Match: the subject is evaluated
    CASE = "case"  # a cst.MatchCase: TRUE the pattern matched (captures bound), FALSE next case
    DEF = "def"  # a FunctionDef/ClassDef statement: decorators, defaults, bases run; name bound
    EXPR = "expr"  # the body of a lambda, or an element a comprehension produces


EVALUATES_NOTHING: Final = frozenset(
    {NodeKind.ENTRY, NodeKind.EXIT, NodeKind.RAISE_EXIT, NodeKind.NORETURN, NodeKind.RERAISE, NodeKind.WITH_EXIT}
)
"""Nodes at which none of the code's own syntax is evaluated (a scope's ends, an ``__exit__``,
a ``finally`` passing an exception on): a use of a name never happens there."""


class EdgeKind(enum.Enum):
    """An edge label: which outcome of its source node the edge follows."""

    __hash__ = object.__hash__  # members are singletons; Enum's own hash is slow Python

    NORMAL = "normal"
    TRUE = "true"
    FALSE = "false"
    EXCEPTION = "exception"  # the source raised (or, from RERAISE/WITH_EXIT, lets one propagate)


class Jump(enum.Enum):
    """A way out of a block; ``finally`` bodies and ``__exit__`` calls are copied per way."""

    __hash__ = object.__hash__  # members are singletons; Enum's own hash is slow Python

    NORMAL = "normal"
    EXCEPTION = "exception"
    RETURN = "return"
    BREAK = "break"
    CONTINUE = "continue"


class Edge(NamedTuple):
    """One end of an edge: the other node (target in successors, source in predecessors)."""

    node: CFGNode
    label: EdgeKind


class CFGNode:
    """A point of the graph. ``stmt`` is the statement the node belongs to (the compound
    statement for headers, the scope for synthetic nodes and lambda/comprehension parts);
    ``jump`` says which copy of a ``finally`` body or ``__exit__`` call the node is in."""

    __slots__ = ("index", "kind", "ast", "stmt", "jump", "can_raise", "succs", "preds", "_frame")

    def __init__(
        self,
        index: int,
        kind: NodeKind,
        ast: cst.CSTNode,
        stmt: cst.CSTNode,
        jump: Jump | None,
        can_raise: bool,
        frame: _Frame | None,
    ) -> None:
        self.index = index
        self.kind = kind
        self.ast = ast
        self.stmt = stmt
        self.jump = jump
        self.can_raise = can_raise
        self.succs: list[Edge] = []
        self.preds: list[Edge] = []
        self._frame = frame

    def __repr__(self) -> str:
        copy = f" [{self.jump.value}]" if self.jump is not None else ""
        return f"<{self.index} {self.kind.value} {type(self.ast).__name__}{copy}>"


class CFG:
    """The graph of one scope. Build it with :func:`build_cfg`."""

    def __init__(
        self,
        scope: ScopeNode,
        nodes: list[CFGNode],
        index: dict[cst.CSTNode, list[CFGNode]],
    ) -> None:
        self.scope = scope
        self.nodes = nodes
        self.entry, self.exit, self.raise_exit, self.noreturn = nodes[:4]
        self._index = index
        self._rpo: list[CFGNode] | None = None

    def close(self) -> None:
        """Unlink the nodes (each edge points back at a node) so that reference counting frees
        the graph when its file is done, not the cyclic collector; the graph is empty after."""
        for node in self.nodes:
            node.succs = []
            node.preds = []
            node._frame = None
        self._index = {}
        self._rpo = None

    def successors(self, node: CFGNode) -> Sequence[Edge]:
        return node.succs

    def predecessors(self, node: CFGNode) -> Sequence[Edge]:
        return node.preds

    def nodes_for(self, ast: cst.CSTNode) -> Sequence[CFGNode]:
        """Every copy of the node standing for ``ast``: a small statement, a test, a with item,
        an except handler, a case, or a compound statement (its header: an if/while test, a
        for's iterable, a with's first item, a match's subject). Copies come from duplicated
        ``finally`` bodies; a statement outside any has one node, an unknown ``ast`` none."""
        return self._index.get(ast, ())

    def reverse_postorder(self) -> list[CFGNode]:
        """The nodes reachable from the entry, each before its successors except on back edges."""
        if self._rpo is None:
            seen = bytearray(len(self.nodes))
            seen[self.entry.index] = 1
            order: list[CFGNode] = []
            stack: list[tuple[CFGNode, int]] = [(self.entry, 0)]
            while stack:
                node, i = stack[-1]
                if i < len(node.succs):
                    stack[-1] = (node, i + 1)
                    target = node.succs[i].node
                    if not seen[target.index]:
                        seen[target.index] = 1
                        stack.append((target, 0))
                else:
                    stack.pop()
                    order.append(node)
            order.reverse()
            self._rpo = order
        return self._rpo

    def reachable(self, start: CFGNode | None = None) -> set[CFGNode]:
        """The nodes reachable from ``start`` (default: the entry), ``start`` included."""
        first = self.entry if start is None else start
        seen = {first}
        stack = [first]
        while stack:
            for edge in stack.pop().succs:
                if edge.node not in seen:
                    seen.add(edge.node)
                    stack.append(edge.node)
        return seen

    def caught_types(self, node: CFGNode) -> list[cst.BaseExpression | None]:
        """What is caught around ``node``, innermost first: the type of every ``except`` whose
        ``try`` body holds the node (``None`` for a bare ``except:``), and the arguments of
        every enclosing suppressing manager (``with suppress(KeyError):``)."""
        caught: list[cst.BaseExpression | None] = []
        frame = node._frame
        while frame is not None:
            if isinstance(frame, _Handlers):
                caught.extend(handler.type for handler in frame.handlers)
            elif isinstance(frame, _With) and frame.suppresses:
                call = frame.item.item
                if isinstance(call, cst.Call):
                    caught.extend(arg.value for arg in call.args if arg.keyword is None)
            frame = frame.parent
        return caught


def build_cfg(
    scope: ScopeNode,
    *,
    is_noreturn: Callable[[cst.Call], bool] | None = None,
    suppresses: Callable[[cst.WithItem], bool] | None = None,
) -> CFG:
    """The graph of ``scope``'s own code; nested functions, classes, lambdas and
    comprehensions are separate scopes (see :func:`nested_scopes`).

    ``is_noreturn`` says which calls never return (default :func:`default_is_noreturn`): an
    expression statement calling one ends its path. ``suppresses`` says which context
    managers may swallow the exception leaving their body (default
    :func:`default_suppresses`): only those get an edge from the exceptional ``__exit__``
    back to normal flow.
    """
    builder = _Builder(
        scope,
        is_noreturn if is_noreturn is not None else default_is_noreturn,
        suppresses if suppresses is not None else default_suppresses,
    )
    return builder.build()


_NORETURN_CALLS = frozenset({"sys.exit", "exit", "quit", "os._exit", "os.abort"})
_SUPPRESSING_MANAGERS = frozenset({"suppress", "raises", "assertRaises", "assertRaisesRegex"})
_OWN_ERRORS = frozenset({NodeKind.STMT, NodeKind.TEST, NodeKind.ASSERT})
"""Nodes whose exception edge carries only what their own syntax raises."""
_CATCH_ALL = frozenset({"BaseException", "builtins.BaseException"})


def default_is_noreturn(call: cst.Call) -> bool:
    """``sys.exit``, ``exit``, ``quit``, ``os._exit`` and ``os.abort``, by the name written."""
    return dotted_name(call.func) in _NORETURN_CALLS


def default_suppresses(item: cst.WithItem) -> bool:
    """``suppress(...)``, ``pytest.raises(...)`` and ``assertRaises(...)``-style managers."""
    call = item.item
    if not isinstance(call, cst.Call):
        return False
    name = dotted_name(call.func)
    return name is not None and name.rsplit(".", 1)[-1] in _SUPPRESSING_MANAGERS


def _catches_everything(handler: cst.ExceptHandler | cst.ExceptStarHandler) -> bool:
    caught = handler.type
    if caught is None:
        return True
    types = [e.value for e in caught.elements] if isinstance(caught, cst.Tuple) else [caught]
    return any(dotted_name(t) in _CATCH_ALL for t in types)


def _irrefutable(pattern: cst.MatchPattern) -> bool:
    """A capture or wildcard (possibly inside ``|`` or ``as``) matches every subject."""
    if isinstance(pattern, cst.MatchAs):
        return pattern.pattern is None or _irrefutable(pattern.pattern)
    if isinstance(pattern, cst.MatchOr):
        return any(_irrefutable(element.pattern) for element in pattern.patterns)
    return False


# -- building ------------------------------------------------------------------------------


class _Frame:
    """What encloses the code being built; jumps look outward through these."""

    __slots__ = ("parent",)

    def __init__(self, parent: _Frame | None) -> None:
        self.parent = parent


class _Loop(_Frame):
    __slots__ = ("head", "breaks")

    def __init__(self, parent: _Frame | None, head: CFGNode) -> None:
        super().__init__(parent)
        self.head = head
        self.breaks: _Open = []


class _Handlers(_Frame):
    """A ``try`` body with ``except`` clauses: exceptions go to the first clause's test that
    can catch them (a clause that catches only what a few kinds of code raise, such as the
    "not ready" errors of non-blocking I/O, is passed by a statement of another kind, unless no
    statement of the body is of that kind: then the code knows better than the vocabulary,
    and every exception reaches it)."""

    __slots__ = ("tests", "handlers", "passed")

    def __init__(
        self,
        parent: _Frame | None,
        tests: list[CFGNode],
        handlers: Sequence[cst.ExceptHandler | cst.ExceptStarHandler],
    ) -> None:
        super().__init__(parent)
        self.tests = tests
        self.handlers = handlers
        self.passed: _Open = []
        """The exception edges that passed a selective clause."""

    def first_test(self, source: cst.CSTNode | None) -> CFGNode | None:
        """The test an exception raised by evaluating ``source`` goes to first (None: it
        passes every clause); ``source`` None is an exception from elsewhere."""
        for test, handler in zip(self.tests, self.handlers):
            if source is None or may_reach(handler, source):
                return test
        return None

    def unpassed(self) -> list[CFGNode]:
        """The selective clauses' tests that no exception of the body reached."""
        return [t for t, h in zip(self.tests, self.handlers) if not t.preds and is_selective(h)]


class _Cleanup(_Frame):
    """A block whose way out runs cleanup (``finally``, ``__exit__``): jumps wait here,
    grouped by kind, until the block is complete and one cleanup copy per kind is built."""

    __slots__ = ("pending",)

    def __init__(self, parent: _Frame | None) -> None:
        super().__init__(parent)
        self.pending: dict[Jump, _Open] = {}


class _With(_Cleanup):
    __slots__ = ("item", "suppresses")

    def __init__(self, parent: _Frame | None, item: cst.WithItem, suppresses: bool) -> None:
        super().__init__(parent)
        self.item = item
        self.suppresses = suppresses


_Open = list[tuple[CFGNode, EdgeKind]]
"""Edges whose target is not built yet: the outcomes flowing into the next node."""

_NORMAL = EdgeKind.NORMAL
_TRUE = EdgeKind.TRUE
_FALSE = EdgeKind.FALSE
_MAX_COPY_DEPTH = 4  # finally-in-finally nesting up to which bodies are copied per way out


class _Builder:
    def __init__(
        self,
        scope: ScopeNode,
        is_noreturn: Callable[[cst.Call], bool],
        suppresses: Callable[[cst.WithItem], bool],
    ) -> None:
        self.scope = scope
        self.is_noreturn = is_noreturn
        self.suppresses = suppresses
        self.nodes: list[CFGNode] = []
        self.index: dict[cst.CSTNode, list[CFGNode]] = {}
        self.copy: Jump | None = None  # which finally copy is being built
        self.copy_depth = 0  # how many finally copies are being built, one inside another
        self.entry = self._add(NodeKind.ENTRY, scope, scope, None)
        self.exit = self._add(NodeKind.EXIT, scope, scope, None)
        self.raise_exit = self._add(NodeKind.RAISE_EXIT, scope, scope, None)
        self.noreturn = self._add(NodeKind.NORETURN, scope, scope, None)

    def build(self) -> CFG:
        scope = self.scope
        start: _Open = [(self.entry, _NORMAL)]
        if isinstance(scope, cst.Module):
            end = self._block(scope.body, start, None)
        elif isinstance(scope, (cst.FunctionDef, cst.ClassDef)):
            end = self._suite(scope.body, start, None)
        elif isinstance(scope, cst.Lambda):
            end = self._expr(scope.body, start)
        else:
            end = self._comprehension(scope)
        self._link(end, self.exit)
        return CFG(scope, self.nodes, self.index)

    # -- plumbing

    def _add(
        self,
        kind: NodeKind,
        ast: cst.CSTNode,
        stmt: cst.CSTNode,
        frame: _Frame | None,
        can_raise: bool = False,
        jump: Jump | None = None,
    ) -> CFGNode:
        node = CFGNode(len(self.nodes), kind, ast, stmt, jump or self.copy, can_raise, frame)
        self.nodes.append(node)
        if ast is not self.scope:
            self._register(ast, node)
        return node

    def _register(self, ast: cst.CSTNode, node: CFGNode) -> None:
        copies = self.index.get(ast)
        if copies is None:
            self.index[ast] = [node]
        else:
            copies.append(node)

    @staticmethod
    def _link(edges: _Open, target: CFGNode) -> None:
        for source, label in edges:
            source.succs.append(Edge(target, label))
            target.preds.append(Edge(source, label))

    def _step(
        self,
        kind: NodeKind,
        ast: cst.CSTNode,
        stmt: cst.CSTNode,
        incoming: _Open,
        frame: _Frame | None,
        can_raise: bool,
    ) -> CFGNode:
        """Add a node reached by ``incoming``, with its exception edge if it can raise."""
        node = self._add(kind, ast, stmt, frame, can_raise)
        self._link(incoming, node)
        if can_raise:
            source = ast if kind in _OWN_ERRORS else None
            self._jump(Jump.EXCEPTION, [(node, EdgeKind.EXCEPTION)], frame, source)
        return node

    def _jump(self, kind: Jump, edges: _Open, frame: _Frame | None, source: cst.CSTNode | None = None) -> None:
        """Send ``edges`` out by ``kind`` to the innermost frame that takes it (``source``:
        the code whose evaluation raised, for an exception of its own)."""
        if not edges:
            return
        while frame is not None:
            if isinstance(frame, _Loop):
                if kind is Jump.BREAK:
                    frame.breaks.extend(edges)
                    return
                if kind is Jump.CONTINUE:
                    self._link(edges, frame.head)
                    return
            elif isinstance(frame, _Handlers):
                test = frame.first_test(source) if kind is Jump.EXCEPTION else None
                if test is not frame.tests[0] and kind is Jump.EXCEPTION:
                    frame.passed.extend(edges)
                if test is not None:
                    self._link(edges, test)
                    return
            elif isinstance(frame, _Cleanup):
                frame.pending.setdefault(kind, []).extend(edges)
                return
            frame = frame.parent
        if kind is Jump.RETURN:
            self._link(edges, self.exit)
        elif kind is Jump.EXCEPTION:
            self._link(edges, self.raise_exit)
        # break/continue outside a loop does not compile: the path just ends.

    # -- statements

    def _suite(self, suite: cst.BaseSuite, incoming: _Open, frame: _Frame | None) -> _Open:
        if isinstance(suite, cst.IndentedBlock):
            return self._block(suite.body, incoming, frame)
        if isinstance(suite, cst.SimpleStatementSuite):
            for small in suite.body:
                incoming = self._small(small, incoming, frame)
        return incoming

    def _block(self, body: Sequence[cst.BaseStatement], incoming: _Open, frame: _Frame | None) -> _Open:
        for stmt in body:
            if type(stmt) is cst.SimpleStatementLine:
                for small in stmt.body:
                    incoming = self._small(small, incoming, frame)
            else:
                incoming = self._compound(stmt, incoming, frame)
        return incoming

    def _compound(self, stmt: cst.BaseStatement, incoming: _Open, frame: _Frame | None) -> _Open:
        build = _COMPOUND.get(type(stmt))
        if build is not None:
            return build(self, stmt, incoming, frame)
        # A statement kind newer than this code: one opaque step.
        node = self._step(NodeKind.STMT, stmt, stmt, incoming, frame, True)
        return [(node, _NORMAL)]

    def _small(self, stmt: cst.BaseSmallStatement, incoming: _Open, frame: _Frame | None) -> _Open:
        kind = type(stmt)
        if kind is cst.Assert:
            assert isinstance(stmt, cst.Assert)
            node = self._step(NodeKind.ASSERT, stmt, stmt, incoming, frame, expression_can_raise(stmt.test))
            truth = constant_truth(stmt.test)
            if truth is not True:
                self._jump(Jump.EXCEPTION, [(node, _FALSE)], frame)
            return [(node, _TRUE)] if truth is not False else []
        final = self._final_call(stmt)
        if final is not None:
            # What `sys.exit()` raises ends the program, not a path to a handler; only its
            # arguments can raise into one.
            can_raise = any(expression_can_raise(arg.value) for arg in final.args)
            node = self._step(NodeKind.STMT, stmt, stmt, incoming, frame, can_raise)
            self._link([(node, _NORMAL)], self.noreturn)
            return []
        node = self._step(NodeKind.STMT, stmt, stmt, incoming, frame, statement_can_raise(stmt))
        jump = _JUMPS.get(kind)
        if jump is not None:
            self._jump(jump, [(node, _NORMAL)], frame)
            return []
        if kind is cst.Raise:
            return []  # its exception edge is its only way out
        return [(node, _NORMAL)]

    def _final_call(self, stmt: cst.BaseSmallStatement) -> cst.Call | None:
        """The call of an expression statement that never returns (``sys.exit(1)``)."""
        if type(stmt) is not cst.Expr:
            return None
        value = stmt.value
        if isinstance(value, cst.Await):
            value = value.expression
        return value if isinstance(value, cst.Call) and self.is_noreturn(value) else None

    def _test(
        self, expr: cst.BaseExpression, stmt: cst.CSTNode, incoming: _Open, frame: _Frame | None
    ) -> tuple[CFGNode, _Open, _Open]:
        """A branch test: its node, and its TRUE and FALSE outcomes minus any a constant never takes."""
        node = self._step(NodeKind.TEST, expr, stmt, incoming, frame, expression_can_raise(expr))
        truth = constant_truth(expr)
        return (
            node,
            [(node, _TRUE)] if truth is not False else [],
            [(node, _FALSE)] if truth is not True else [],
        )

    def _if(self, stmt: cst.If, incoming: _Open, frame: _Frame | None) -> _Open:
        exits: _Open = []
        current = stmt
        while True:  # an elif chain is nested Ifs: loop, do not recurse
            test, then, otherwise = self._test(current.test, current, incoming, frame)
            self._register(current, test)
            exits += self._suite(current.body, then, frame)
            orelse = current.orelse
            if isinstance(orelse, cst.If):
                current, incoming = orelse, otherwise
                continue
            if orelse is not None:
                exits += self._suite(orelse.body, otherwise, frame)
            else:
                exits += otherwise
            return exits

    def _while(self, stmt: cst.While, incoming: _Open, frame: _Frame | None) -> _Open:
        head, then, otherwise = self._test(stmt.test, stmt, incoming, frame)
        self._register(stmt, head)
        loop = _Loop(frame, head)
        self._link(self._suite(stmt.body, then, loop), head)
        if stmt.orelse is not None:
            otherwise = self._suite(stmt.orelse.body, otherwise, frame)
        return otherwise + loop.breaks

    def _for(self, stmt: cst.For, incoming: _Open, frame: _Frame | None) -> _Open:
        iterate = self._step(NodeKind.FOR_ITER, stmt.iter, stmt, incoming, frame, True)
        self._register(stmt, iterate)
        head = self._step(NodeKind.FOR_NEXT, stmt.target, stmt, [(iterate, _NORMAL)], frame, True)
        loop = _Loop(frame, head)
        self._link(self._suite(stmt.body, [(head, _TRUE)], loop), head)
        exhausted: _Open = [(head, _FALSE)]
        if stmt.orelse is not None:
            exhausted = self._suite(stmt.orelse.body, exhausted, frame)
        return exhausted + loop.breaks

    def _with(self, stmt: cst.With, incoming: _Open, frame: _Frame | None) -> _Open:
        return self._with_item(stmt, 0, incoming, frame)

    def _with_item(self, stmt: cst.With, i: int, incoming: _Open, frame: _Frame | None) -> _Open:
        """``with a, b:`` is ``with a: with b:`` — b's exit runs before a's, on every path."""
        item = stmt.items[i]
        enter = self._step(NodeKind.WITH_ENTER, item, stmt, incoming, frame, True)
        if i == 0:
            self._register(stmt, enter)
        inner = _With(frame, item, self.suppresses(item))
        entered: _Open = [(enter, _NORMAL)]
        if i + 1 < len(stmt.items):
            done = self._with_item(stmt, i + 1, entered, inner)
        else:
            done = self._suite(stmt.body, entered, inner)
        exits: _Open = []
        if done:
            exits.append((self._exit(item, stmt, Jump.NORMAL, done, frame), _NORMAL))
        for kind, edges in inner.pending.items():
            node = self._exit(item, stmt, kind, edges, frame)
            if kind is not Jump.EXCEPTION:
                self._jump(kind, [(node, _NORMAL)], frame)
            elif inner.suppresses:
                exits.append((node, _NORMAL))
        return exits

    def _exit(self, item: cst.WithItem, stmt: cst.With, kind: Jump, incoming: _Open, frame: _Frame | None) -> CFGNode:
        node = self._add(NodeKind.WITH_EXIT, item, stmt, frame, True, kind)
        self._link(incoming, node)
        self._jump(Jump.EXCEPTION, [(node, EdgeKind.EXCEPTION)], frame)
        return node

    def _try(self, stmt: cst.Try | cst.TryStar, incoming: _Open, frame: _Frame | None) -> _Open:
        final = stmt.finalbody
        cleanup = _Cleanup(frame) if final is not None else None
        outer = cleanup if cleanup is not None else frame
        tests = [
            self._add(NodeKind.EXCEPT, h, stmt, outer, h.type is not None and expression_can_raise(h.type))
            for h in stmt.handlers
        ]
        body_frame = _Handlers(outer, tests, stmt.handlers) if tests else outer
        exits = self._suite(stmt.body, incoming, body_frame)
        if isinstance(body_frame, _Handlers) and body_frame.passed:
            for test in body_frame.unpassed():
                self._link(body_frame.passed, test)
        if stmt.orelse is not None:
            exits = self._suite(stmt.orelse.body, exits, outer)
        handlers: Sequence[cst.ExceptHandler | cst.ExceptStarHandler] = stmt.handlers
        for i, (handler, test) in enumerate(zip(handlers, tests)):
            if test.can_raise:
                self._jump(Jump.EXCEPTION, [(test, EdgeKind.EXCEPTION)], outer)
            exits += self._suite(handler.body, [(test, _TRUE)], outer)
            if _catches_everything(handler):
                continue  # later clauses are unreachable; they still get nodes
            if i + 1 < len(tests):
                self._link([(test, _FALSE)], tests[i + 1])
            else:
                self._jump(Jump.EXCEPTION, [(test, _FALSE)], outer)
        if cleanup is None or final is None:
            return exits
        if self.copy_depth >= _MAX_COPY_DEPTH:
            return self._shared_finally(stmt, final.body, exits, cleanup, frame)
        if exits or not cleanup.pending:
            exits = self._finally(final.body, exits, frame, Jump.NORMAL)
        for kind, edges in cleanup.pending.items():
            self._leave(stmt, kind, self._finally(final.body, edges, frame, kind), frame)
        return exits

    def _finally(self, body: cst.BaseSuite, incoming: _Open, frame: _Frame | None, kind: Jump) -> _Open:
        """One copy of a ``finally`` body, for the way out ``kind``."""
        saved, self.copy = self.copy, kind
        self.copy_depth += 1
        try:
            return self._suite(body, incoming, frame)
        finally:
            self.copy = saved
            self.copy_depth -= 1

    def _shared_finally(
        self, stmt: cst.Try | cst.TryStar, body: cst.BaseSuite, exits: _Open, cleanup: _Cleanup, frame: _Frame | None
    ) -> _Open:
        """A ``finally`` nested this deep in other ``finally`` bodies gets one copy for all
        ways out, as a plain graph would: copies multiply with each level of such nesting,
        and some infeasible paths are a better price than an exponential graph."""
        incoming = exits + [edge for edges in cleanup.pending.values() for edge in edges]
        done = self._suite(body, incoming, frame)
        for kind in cleanup.pending:
            self._leave(stmt, kind, list(done), frame)
        return done if exits else []

    def _leave(self, stmt: cst.Try | cst.TryStar, kind: Jump, done: _Open, frame: _Frame | None) -> None:
        """Continue the way out ``kind`` after a ``finally`` body ran."""
        if kind is not Jump.EXCEPTION:
            self._jump(kind, done, frame)
        elif done:
            reraise = self._add(NodeKind.RERAISE, stmt, stmt, frame, True)
            self._link(done, reraise)
            self._jump(Jump.EXCEPTION, [(reraise, EdgeKind.EXCEPTION)], frame)

    def _match(self, stmt: cst.Match, incoming: _Open, frame: _Frame | None) -> _Open:
        subject = self._step(NodeKind.MATCH, stmt, stmt, incoming, frame, expression_can_raise(stmt.subject))
        incoming = [(subject, _NORMAL)]
        exits: _Open = []
        for case in stmt.cases:
            node = self._step(NodeKind.CASE, case, stmt, incoming, frame, False)
            matched: _Open = [(node, _TRUE)]
            incoming = [] if _irrefutable(case.pattern) else [(node, _FALSE)]
            if case.guard is not None:
                _, matched, unguarded = self._test(case.guard, case, matched, frame)
                incoming += unguarded
            exits += self._suite(case.body, matched, frame)
        return exits + incoming

    def _def(self, stmt: cst.FunctionDef | cst.ClassDef, incoming: _Open, frame: _Frame | None) -> _Open:
        if isinstance(stmt, cst.ClassDef):
            can_raise = True  # the class body runs, and the metaclass is called
        else:
            evaluated: list[cst.CSTNode] = [d.decorator for d in stmt.decorators]
            evaluated += [p.default for p in parameters(stmt.params) if p.default is not None]
            can_raise = any(expression_can_raise(e) for e in evaluated)
        node = self._step(NodeKind.DEF, stmt, stmt, incoming, frame, can_raise)
        return [(node, _NORMAL)]

    # -- expression scopes

    def _expr(self, expr: cst.BaseExpression, incoming: _Open) -> _Open:
        node = self._step(NodeKind.EXPR, expr, self.scope, incoming, None, expression_can_raise(expr))
        return [(node, _NORMAL)]

    def _comprehension(self, comp: Comprehension) -> _Open:
        """``[e for a in xs if c for b in ys]``: the outermost iterable is evaluated by the
        enclosing scope, so the graph starts at the first ``next()``."""
        incoming: _Open = [(self.entry, _NORMAL)]
        heads: list[CFGNode] = []
        clause: cst.CompFor | None = comp.for_in
        while clause is not None:
            if heads:
                iterate = self._step(NodeKind.FOR_ITER, clause.iter, comp, incoming, None, True)
                incoming = [(iterate, _NORMAL)]
            head = self._step(NodeKind.FOR_NEXT, clause.target, comp, incoming, None, True)
            self._link([(head, _FALSE)], heads[-1] if heads else self.exit)
            heads.append(head)
            incoming = [(head, _TRUE)]
            for condition in clause.ifs:
                _, then, otherwise = self._test(condition.test, comp, incoming, None)
                self._link(otherwise, head)
                incoming = then
            clause = clause.inner_for_in
        for element in comprehension_elements(comp):
            incoming = self._expr(element, incoming)
        self._link(incoming, heads[-1])
        return []


_COMPOUND: dict[type[cst.CSTNode], Callable[..., _Open]] = {
    cst.If: _Builder._if,
    cst.FunctionDef: _Builder._def,
    cst.ClassDef: _Builder._def,
    cst.For: _Builder._for,
    cst.While: _Builder._while,
    cst.With: _Builder._with,
    cst.Try: _Builder._try,
    cst.TryStar: _Builder._try,
    cst.Match: _Builder._match,
}
_JUMPS = {cst.Return: Jump.RETURN, cst.Break: Jump.BREAK, cst.Continue: Jump.CONTINUE}
