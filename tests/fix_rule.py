"""A test-only rule with fixes (no real rule has one yet): ``== None`` gets a safe fix to
``is None``, ``!= None`` an unsafe one, and ``== ...`` a fix that would break the file."""

import libcst as cst

from safelint.context import ModuleContext
from safelint.results import Applicability, Edit, Fix, Severity
from safelint.rule import Rule


def register() -> type[Rule]:
    """Define (and so register) the rule; the caller removes it from the registry afterwards."""

    class CompareToNone(Rule):
        """Test only."""

        code = "SL197"
        name = "compare-to-none"
        severity = Severity.WARNING
        summary = "test only."

        def visit_Comparison(self, node: cst.Comparison, ctx: ModuleContext) -> None:
            if len(node.comparisons) != 1:
                return
            target = node.comparisons[0]
            op = target.operator
            if isinstance(target.comparator, cst.Ellipsis) and isinstance(op, cst.Equal):
                replacement, applicability = "is is", Applicability.SAFE
            elif not (isinstance(target.comparator, cst.Name) and target.comparator.value == "None"):
                return
            elif isinstance(op, cst.Equal):
                new = cst.Is(whitespace_before=op.whitespace_before, whitespace_after=op.whitespace_after)
                replacement, applicability = "", Applicability.SAFE
            elif isinstance(op, cst.NotEqual):
                new = cst.IsNot(whitespace_before=op.whitespace_before, whitespace_after=op.whitespace_after)
                replacement, applicability = "", Applicability.UNSAFE
            else:
                return
            if not replacement:
                changed = node.with_changes(comparisons=[target.with_changes(operator=new)], lpar=[], rpar=[])
                replacement = ctx.module.code_for_node(changed)
            where = ctx.position(node)
            edit = Edit(where.start.line, where.start.column + 1, where.end.line, where.end.column + 1, replacement)
            ctx.report(self, node, "compare to None with `is`", fix=Fix("use `is`", applicability, (edit,)))

    return CompareToNone
