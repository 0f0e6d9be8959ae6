"""Per-file context handed to rules: the tree, the text, and shared facts computed lazily, once.

Nothing here is computed unless a rule asks for it: most files have no findings, so even
positions are resolved only when the first finding of a file is reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from safelint.analysis.tree import parent_map
from safelint.finding import Finding, Fix
from safelint.rule import Rule


@dataclass
class PendingFinding:
    """A finding whose position is still a node: positions are resolved once, at the end."""

    rule: type[Rule]
    start: cst.CSTNode
    end: cst.CSTNode | int  # a node, or a length in characters from the start
    message: str
    help: str | None
    fix: Fix | None


class ModuleContext:
    def __init__(self, path: str, text: str, module: cst.Module) -> None:
        self.path = path
        self.text = text
        self.module = module
        self.pending: list[PendingFinding] = []

    @cached_property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    @cached_property
    def parents(self) -> dict[cst.CSTNode, cst.CSTNode]:
        return parent_map(self.module)

    @cached_property
    def _positions(self) -> Any:
        wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
        return wrapper.resolve(PositionProvider)

    def position(self, node: cst.CSTNode) -> CodeRange:
        """The node's range (libcst's: 1-based lines, 0-based columns)."""
        return self._positions[node]  # type: ignore[no-any-return]

    def report(
        self,
        rule: Rule | type[Rule],
        node: cst.CSTNode,
        message: str,
        *,
        end: cst.CSTNode | int | None = None,
        help: str | None = None,
        fix: Fix | None = None,
    ) -> None:
        """Report a finding spanning ``node``, or from its start through ``end`` (a node or a length)."""
        rule_class = rule if isinstance(rule, type) else type(rule)
        self.pending.append(PendingFinding(rule_class, node, node if end is None else end, message, help, fix))

    def resolve(self) -> list[Finding]:
        """Turn pending findings into findings with 1-based line/column positions."""
        findings = []
        for p in self.pending:
            start = self.position(p.start).start
            if isinstance(p.end, int):
                end_line, end_column = start.line, start.column + p.end
            else:
                stop = self.position(p.end).end
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
                )
            )
        return findings
