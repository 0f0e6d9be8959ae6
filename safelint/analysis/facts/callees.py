"""What the project says about the function or class a call names, even for a file checked alone.

The project index (pass 1) holds a summary of every module of a run. A file checked on its
own — a fixture, a buffer from an editor, a documentation example — is in no index, yet its
``async def`` and ``@must_use`` functions are right there: for names this module defines,
the module is summarised on demand, once, the same way pass 1 would have.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from safelint.analysis.facts.index.summarizer import build_summary
from safelint.analysis.facts.index.summary import ClassSummary, FunctionSummary, ModuleSummary

if TYPE_CHECKING:
    from safelint.context import ModuleContext

__all__ = ["call_target", "project_class", "project_function"]


def call_target(ctx: ModuleContext, call: cst.Call) -> str | None:
    """``ctx.types.call_target`` for a call in the scope being visited."""
    scope = ctx.scope
    return ctx.memo(("call target", call), lambda: ctx.types.call_target(call, scope))


def project_function(ctx: ModuleContext, qualname: str) -> FunctionSummary | None:
    """The summary of the project function or method ``qualname`` (``pkg.mod.C.m``), or
    None; a method a class inherits from a project base class is found there."""
    found = ctx.index.function(qualname)
    if found is not None:
        return found
    owner, _, name = qualname.rpartition(".")
    if ctx.index.klass(owner) is not None:
        return ctx.index.find_method(owner, name)
    own = _own_summary(ctx, qualname)
    if own is None:
        return None
    functions = {f.qualname: f for f in own.functions}
    classes = {c.qualname: c for c in own.classes}
    # Depth-first, left to right through the bases this module defines, as the index does.
    stack, seen = [qualname], set()
    while stack:
        current = stack.pop()
        if current in functions:
            return functions[current]
        klass = classes.get(current.rpartition(".")[0])
        if klass is not None and klass.qualname not in seen:
            seen.add(klass.qualname)
            stack.extend(f"{base}.{name}" for base in reversed(klass.bases))
    return None


def project_class(ctx: ModuleContext, qualname: str) -> ClassSummary | None:
    """The summary of the project class ``qualname``, or None."""
    found = ctx.index.klass(qualname)
    if found is not None:
        return found
    own = _own_summary(ctx, qualname)
    if own is None:
        return None
    return next((c for c in own.classes if c.qualname == qualname), None)


def _own_summary(ctx: ModuleContext, qualname: str) -> ModuleSummary | None:
    """This module's summary when ``qualname`` is one of its names and the index lacks it."""
    module, _ = ctx.module_name
    prefix = module or "<module>"
    if not qualname.startswith(prefix + ".") or (module is not None and ctx.index.module(module) is not None):
        return None
    return ctx.memo("own summary", lambda: build_summary(ctx.path, ctx.text.encode("utf-8"), prefix))
