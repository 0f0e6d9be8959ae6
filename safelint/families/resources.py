"""The SL4 family's shared wording: how a message names a resource, how it is released, and
what to write instead."""

from __future__ import annotations

from typing import TYPE_CHECKING

from safelint.analysis.facts.callees import project_class
from safelint.analysis.resources.acquisition import Acquisition, is_sqlite_connection

if TYPE_CHECKING:
    from safelint.context import ModuleContext

__all__ = ["describe", "grammar", "manager_statement", "release_help", "release_verb"]


def describe(site: Acquisition, others: list[Acquisition] | None = None) -> str:
    """``f`` from `open(...)`, ``r``, ``w`` from `os.pipe()`."""
    names = ", ".join(f"`{s.name}`" for s in [site, *(others or [])])
    if site.kind == "fd":
        return f"the file descriptor{'s' if others else ''} {names} from `{site.label}(...)`"
    if site.popen:
        return f"the child process {names} from `{site.label}(...)`"
    return f"{names} from `{site.label}(...)`"


def grammar(others: list[Acquisition] | None) -> tuple[str, str]:
    """The verb and pronoun for what ``describe`` named: one resource, or several acquired together."""
    return ("are", "them") if others else ("is", "it")


def release_verb(site: Acquisition) -> str:
    if site.kind == "fd":
        return "closed"
    if site.popen:
        return "waited for"
    if site.releases and "close" not in site.releases:
        return "released"
    return "closed"


def manager_statement(ctx: ModuleContext, type_name: str | None) -> str | None:
    """``with`` when the class is a context manager (the knowledge base, or the project's class,
    defines ``__exit__``), ``async with`` when only an asynchronous one, None when it is not
    one or nothing is known: an event loop or an ``HTTPConnection`` has ``close()`` only."""
    if type_name is None:
        return None
    facts = ctx.knowledge.class_facts(type_name)
    if facts is not None:
        methods = facts.release_methods
    else:
        klass = project_class(ctx, type_name)
        methods = frozenset(klass.methods) if klass is not None else frozenset()
    if "__exit__" in methods:
        return "with"
    return "async with" if "__aexit__" in methods else None


def release_help(ctx: ModuleContext, site: Acquisition) -> str:
    """How to release it on every path: a ``with`` only for a context manager, else ``try``/``finally``."""
    if site.kind == "fd":
        return f"close it with `os.close({site.name})` in a `finally`, or hand it to `os.fdopen` and use `with`"
    if site.popen and "__exit__" not in site.releases:
        return (
            f"reap it with `await {site.name}.wait()` or `await {site.name}.communicate()` on every path "
            f"(in a `finally`, `{site.name}.kill()` first if it may still run)"
        )
    if site.popen:
        return (
            f"use `with {site.label}(...) as {site.name}:`, or reap it with `{site.name}.wait()`/`communicate()` "
            "on every path (after a `TimeoutExpired`: `kill()`, then `wait()`)"
        )
    release = next((m for m in ("close", "aclose", "shutdown", "release") if m in site.releases), "close")
    finally_help = f"call `{site.name}.{release}()` in the `finally` of a `try` that starts right after it"
    statement = manager_statement(ctx, site.type)
    if statement is None:
        return finally_help
    if is_sqlite_connection(site.qualname):
        # A connection's `with` ends the transaction and leaves the connection open.
        return f"use `with contextlib.closing({site.label}(...)) as {site.name}:`, or {finally_help}"
    return f"use `{statement} {site.label}(...) as {site.name}:`, or {finally_help}"
