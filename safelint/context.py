"""Per-file context handed to rules: the tree, the text, and shared facts computed lazily, once.

Nothing here is computed unless a rule asks for it: most files have no findings, so even
positions are resolved only when the first finding of a file is reported.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TypeVar, cast

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from safelint.analysis.facts.index.index import ProjectIndex
from safelint.analysis.facts.knowledge import Knowledge
from safelint.analysis.flow.cfg import CFG, ScopeNode, build_cfg, default_is_noreturn
from safelint.analysis.names.names import Names, Scope
from safelint.analysis.syntax import as_scope, parent_map, walk
from safelint.analysis.types.evaluator import TypeEvaluator
from safelint.analysis.types.library import Library
from safelint.project import Project, knowledge, library
from safelint.results import Finding, Fix, Related
from safelint.rule import Rule

_T = TypeVar("_T")


@dataclass
class PendingFinding:
    """A finding whose position is still a node: positions are resolved once, at the end."""

    rule: type[Rule]
    start: cst.CSTNode
    end: cst.CSTNode | int  # a node, or a length in characters from the start
    message: str
    help: str | None
    fix: Fix | None
    top: cst.CSTNode | None  # the top-level statement being walked when it was reported
    related: tuple[tuple[cst.CSTNode, str], ...] = ()


class ModuleContext:
    def __init__(
        self,
        path: str,
        text: str,
        module: cst.Module,
        project: Project | None = None,
        file: Path | None = None,
    ) -> None:
        self.path = path
        self.text = text
        self.module = module
        self.project = project
        self.file = file
        self.pending: list[PendingFinding] = []
        self.current_top: cst.CSTNode | None = None
        self.scope: Scope = None  # the innermost scope around the node being visited
        self._top_lines: dict[cst.CSTNode, int] = {}
        self._memo: dict[Hashable, object] = {}

    @cached_property
    def module_name(self) -> tuple[str | None, bool]:
        """The dotted name of this module and whether it is a package ``__init__``."""
        if self.project is None or self.file is None:
            return None, False
        return self.project.module_name(self.file)

    @cached_property
    def knowledge(self) -> Knowledge:
        return knowledge(self.project.python if self.project is not None else None)

    @cached_property
    def index(self) -> ProjectIndex:
        return self.project.index if self.project is not None else ProjectIndex([])

    @cached_property
    def library(self) -> Library:
        """The stubs' definitions read as types (shared by every file of the process)."""
        return library(self.project.python if self.project is not None else None)

    @cached_property
    def types(self) -> TypeEvaluator:
        """What values are: the one type evaluator every family asks."""
        return TypeEvaluator(self)

    @cached_property
    def names(self) -> Names:
        name, is_package = self.module_name
        return Names(
            self.module,
            name,
            is_package=is_package,
        )

    def memo(self, key: Hashable, compute: Callable[[], _T]) -> _T:
        """The analysis ``key`` names (with its parameters: ``("leaks", function)``), computed
        on first use and shared by every rule of every family for the rest of this file.

        Analyses keep their per-file results here and nowhere else, so they live exactly as
        long as the file's check and a second rule asking costs a dictionary lookup.
        """
        memo = self._memo
        if key in memo:
            return cast(_T, memo[key])
        value = memo[key] = compute()
        return value

    def close(self) -> None:
        """Drop what the file's analyses computed, once its findings are resolved.

        The memos and the evaluator point back at this context, and flow graphs at their own
        nodes: unlinked here, they are freed by reference counting as the check returns
        instead of being left for the cyclic collector to trace."""
        for value in self._memo.values():
            if type(value) is CFG:
                value.close()
        self._memo.clear()
        evaluator = self.__dict__.get("types")
        if evaluator is not None:  # its parts hold it and this context
            vars(evaluator).clear()
        self.__dict__.clear()

    def cfg(self, scope: ScopeNode) -> CFG:
        """The control-flow graph of a scope, built once per file and shared by every family."""
        return self.memo(
            ("cfg", scope), lambda: build_cfg(scope, is_noreturn=lambda call: self._never_returns(call, scope))
        )

    def _never_returns(self, call: cst.Call, scope: ScopeNode) -> bool:
        """``sys.exit(...)`` and the like, a library function the knowledge base says never
        returns (``os.execv``: the process becomes another program), or a project function
        annotated ``-> NoReturn`` (a helper that converts an error and raises it: the path
        ends there)."""
        if default_is_noreturn(call):
            return True
        if not isinstance(call.func, (cst.Name, cst.Attribute)):
            return False
        qualname = self.names.qualified_name(call.func, as_scope(scope))
        if qualname is None:
            return False
        function = self.index.function(qualname)
        if function is not None:
            return function.no_return
        return "." in qualname and self.knowledge.is_noreturn(qualname)

    @cached_property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    @cached_property
    def parents(self) -> dict[cst.CSTNode, cst.CSTNode]:
        return parent_map(self.module)

    @cached_property
    def _positions(self) -> Mapping[cst.CSTNode, CodeRange]:
        return MetadataWrapper(self.module, unsafe_skip_copy=True).resolve(PositionProvider)

    def position(self, node: cst.CSTNode, top: cst.CSTNode | None = None) -> CodeRange:
        """The node's range (libcst's: 1-based lines, 0-based columns).

        Resolving positions for a whole module costs twice its parse, so only the top-level
        statement holding the node is laid out and shifted by the number of lines before it
        (``top`` when the caller knows it; otherwise found with one lean walk).
        """
        if "_positions" not in self.__dict__:
            for candidate in (top, self._top_of.get(node)):
                if candidate is None:
                    continue
                found = self._statement_positions(candidate).get(node)
                if found is not None:
                    shift = self._line_offset(candidate)
                    start, end = found.start, found.end
                    return CodeRange((start.line + shift, start.column), (end.line + shift, end.column))
        return self._positions[node]

    @cached_property
    def _top_of(self) -> dict[cst.CSTNode, cst.CSTNode]:
        """The top-level statement holding each node."""
        return {node: top for top in self.module.body for node in walk(top)}

    def _statement_positions(self, top: cst.CSTNode) -> Mapping[cst.CSTNode, CodeRange]:
        cache = self._statement_cache
        if top not in cache:
            alone = self.module.with_changes(body=[top], header=(), footer=())
            cache[top] = MetadataWrapper(alone, unsafe_skip_copy=True).resolve(PositionProvider)
        return cache[top]

    @cached_property
    def _statement_cache(self) -> dict[cst.CSTNode, Mapping[cst.CSTNode, CodeRange]]:
        return {}

    def _related(self, node: cst.CSTNode, message: str, top: cst.CSTNode | None) -> Related:
        where = self.position(node, top)
        return Related(message, where.start.line, where.start.column + 1, where.end.line, where.end.column + 1)

    def _line_offset(self, top: cst.CSTNode) -> int:
        """Lines of the module before the top-level statement ``top``.

        Statements are laid out once each, in order, and only as far as the last one asked about.
        """
        lines = self._top_lines
        if top not in lines:
            body = self.module.body
            done = len(lines)
            line = len(self.module.header) if done == 0 else lines[body[done - 1]] + self._height(body[done - 1])
            for statement in body[done:]:
                lines[statement] = line
                if statement is top:
                    break
                line += self._height(statement)
        return lines[top]

    def _height(self, statement: cst.CSTNode) -> int:
        return self.module.code_for_node(statement).count("\n")

    def report(
        self,
        rule: Rule | type[Rule],
        node: cst.CSTNode,
        message: str,
        *,
        end: cst.CSTNode | int | None = None,
        help: str | None = None,
        fix: Fix | None = None,
        related: Sequence[tuple[cst.CSTNode, str]] = (),
    ) -> None:
        """Report a finding spanning ``node``, or from its start through ``end`` (a node or a length).

        ``related`` names other nodes of the file that explain it, each with a short message.
        """
        rule_class = rule if isinstance(rule, type) else type(rule)
        self.pending.append(
            PendingFinding(
                rule_class, node, node if end is None else end, message, help, fix, self.current_top, tuple(related)
            )
        )

    def resolve(self) -> list[Finding]:
        """Turn pending findings into findings with 1-based line/column positions."""
        findings = []
        # Past a few statements, laying out each alone costs more than one whole-module pass.
        whole_module = len({id(p.top) for p in self.pending}) > 16
        for p in self.pending:
            top = None if whole_module else p.top
            start = self.position(p.start, top).start
            if isinstance(p.end, int):
                end_line, end_column = start.line, start.column + p.end
            else:
                stop = self.position(p.end, top).end
                end_line, end_column = stop.line, stop.column
            findings.append(
                Finding(
                    code=p.rule.code,
                    name=p.rule.name,
                    severity=p.rule.severity,
                    message=p.message,
                    path=self.path,
                    line=start.line,
                    column=start.column + 1,
                    end_line=end_line,
                    end_column=end_column + 1,
                    help=p.help,
                    fix=p.fix,
                    related=tuple(self._related(node, text, top) for node, text in p.related),
                )
            )
        return findings
