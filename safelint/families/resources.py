"""The SL4 family's shared wording: how a message names a resource, how it is released, and
what to write instead."""

from __future__ import annotations

from safelint.analysis.resources.acquisition import Acquisition

__all__ = ["describe", "release_help", "release_verb"]


def describe(site: Acquisition, others: list[Acquisition] | None = None) -> str:
    """``f`` from `open(...)`, ``r``, ``w`` from `os.pipe()`."""
    names = ", ".join(f"`{s.name}`" for s in [site, *(others or [])])
    if site.kind == "fd":
        return f"the file descriptor{'s' if others else ''} {names} from `{site.label}(...)`"
    if site.popen:
        return f"the child process {names} from `{site.label}(...)`"
    return f"{names} from `{site.label}(...)`"


def release_verb(site: Acquisition) -> str:
    if site.kind == "fd":
        return "closed"
    if site.popen:
        return "waited for"
    if site.releases and "close" not in site.releases:
        return "released"
    return "closed"


def release_help(site: Acquisition) -> str:
    if site.kind == "fd":
        return f"close it with `os.close({site.name})` in a `finally`, or hand it to `os.fdopen` and use `with`"
    if site.popen:
        return (
            f"use `with {site.label}(...) as {site.name}:`, or reap it with `{site.name}.wait()`/`communicate()` "
            "on every path (after a `TimeoutExpired`: `kill()`, then `wait()`)"
        )
    return f"use `with {site.label}(...) as {site.name}:`, or release it in a `finally`"
