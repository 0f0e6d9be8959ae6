"""``--show-settings``: the configuration a file is checked with, and where each value came from
(the default, a configuration file, the command line), so "why is this rule on?" has an answer
without reading three files and a CI script."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from safelint.config import Settings
from safelint.project import SettingsResolver, find_root
from safelint.runner import default_jobs

# Each key of [tool.safelint] with its value in ``Settings``, and what an unset value means.
_KEYS: tuple[tuple[str, str, str], ...] = (
    ("select", "select", "every rule that is on by default"),
    ("extend-select", "extend_select", ""),
    ("ignore", "ignore", ""),
    ("per-file-ignores", "per_file_ignores", ""),
    ("exclude", "exclude", ""),
    ("extend-exclude", "extend_exclude", ""),
    ("respect-gitignore", "respect_gitignore", ""),
    ("jobs", "jobs", "the number of CPUs"),
    ("python", "python", "the interpreter running safelint"),
    ("require-suppression-reason", "require_suppression_reason", ""),
    ("honour-type-ignores", "honour_type_ignores", ""),
    ("plugins", "plugins", ""),
)


def settings_of(path: Path, resolver: SettingsResolver) -> dict[str, Any]:
    """Everything ``--show-settings`` shows, as JSON-ready data."""
    settings = resolver(path)
    values: dict[str, dict[str, Any]] = {}
    for key, attribute, unset in _KEYS:
        value = _plain(getattr(settings, attribute))
        if key == "per-file-ignores":
            value = {pattern: codes for pattern, codes in value}
        if key == "jobs" and value is None:
            unset = f"{unset}: {default_jobs()}"
        values[key] = {"value": value, "source": settings.origin(key)} | ({"unset": unset} if value is None else {})
    return {
        "path": str(path),
        "configuration": str(settings.config_path) if settings.config_path else None,
        "project_root": str(find_root(path)),
        "settings": values,
        "rules": _rule_options(settings),
        "enabled": sorted(settings.enabled_codes()),
    }


def _rule_options(settings: Settings) -> dict[str, dict[str, Any]]:
    source = settings.origin("rules")
    return {
        code: {name: {"value": _plain(value), "source": source} for name, value in options}
        for code, options in settings.rule_options
    }


def _plain(value: Any) -> Any:
    """Tuples and sets as lists: what TOML and JSON show."""
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(_plain(v) for v in value)
    return value


def render_text(data: dict[str, Any]) -> str:
    """TOML-like lines, each with its source as a comment."""
    lines = [
        f"# Settings for {data['path']}",
        f"# configuration file: {data['configuration'] or 'none: the defaults'}",
        f"# project root: {data['project_root']}",
    ]
    rows = []
    for key, item in data["settings"].items():
        shown = f"(not set: {item['unset']})" if "unset" in item else _toml(item["value"])
        rows.append((f"{key} = {shown}", item["source"]))
    for code, options in data["rules"].items():
        rows.extend((f"rules.{code}.{name} = {_toml(o['value'])}", o["source"]) for name, o in options.items())
    width = min(max(len(left) for left, _ in rows), 48)  # a long list is not padded after
    lines.extend(f"{left:<{width}}  # {source}" for left, source in rows)
    lines.append(f"# enabled rules ({len(data['enabled'])}): {', '.join(data['enabled'])}")
    return "\n".join(lines) + "\n"


def render_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2) + "\n"


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + " }" if value else "{}"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value, default=str)
