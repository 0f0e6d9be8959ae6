"""The result cache: a file whose bytes, settings and project facts are unchanged is not re-checked.

A result is kept in the store (``safelint/store.py``) under a hash of everything that can
change its findings: the file's bytes and name, the effective settings, the project index
digest, the knowledge base's identity, and safelint's version and code.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from safelint import __version__
from safelint.results import Applicability, Edit, FileResult, Finding, Fix, Related, Severity
from safelint.store import (
    Codec,
    Store,
    as_dict,
    as_int,
    as_list,
    as_text,
    as_text_or_none,
    content_key,
)


class ResultCache:
    """The results of one run's settings, in the cache folder ``directory``."""

    def __init__(self, directory: Path, run_key: str) -> None:
        self.store = Store(directory)
        self.run_key = run_key

    @staticmethod
    def run_key_for(settings_digest: str, index_digest: str, knowledge_key: str) -> str:
        return content_key(__version__, _code_digest(), settings_digest, index_digest, knowledge_key)

    def key(self, data: bytes, display: str) -> str:
        return content_key(self.run_key, display, data)

    def get(self, key: str) -> FileResult | None:
        return self.store.get(RESULTS, key)

    def put(self, key: str, result: FileResult) -> None:
        if not result.internal_errors:  # never remember a run that went wrong
            self.store.put(RESULTS, key, result)


_CODE_DIGEST: list[str] = []


def _code_digest() -> str:
    """safelint's own code (path, size, mtime of every module): an edited rule must not reuse
    findings its old version produced, even before the version number changes."""
    if not _CODE_DIGEST:
        import importlib

        import safelint

        digest = hashlib.sha256()
        for package in (safelint, importlib.import_module("safelint.rules")):
            for directory in package.__path__:
                for path in sorted(Path(directory).rglob("*.py")):
                    stat = path.stat()
                    digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
        _CODE_DIGEST.append(digest.hexdigest())
    return _CODE_DIGEST[0]


def _encode(result: FileResult) -> bytes:
    document = {
        "path": result.path,
        "findings": [f.to_json() for f in result.findings],
        "lines": {str(k): v for k, v in result.lines.items()},
    }
    return json.dumps(document, separators=(",", ":")).encode()


def _decode(payload: bytes) -> FileResult:
    data = as_dict(json.loads(payload))
    findings = [_finding(as_dict(f)) for f in as_list(data["findings"])]
    lines = {int(k): as_text(v) for k, v in as_dict(data["lines"]).items()}
    return FileResult(as_text(data["path"]), findings, [], lines)


def _finding(f: dict[str, Any]) -> Finding:
    fix = f["fix"]
    return Finding(
        code=as_text(f["code"]),
        name=as_text(f["name"]),
        severity=Severity(f["severity"]),
        message=as_text(f["message"]),
        path=as_text(f["path"]),
        line=as_int(f["line"]),
        column=as_int(f["column"]),
        end_line=as_int(f["end_line"]),
        end_column=as_int(f["end_column"]),
        help=as_text_or_none(f["help"]),
        fix=None if fix is None else _fix(as_dict(fix)),
        related=tuple(_related(as_dict(r)) for r in as_list(f.get("related", []))),
    )


def _fix(fix: dict[str, Any]) -> Fix:
    edits = tuple(
        Edit(
            as_int(e["line"]),
            as_int(e["column"]),
            as_int(e["end_line"]),
            as_int(e["end_column"]),
            as_text(e["content"]),
        )
        for e in map(as_dict, as_list(fix["edits"]))
    )
    return Fix(as_text(fix["message"]), Applicability(fix["applicability"]), edits)


def _related(r: dict[str, Any]) -> Related:
    return Related(
        as_text(r["message"]), as_int(r["line"]), as_int(r["column"]), as_int(r["end_line"]), as_int(r["end_column"])
    )


RESULTS: Codec[FileResult] = Codec("results", 3, _encode, _decode)
"""A file's findings and the source lines they point at."""
