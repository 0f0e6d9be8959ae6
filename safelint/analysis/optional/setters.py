"""Property setters that store the value they are given: ``self.token = t`` through

    @token.setter
    def token(self, value): self._token = value

leaves ``self._token`` holding ``t``, so a field declared Optional is as None or not as ``t``
after it. Only a setter whose body stores its value parameter in the field unconditionally
(a statement of its own body, the field stored nowhere else there, no early return) counts."""

from __future__ import annotations

import libcst as cst

from safelint.analysis.syntax import dotted_name, parameters, walk

__all__ = ["method_stores", "property_stores"]


def property_stores(klass: cst.ClassDef) -> dict[str, tuple[str, ...]]:
    """Per property of ``klass`` with such a setter, the fields it stores its value in."""
    body = klass.body.body if isinstance(klass.body, cst.IndentedBlock) else ()
    found: dict[str, tuple[str, ...]] = {}
    for statement in body:
        if isinstance(statement, cst.FunctionDef) and _is_setter(statement):
            fields = _stored_value_fields(statement)
            if fields:
                found[statement.name.value] = fields
    return found


def method_stores(method: cst.FunctionDef, stores: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """``stores`` as the narrowing's keys in ``method``: ``self.token`` -> ``("self._token",)``."""
    params = parameters(method.params)
    if not stores or not params:
        return {}
    me = params[0].name.value
    return {f"{me}.{prop}": tuple(f"{me}.{field}" for field in fields) for prop, fields in stores.items()}


def _is_setter(function: cst.FunctionDef) -> bool:
    """``@token.setter`` on ``def token``."""
    written = f"{function.name.value}.setter"
    return any(dotted_name(d.decorator) == written for d in function.decorators)


def _stored_value_fields(setter: cst.FunctionDef) -> tuple[str, ...]:
    params = parameters(setter.params)
    if len(params) != 2 or not isinstance(setter.body, cst.IndentedBlock):
        return ()
    if any(isinstance(node, cst.Return) for node in walk(setter.body)):
        return ()  # a path that returns before the store leaves the field as it was
    me, value = params[0].name.value, params[1].name.value
    direct: list[str] = []
    for line in setter.body.body:
        if isinstance(line, cst.SimpleStatementLine):
            for small in line.body:
                if isinstance(small, cst.Assign) and isinstance(small.value, cst.Name) and small.value.value == value:
                    direct += (f for t in small.targets if (f := _field(t.target, me)) is not None)
    stores: dict[str, int] = {}
    for node in walk(setter.body):
        targets: list[cst.BaseExpression] = []
        if isinstance(node, cst.Assign):
            targets = [t.target for t in node.targets]
        elif isinstance(node, (cst.AnnAssign, cst.AugAssign)):
            targets = [node.target]
        for target in targets:
            field = _field(target, me)
            if field is not None:
                stores[field] = stores.get(field, 0) + 1
    return tuple(f for f in dict.fromkeys(direct) if stores.get(f) == 1)


def _field(target: cst.BaseExpression, me: str) -> str | None:
    if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) and target.value.value == me:
        return target.attr.value
    return None
