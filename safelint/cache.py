"""The result cache: a file whose bytes, settings and project facts are unchanged is not re-checked.

Entries live in ``.safelint_cache/results/`` as one small JSON file per result, named by a
hash of everything that can change the findings: the file's bytes, the effective settings,
the project index digest, the knowledge base's identity and safelint's version. Entries are
written atomically (a temporary file, then ``os.replace``) so concurrent runs never see half
an entry, and anything unreadable or of another shape is ignored and rebuilt — JSON, never
pickle, so a planted cache cannot run code.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from safelint import __version__
from safelint.results import Applicability, Edit, FileResult, Finding, Fix, Related, Severity

SCHEMA = 2


class ResultCache:
    def __init__(self, directory: Path, run_key: str) -> None:
        self.directory = directory / "results"
        self.run_key = run_key

    @staticmethod
    def run_key_for(settings_digest: str, index_digest: str, knowledge_key: str) -> str:
        parts = (str(SCHEMA), __version__, _code_digest(), settings_digest, index_digest, knowledge_key)
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()

    def key(self, data: bytes, display: str) -> str:
        digest = hashlib.sha256(self.run_key.encode())
        digest.update(display.encode("utf-8", "surrogateescape"))
        digest.update(b"\0")
        digest.update(data)
        return digest.hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> FileResult | None:
        try:
            with self._path(key).open(encoding="utf-8") as handle:
                return _decode(json.load(handle))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, result: FileResult) -> None:
        if result.internal_errors:
            return  # never remember a run that went wrong
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    json.dump(_encode(result), handle)
                os.replace(temp, path)
            except BaseException:
                os.unlink(temp)
                raise
        except OSError:
            pass  # a read-only tree simply runs without a cache


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


def _encode(result: FileResult) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "path": result.path,
        "findings": [f.to_json() for f in result.findings],
        "lines": {str(k): v for k, v in result.lines.items()},
    }


def _decode(data: dict[str, Any]) -> FileResult:
    if data["schema"] != SCHEMA:
        raise ValueError("foreign cache schema")
    findings = []
    for f in data["findings"]:
        fix = f["fix"]
        findings.append(
            Finding(
                code=str(f["code"]),
                name=str(f["name"]),
                severity=Severity(f["severity"]),
                message=str(f["message"]),
                path=str(f["path"]),
                line=int(f["line"]),
                column=int(f["column"]),
                end_line=int(f["end_line"]),
                end_column=int(f["end_column"]),
                help=f["help"],
                fix=None
                if fix is None
                else Fix(
                    str(fix["message"]),
                    Applicability(fix["applicability"]),
                    tuple(
                        Edit(
                            int(e["line"]),
                            int(e["column"]),
                            int(e["end_line"]),
                            int(e["end_column"]),
                            str(e["content"]),
                        )
                        for e in fix["edits"]
                    ),
                ),
                related=tuple(
                    Related(
                        str(r["message"]), int(r["line"]), int(r["column"]), int(r["end_line"]), int(r["end_column"])
                    )
                    for r in f.get("related", [])
                ),
            )
        )
    lines = {int(k): str(v) for k, v in data["lines"].items()}
    return FileResult(str(data["path"]), findings, [], lines)
