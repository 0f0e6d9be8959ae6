"""What an editor does that the tests need: initialize, open, edit, wait, apply an edit."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities


async def start(client: LanguageClient, root: Path, options: Any = None) -> types.InitializeResult:
    """Initialize as VS Code would, with ``root`` as the one workspace folder."""
    return await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
            initialization_options=options,
        )
    )


def open_file(client: LanguageClient, path: Path, text: str, write: bool = True) -> str:
    if write:
        path.write_text(text, encoding="utf-8")
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text))
    )
    return uri


def replace_text(client: LanguageClient, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            [types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


async def diagnostics_where(
    client: LanguageClient,
    uri: str,
    predicate: Callable[[Sequence[types.Diagnostic]], bool],
    timeout: float = 30,
) -> Sequence[types.Diagnostic]:
    """Wait until the diagnostics last published for ``uri`` satisfy ``predicate``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        current = client.diagnostics.get(uri)
        if current is not None and predicate(current):
            return current
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise AssertionError(f"timed out waiting for diagnostics; last published: {current}")
        try:
            await asyncio.wait_for(client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), remaining)
        except TimeoutError:
            pass


def codes(diagnostics: Sequence[types.Diagnostic]) -> list[str]:
    return sorted(str(d.code) for d in diagnostics)


def _offset(text: str, where: types.Position) -> int:
    """An LSP (UTF-16) position as an offset into ``text``."""
    lines = text.splitlines(keepends=True)
    offset = sum(len(line) for line in lines[: where.line])
    units = 0
    line = lines[where.line] if where.line < len(lines) else ""
    for char in line:
        if units >= where.character:
            break
        units += 2 if ord(char) > 0xFFFF else 1
        offset += 1
    return offset


def apply_edit(text: str, uri: str, edit: types.WorkspaceEdit | None) -> str:
    """What a client does with a code action's edit."""
    assert edit is not None and edit.changes is not None
    spans = [(_offset(text, e.range.start), _offset(text, e.range.end), e.new_text) for e in edit.changes[uri]]
    for start, end, new in sorted(spans, reverse=True):
        text = text[:start] + new + text[end:]
    return text
