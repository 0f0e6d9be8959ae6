"""The knowledge base rules ask: facts about library APIs, derived from their stubs."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import libcst as cst

from . import cache, overrides
from .build import Table, build_table
from .calls import CallShape, Candidate, candidates, may_return_none
from .environment import Environment, ThirdPartyFinder, Typeshed, probe_environment
from .model import (
    FREEING_METHODS,
    RELEASE_METHODS,
    Alternative,
    ClassFacts,
    FunctionFacts,
    Kind,
    Param,
    ParamKind,
    Signature,
    TypeFacts,
)
from .resolve import OBJECT, Definition, Linker, ModuleRef, Resolved, substitute_self
from .stubs import (
    POSITIONAL_ONLY,
    POSITIONAL_OR_KEYWORD,
    StubClass,
    StubModule,
    StubOverloads,
    StubVariable,
    Target,
    read_stub,
)

Call = cst.Call | CallShape | None
"""A call site to match against overloads: a libcst node, its shape, or None for "any call"."""

_TYPE_OF = re.compile(r"^\s*(?:builtins\.|typing\.)?(?:type|Type)\[(.+)\]\s*$")


class _Store:
    """Stub records by module name: the cached stdlib table, then third-party packages."""

    def __init__(self, table: Table, finder: ThirdPartyFinder, target: Target) -> None:
        self._table = table
        self._finder = finder
        self._target = target
        self._loaded: dict[str, StubModule | None] = {}

    def module(self, name: str) -> StubModule | None:
        if name in self._loaded:
            return self._loaded[name]
        stub: StubModule | None = None
        blob = self._table.modules.get(name)
        if blob is not None:
            try:
                record = cache.loads_record(blob)
            except Exception:  # a damaged or planted record: the module is unknown, not trusted
                record = None
            stub = record if isinstance(record, StubModule) else None
        else:
            found = self._finder.find(name) if name else None
            if found is not None:
                path, is_package = found
                try:
                    stub = read_stub(path.read_bytes(), name, is_package, self._target)
                except (OSError, SyntaxError, ValueError):
                    stub = None
        self._loaded[name] = stub
        return stub


class Knowledge:
    """Facts about the standard library and installed packages, from their type stubs.

    Names are the dotted names users write (``re.match``, ``os.environ.get``, ``open``,
    ``dict.get``); private defining modules (``_io.TextIOWrapper``) work too. A method
    named through its class or an instance (``re.Pattern.match``, ``os.environ.get``) is
    taken as bound: ``self`` is not among the call's arguments.
    """

    def __init__(
        self,
        table: Table,
        environment: Environment,
        stub_roots: tuple[Path, ...] = (),
        *,
        from_cache: bool = False,
        key: str = "",
    ) -> None:
        self.environment = environment
        self.from_cache = from_cache
        self.key = key  # identifies the stubs this knowledge came from, for result caches
        target = Target(environment.version, environment.platform)
        finder = ThirdPartyFinder(environment.paths, stub_roots)
        self._linker = Linker(_Store(table, finder, target), table.public)
        self._functions: dict[Resolved, FunctionFacts | None] = {}
        self._classes: dict[Definition, ClassFacts] = {}
        self._override_sets: dict[str, dict[Definition, str]] = {}
        self._return_overrides: dict[Definition, tuple[str, str]] | None = None

    @classmethod
    def load(
        cls,
        python: str | None = None,
        *,
        environment: Environment | None = None,
        cache_dir: Path | None = None,
    ) -> Knowledge:
        """The knowledge base for ``python`` (an interpreter path; None: the current one).

        The stdlib table comes from the cache when it is intact and current, else it is
        built and cached. ``environment`` skips asking the interpreter (workers get it
        from the parent).
        """
        if environment is None:
            environment = probe_environment(python)
        typeshed = Typeshed.locate()
        target = Target(environment.version, environment.platform)
        key = cache.cache_key(typeshed, target)
        directory = cache_dir or cache.cache_directory()
        table = cache.load(directory, key)
        from_cache = table is not None
        if table is None:
            table = build_table(typeshed, target)
            cache.save(directory, key, table)
        return cls(table, environment, typeshed.stub_roots(), from_cache=from_cache, key=key)

    @property
    def linker(self) -> Linker:
        """The stub linker itself, for the type evaluator's reading of stubs as types."""
        return self._linker

    # -- names ------------------------------------------------------------------------

    def public_name(self, qualname: str) -> str | None:
        """The name users write for what ``qualname`` denotes, or None if unknown."""
        found = self._linker.resolve(qualname)
        if found is None:
            return None
        if isinstance(found.target, ModuleRef):
            return found.target.name
        return self._linker.public_name(found.target)

    # -- callables --------------------------------------------------------------------

    def function(self, qualname: str) -> FunctionFacts | None:
        """The signatures of a function, method, or class (its constructor)."""
        found = self._linker.resolve(qualname)
        return self._callable(found) if found is not None else None

    def method(self, class_qualname: str, name: str) -> FunctionFacts | None:
        """Method ``name`` of instances of ``class_qualname``, found through the MRO."""
        klass = self._class_definition(class_qualname)
        found = self._linker.class_member(klass, name) if klass is not None else None
        return self._callable(found) if found is not None else None

    def returns_optional(self, qualname: str, call: Call = None) -> bool | None:
        """Whether the result may be None: ``re.match``, ``d.get(k)``, ``next(it, None)``.

        With a call, only the overloads it selects count. None when ``qualname`` is unknown
        or the answer depends on arguments the call does not show.
        """
        return _agree(may_return_none(c) for c in self._candidates(qualname, call))

    def return_type(self, qualname: str, call: Call = None) -> str | None:
        """The class of the result when the stub names exactly one: ``re.compile`` returns
        ``re.Pattern``; ``open(p, "rb")`` an ``io.BufferedReader``."""
        classes = {_single_class(c[0].returns) for c in self._candidates(qualname, call)}
        if len(classes) != 1:
            return None
        return classes.pop()

    def returns_resource(self, qualname: str, call: Call = None) -> bool | None:
        """Whether calling it acquires a resource to release: a resource class's
        constructor, or a callable whose result is an instance of one. None when unknown
        or when it depends on arguments the call does not show."""
        klass = self._class_definition(qualname)
        if klass is not None:
            return self._class(klass).is_resource
        return _agree(
            any(self.is_resource_class(name) for name in _classes(c[0].returns))
            for c in self._candidates(qualname, call)
        )

    def is_coroutine_function(self, qualname: str) -> bool:
        """Calling it makes a coroutine that does nothing until awaited."""
        facts = self.function(qualname)
        return facts is not None and facts.is_coroutine_function

    def returns_awaitable(self, qualname: str) -> bool:
        """Calling it makes something to await: a coroutine, a future or a task (``gather``)."""
        facts = self.function(qualname)
        if facts is None:
            return False
        if facts.is_coroutine_function:
            return True
        return any(self._is_awaitable_class(name) for s in facts.signatures for name in _classes(s.returns))

    def returns_none(self, qualname: str) -> bool:
        """Every overload returns exactly None (``list.append``): there is no result to keep."""
        facts = self.function(qualname)
        return facts is not None and facts.returns_none

    def is_noreturn(self, qualname: str) -> bool:
        """Annotated ``NoReturn``/``Never`` (``sys.exit``): code after the call is dead."""
        facts = self.function(qualname)
        return facts is not None and facts.noreturn

    def is_pure(self, qualname: str) -> bool:
        """Its result is its only effect: a reviewed pure function, or a method of a value
        type that returns something (``str.strip``)."""
        found = self._linker.resolve(qualname)
        if found is None or not isinstance(found.target, Definition):
            return False
        if found.target in self._overrides("pure", overrides.PURE_FUNCTIONS):
            return True
        if found.receiver is None:
            return False
        return self._immutable_method(found.receiver, found.target.path[-1])

    # -- classes ----------------------------------------------------------------------

    def class_facts(self, qualname: str) -> ClassFacts | None:
        klass = self._class_definition(qualname)
        return self._class(klass) if klass is not None else None

    def is_resource_class(self, qualname: str) -> bool:
        facts = self.class_facts(qualname)
        return facts is not None and facts.is_resource

    def is_lock_class(self, qualname: str) -> bool:
        """A lock class, or a factory of one (``multiprocessing.Lock``, called like a class)."""
        facts = self.class_facts(qualname)
        if facts is None:
            returned = self.return_type(qualname)
            facts = self.class_facts(returned) if returned is not None else None
        return facts is not None and facts.is_lock

    def is_immutable_method(self, class_qualname: str, name: str) -> bool:
        """``name`` on a value type computes and returns a result instead of mutating."""
        klass = self._class_definition(class_qualname)
        return klass is not None and self._immutable_method(klass, name)

    # -- variables --------------------------------------------------------------------

    def variable(self, qualname: str) -> TypeFacts | None:
        """The declared type of a module variable, class attribute or property."""
        found = self._linker.resolve(qualname)
        if found is None or not isinstance(found.target, Definition):
            return None
        target = found.target
        binding = target.binding
        if isinstance(binding, StubVariable):
            facts = self._linker.variable_type(target)
        elif isinstance(binding, StubOverloads) and "property" in binding.signatures[0].decorators:
            facts = self._linker.property_type(target)
        else:
            return None
        if facts is not None and found.receiver is not None:
            facts = substitute_self(facts, self._linker.public_name(found.receiver))
        return facts

    def variable_type(self, qualname: str) -> str | None:
        """The class of a variable's value (``os.environ``: ``os._Environ``)."""
        return _single_class(self.variable(qualname))

    # -- describing -------------------------------------------------------------------

    def describe(self, name: str) -> str:
        """A human-readable summary of every fact about ``name`` (``safelint knowledge NAME``)."""
        found = self._linker.resolve(name)
        if found is None:
            return f"{name}: unknown (no stub defines it)"
        target = found.target
        if isinstance(target, ModuleRef):
            return f"{name}: module {target.name}"
        lines: list[str] = []
        klass = self._class_definition(name)
        if klass is not None:
            lines.extend(self._describe_class(name, self._class(klass)))
        facts = self.function(name)
        if facts is not None:
            lines.extend(self._describe_callable(name, facts))
        variable = self.variable(name)
        if variable is not None:
            kind = "optional " if variable.optional else ""
            lines.append(f"{name}: {kind}variable of type {variable.text}")
            if variable.classes:
                lines.append(f"  class: {', '.join(variable.classes)}")
        if not lines:
            lines.append(f"{name}: {self._linker.public_name(target)} (no facts)")
        return "\n".join(lines)

    def _describe_class(self, name: str, facts: ClassFacts) -> Iterable[str]:
        traits = [
            trait
            for trait, present in (
                ("resource", facts.is_resource),
                ("lock", facts.is_lock),
                ("immutable", facts.is_immutable),
                ("protocol", facts.is_protocol),
                ("awaitable", facts.is_awaitable),
            )
            if present
        ]
        yield f"{name}: class {facts.qualname}" + (f" ({', '.join(traits)})" if traits else "")
        if facts.release_methods:
            yield f"  release methods: {', '.join(sorted(facts.release_methods))}"
        if facts.override:
            yield f"  override: {facts.override}"
        yield f"  mro: {' -> '.join(facts.ancestors)}"

    def _describe_callable(self, name: str, facts: FunctionFacts) -> Iterable[str]:
        qualname = facts.qualname if facts.kind != "constructor" else f"{facts.qualname}()"
        yield f"{name}: {facts.kind} {qualname}"
        for signature in facts.signatures:
            returns = signature.returns.text if signature.returns is not None else "?"
            prefix = "async " if signature.is_async else ""
            yield f"  {prefix}({_format_params(signature.params)}) -> {returns}"
        optional = self.returns_optional(name)
        if optional:
            texts = {s.returns.text for s in facts.signatures if s.returns is not None}
            yield f"  returns Optional ({' / '.join(sorted(texts))})"
        elif optional is None and any(may_return_none((s, {})) for s in facts.signatures):
            yield "  returns Optional for some arguments (see the overloads)"
        returned = self.return_type(name)
        if returned is not None:
            yield f"  return type: {returned}"
        for signature in facts.signatures:
            items = signature.returns.items if signature.returns is not None else None
            if items and any(item.optional for item in items):
                optional_items = ", ".join(f"{index}: {item.text}" for index, item in enumerate(items) if item.optional)
                yield f"  returns a tuple with Optional items ({optional_items})"
        resource = self.returns_resource(name)
        if resource is not None and resource:
            classes = dict.fromkeys(c for s in facts.signatures for c in _classes(s.returns))
            yield f"  returns a resource ({', '.join(classes)})"
        for fact, present in (
            ("coroutine function", facts.is_coroutine_function),
            ("returns an awaitable", self.returns_awaitable(name)),
            ("returns None (nothing to use)", facts.returns_none),
            ("never returns", facts.noreturn),
            ("pure (its result is its only effect)", self.is_pure(name)),
        ):
            if present:
                yield f"  {fact}"
        found = self._linker.resolve(name)
        pure = self._overrides("pure", overrides.PURE_FUNCTIONS)
        if found is not None and isinstance(found.target, Definition) and found.target in pure:
            yield f"  override: pure, {pure[found.target]}"
        if facts.override:
            yield f"  override: returns {returned}, {facts.override}"

    # -- internals --------------------------------------------------------------------

    def _class_definition(self, qualname: str) -> Definition | None:
        found = self._linker.resolve(qualname)
        if found is None or not isinstance(found.target, Definition):
            return None
        return found.target if isinstance(found.target.binding, StubClass) else None

    def _candidates(self, qualname: str, call: Call) -> list[Candidate]:
        facts = self.function(qualname)
        if facts is None:
            return []
        return candidates(facts.signatures, _shape(call), self._is_subclass)

    def _is_subclass(self, subclass: str, klass: str) -> bool | None:
        sub = self._class_definition(subclass)
        base = self._class_definition(klass)
        if sub is None or base is None or self._linker.is_protocol(base):
            return None
        return base in self._linker.mro(sub)

    def _is_awaitable_class(self, qualname: str) -> bool:
        facts = self.class_facts(qualname)
        return facts is not None and facts.is_awaitable

    def _callable(self, found: Resolved) -> FunctionFacts | None:
        if found in self._functions:
            return self._functions[found]
        facts: FunctionFacts | None = None
        target = found.target
        if isinstance(target, Definition):
            binding = target.binding
            if isinstance(binding, StubClass):
                facts = self._constructor(target)
            elif isinstance(binding, StubOverloads) and "property" not in binding.signatures[0].decorators:
                facts = self._function(target, found.receiver)
            elif isinstance(binding, StubVariable):  # a callable instance: ``exit`` is a Quitter
                instance_of = self._linker.single_class(self._linker.variable_type(target))
                call = self._linker.class_member(instance_of, "__call__") if instance_of else None
                facts = self._callable(call) if call is not None else None
        self._functions[found] = facts
        return facts

    def _function(self, definition: Definition, receiver: Definition | None) -> FunctionFacts:
        binding = definition.binding
        assert isinstance(binding, StubOverloads)
        linker = self._linker
        module, owner = definition.module, definition.owner
        self_class = receiver or owner
        self_name = linker.public_name(self_class) if self_class is not None else None
        replaced, reason = self._return_override(definition)
        signatures: list[Signature] = []
        for stub in binding.signatures:
            params = stub.params
            self_typevar: str | None = None
            if (
                owner is not None
                and "staticmethod" not in stub.decorators
                and params
                and params[0].kind in (POSITIONAL_ONLY, POSITIONAL_OR_KEYWORD)
            ):
                annotation = params[0].annotation
                if annotation is not None:
                    inner = _TYPE_OF.match(annotation)
                    self_type = linker.type_of(module, owner, inner.group(1) if inner else annotation)
                    if len(self_type.alternatives) == 1 and self_type.alternatives[0].kind is Kind.TYPEVAR:
                        self_typevar = self_type.alternatives[0].name
                params = params[1:]
            returns = linker.type_of(module, owner, stub.returns) if stub.returns is not None else None
            if replaced is not None:
                returns = TypeFacts(replaced, (Alternative(Kind.CLASS, replaced),))
            elif returns is not None and self_name is not None:
                returns = substitute_self(returns, self_name, self_typevar)
            signatures.append(
                Signature(
                    tuple(
                        Param(
                            p.name,
                            ParamKind(p.kind),
                            p.has_default,
                            linker.type_of(module, owner, p.annotation) if p.annotation is not None else None,
                        )
                        for p in params
                    ),
                    returns,
                    stub.is_async,
                )
            )
        return FunctionFacts(
            linker.public_name(definition),
            "method" if owner is not None else "function",
            tuple(signatures),
            reason,
        )

    def _constructor(self, klass: Definition) -> FunctionFacts:
        """Calling a class: the signatures of the nearest ``__init__`` or ``__new__``."""
        name = self._linker.public_name(klass)
        returns = TypeFacts(name, (Alternative(Kind.CLASS, name),))
        initializer: FunctionFacts | None = None
        for ancestor in self._linker.mro(klass):
            if ancestor.qualname == OBJECT:
                break
            members = ancestor.binding.members if isinstance(ancestor.binding, StubClass) else {}
            method = "__init__" if "__init__" in members else "__new__" if "__new__" in members else None
            if method is None:
                continue
            found = self._linker.class_member(klass, method)
            if (
                found is not None
                and isinstance(found.target, Definition)
                and isinstance(found.target.binding, StubOverloads)
            ):
                initializer = self._function(found.target, klass)
            break
        signatures = (
            tuple(Signature(s.params, returns, False) for s in initializer.signatures)
            if initializer is not None
            else (Signature((), returns, False),)
        )
        return FunctionFacts(name, "constructor", signatures)

    def _class(self, klass: Definition) -> ClassFacts:
        known = self._classes.get(klass)
        if known is not None:
            return known
        mro = self._linker.mro(klass)
        methods: set[str] = set()
        for ancestor in mro:
            if ancestor.qualname != OBJECT and isinstance(ancestor.binding, StubClass):
                methods.update(
                    name for name, member in ancestor.binding.members.items() if isinstance(member, StubOverloads)
                )
        if any(d in self._overrides("released-by-attribute", overrides.RELEASED_BY_ATTRIBUTE) for d in mro):
            methods.add("shutdown")
        releases = frozenset(RELEASE_METHODS & methods)
        # A lock is acquired and released, and also a context manager (``with lock:``);
        # ``logging.Handler`` has acquire/release for its internal lock but is no lock.
        is_lock = {"acquire", "release"} <= methods and bool({"__exit__", "__aexit__"} & methods)
        excluded = self._overrides("not-resource", overrides.NOT_RESOURCES)
        override = next((excluded[d] for d in mro if d in excluded), None)
        immutable = self._overrides("immutable", overrides.IMMUTABLE_CLASSES)
        facts = ClassFacts(
            qualname=self._linker.public_name(klass),
            ancestors=tuple(self._linker.public_name(d) for d in mro),
            release_methods=releases,
            is_resource=bool(releases & FREEING_METHODS) and not is_lock and override is None,
            is_lock=is_lock,
            is_immutable=any(d in immutable for d in mro),
            is_protocol=self._linker.is_protocol(klass),
            is_awaitable="__await__" in methods,
            override=override,
        )
        self._classes[klass] = facts
        return facts

    def _immutable_method(self, klass: Definition, name: str) -> bool:
        found = self._linker.class_member(klass, name)
        if found is None or not isinstance(found.target, Definition) or found.target.owner is None:
            return False
        facts = self._callable(found)
        if facts is None or facts.returns_none or facts.noreturn:
            return False
        owner = found.target.owner
        immutable = self._overrides("immutable", overrides.IMMUTABLE_CLASSES)
        return any(
            value_type in immutable and owner.qualname != OBJECT and owner in self._linker.mro(value_type)
            for value_type in self._linker.mro(klass)
        )

    def _overrides(self, kind: str, entries: tuple[overrides.Override, ...]) -> dict[Definition, str]:
        """An override list resolved to definitions (resolved once, on first use)."""
        resolved = self._override_sets.get(kind)
        if resolved is None:
            resolved = {}
            for entry in entries:
                found = self._linker.resolve(entry.name)
                if found is not None and isinstance(found.target, Definition):
                    resolved[found.target] = entry.reason
            self._override_sets[kind] = resolved
        return resolved

    def _return_override(self, definition: Definition) -> tuple[str | None, str | None]:
        """The class and the reason of an override of ``definition``'s return type."""
        if self._return_overrides is None:
            self._return_overrides = {}
            for entry in overrides.RETURN_TYPES:
                found = self._linker.resolve(entry.name)
                if found is not None and isinstance(found.target, Definition):
                    self._return_overrides[found.target] = (entry.returns, entry.reason)
        return self._return_overrides.get(definition, (None, None))


def _shape(call: Call) -> CallShape | None:
    if isinstance(call, cst.Call):
        return CallShape.of(call)
    return call


def _agree(values: Iterable[bool]) -> bool | None:
    """The common answer of every candidate overload; None when there is none or they differ."""
    distinct = set(values)
    return distinct.pop() if len(distinct) == 1 else None


def _classes(facts: TypeFacts | None) -> tuple[str, ...]:
    return facts.classes if facts is not None else ()


def _single_class(facts: TypeFacts | None) -> str | None:
    classes = _classes(facts)
    return classes[0] if len(classes) == 1 else None


def _format_params(params: tuple[Param, ...]) -> str:
    parts: list[str] = []
    for param in params:
        prefix = {ParamKind.VAR_POSITIONAL: "*", ParamKind.VAR_KEYWORD: "**"}.get(param.kind, "")
        text = prefix + param.name
        if param.type is not None:
            text += f": {param.type.text}"
        if param.has_default and not prefix:
            text += " = ..."
        parts.append(text)
    return ", ".join(parts)
