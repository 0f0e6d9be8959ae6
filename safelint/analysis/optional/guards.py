"""Helpers from other modules that rule out None: a function of the project annotated
``-> TypeGuard[X]`` or ``-> TypeIs[X]`` tells its caller, when it returns True, that its
first argument is an ``X``, so ``if is_valid(x): x.y`` is checked wherever ``is_valid`` is
defined. The project index carries each function's return annotation written out."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from safelint.context import ModuleContext

__all__ = ["imported_none_guards"]

_GUARDS = frozenset({"typing.TypeGuard", "typing.TypeIs", "typing_extensions.TypeGuard", "typing_extensions.TypeIs"})


def imported_none_guards(ctx: ModuleContext) -> frozenset[str]:
    """The module-level names imported from project functions annotated as type guards."""
    found = set()
    for local, qualname in ctx.names.imports.items():
        function = ctx.index.function(qualname)
        declared = function.returns_declared if function is not None else None
        if declared is not None and declared.partition("[")[0] in _GUARDS:
            found.add(local)
    return frozenset(found)
