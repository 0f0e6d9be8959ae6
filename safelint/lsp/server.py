"""The language server: live diagnostics and quick fixes from the same engine the CLI runs.

Checks run on one worker thread, never on the event loop, so the server keeps answering
(code actions, cancellations, shutdown) while a big file is analysed. A check is published
only if the document still has the version that was checked; an edit made meanwhile has
scheduled a check of its own. Nothing one document does (a syntax error, a rule that raises,
a broken configuration) may stop the server: it is logged to the client and the server goes on.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import threading
import traceback
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.exceptions import FeatureRequestError, JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path
from pygls.workspace import TextDocument

from safelint import __version__
from safelint.api import allowed, apply_fixes, check_source
from safelint.config import CONFIG_FILES, ConfigError
from safelint.discovery import SOURCE_SUFFIXES
from safelint.lsp import convert
from safelint.lsp.folders import ClientOptions, Folder, LiveProject
from safelint.lsp.protocol import SafelintProtocol
from safelint.project import Project, build_project, find_root, knowledge
from safelint.results import Finding, RunResult
from safelint.rule import all_rules
from safelint.suppress import scan

DEBOUNCE_SECONDS = 0.15
"""Quiet time after an edit before the buffer is checked: one check per pause, not per key."""

_CONFIG_GLOBS = tuple(f"**/{name}" for name in CONFIG_FILES)


def lint(folder: Folder, path: Path | None, text: str, project: Project | None = None) -> RunResult | None:
    """Check a buffer as ``safelint check`` would check the saved file (None: it is excluded),
    with ``project`` (else an index of the file alone, until its project is indexed)."""
    if path is not None and folder.excluded(path):
        return None
    if project is None:
        project = build_project([path] if path is not None and path.is_file() else [], find_root(path or folder.root))
    display = str(path) if path is not None else "<buffer>"
    return check_source(text, display, folder.resolver, path, project=project)


@dataclass
class Checked:
    """The findings published for one version of a document, kept for its code actions."""

    version: int | None
    text: str
    findings: list[Finding]
    lines: list[str] = field(init=False)
    _fixed: str | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.lines = convert.split_lines(self.text)

    def has_safe_fixes(self) -> bool:
        return any(allowed(f.fix, unsafe=False) for f in self.findings)

    def fixed(self) -> str:
        """The text with every safe fix applied (one round of ``--fix``), computed on first use:
        it parses the file once per fix, too slow to do for every publish."""
        if self._fixed is None:
            self._fixed, _ = apply_fixes(self.text, [f for f in self.findings if allowed(f.fix, unsafe=False)])
        return self._fixed


def _kind(kind: types.CodeActionKind | str) -> str:
    return kind.value if isinstance(kind, types.CodeActionKind) else kind


def _wanted(kind: str, only: Sequence[types.CodeActionKind | str] | None) -> bool:
    return only is None or any(kind == _kind(k) or kind.startswith(_kind(k) + ".") for k in only)


def _path(uri: str) -> Path | None:
    path = to_fs_path(uri) if uri.startswith("file:") else None
    return Path(path) if path else None


class SafelintServer(LanguageServer):
    """The editor's documents, the workspace folders and the checks in flight.

    State changes only on the event loop; the worker thread gets everything it needs as
    arguments (the text, the path, the folder) and hands back a result.
    """

    def __init__(self) -> None:
        super().__init__(
            "safelint",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=SafelintProtocol,
        )
        self.protocol: SafelintProtocol
        self.options = ClientOptions()
        self.folders: dict[Path, Folder] = {}
        self.loose: dict[Path, Folder] = {}
        self.checked: dict[str, Checked] = {}
        self.pending: dict[str, asyncio.Task[None]] = {}
        self.checks = ThreadPoolExecutor(max_workers=1, thread_name_prefix="safelint-check")
        self.shown_errors: set[str] = set()
        self._background_lock = threading.Lock()

    # -- logging ------------------------------------------------------------------------------

    def log(self, message: str, kind: types.MessageType = types.MessageType.Error) -> None:
        self.window_log_message(types.LogMessageParams(type=kind, message=message))

    def report_server_error(self, error: Exception, source: Any) -> None:
        """What pygls could not handle: one line in the client's log (not a pop-up per bad
        message); text that is not JSON is answered with a parse error."""
        if isinstance(error, (json.JSONDecodeError, UnicodeDecodeError)):
            self.protocol.parse_error(error)
        elif source is not FeatureRequestError:  # a failed request has had its error answer
            self.log(f"safelint: {type(error).__name__}: {error}")

    def config_error(self, message: str) -> None:
        """Shown once per distinct error (not once per keystroke), logged every time."""
        self.log(f"safelint: {message}")
        if message not in self.shown_errors:
            self.shown_errors.add(message)
            self.window_show_message(
                types.ShowMessageParams(type=types.MessageType.Error, message=f"safelint: {message}")
            )

    # -- folders and configuration ------------------------------------------------------------

    def set_folders(self, roots: Iterable[Path]) -> None:
        """Keep the folders still open, index the projects of new ones in the background."""
        wanted = set(roots)
        self.folders = {root: f for root, f in self.folders.items() if root in wanted}
        for root in sorted(wanted - set(self.folders)):
            self.folders[root] = Folder(root, self.options)
            self.project_for(self.folders[root], root)

    def workspace_roots(self) -> list[Path]:
        roots = [_path(f.uri) for f in self.workspace.folders.values()]
        if not roots and self.workspace.root_uri:
            roots = [_path(self.workspace.root_uri)]
        return [r for r in roots if r is not None]

    def folder_for(self, path: Path | None) -> Folder:
        """The innermost workspace folder holding the file, else one for the file's directory."""
        holding = [f for f in self.folders.values() if path is not None and f.contains(path)]
        if holding:
            return max(holding, key=lambda f: len(f.root.parts))
        directory = path.parent if path is not None else Path.cwd()
        if directory not in self.loose:
            self.loose[directory] = Folder(directory, self.options)
        return self.loose[directory]

    def project_for(self, folder: Folder, path: Path | None) -> LiveProject:
        """The project a document of ``folder`` lies in; one not seen before is indexed in the
        background."""
        root = find_root(path if path is not None else folder.root)
        live = folder.projects.get(root)
        if live is None:
            live = folder.projects[root] = LiveProject(root, folder)
            self.in_background(live.index)
        return live

    def apply_options(self, options: ClientOptions | None) -> None:
        if options is None or options == self.options:
            return
        self.options = options
        self.reload(reindex=False)

    def reload(self, reindex: bool) -> None:
        """Configuration changed: re-read it for every folder and re-check every open document."""
        self.shown_errors.clear()
        self.loose.clear()
        for folder in self.folders.values():
            folder.reconfigure(self.options)
            for live in folder.projects.values() if reindex else ():
                self.in_background(live.index)
        self.recheck_all()

    async def pull_configuration(self) -> None:
        """The ``safelint`` section of the client's settings, where the client serves them."""
        capabilities = self.client_capabilities.workspace
        if capabilities is None or not capabilities.configuration:
            return
        items = [types.ConfigurationItem(section="safelint")]
        try:
            values = await self.workspace_configuration_async(types.ConfigurationParams(items=items))
        except JsonRpcException as error:
            self.log(f"safelint: the client did not serve its settings: {error}", types.MessageType.Warning)
            return
        if values:
            self.apply_options(ClientOptions.from_json(values[0]))

    async def watch_configuration_files(self) -> None:
        capabilities = self.client_capabilities.workspace
        watched = capabilities.did_change_watched_files if capabilities is not None else None
        if watched is None or not watched.dynamic_registration:
            return
        options = types.DidChangeWatchedFilesRegistrationOptions(
            watchers=[types.FileSystemWatcher(glob_pattern=glob) for glob in _CONFIG_GLOBS]
        )
        registration = types.Registration(
            id="safelint-config-files", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES, register_options=options
        )
        try:
            await self.client_register_capability_async(types.RegistrationParams(registrations=[registration]))
        except JsonRpcException as error:  # then a save of the file in the editor still reloads it
            self.log(f"safelint: cannot watch configuration files: {error}", types.MessageType.Warning)

    # -- background work ----------------------------------------------------------------------

    def in_background(self, work: Callable[[], None]) -> None:
        """Run index work on a daemon thread (an editor closing the server must not wait for a
        big workspace to finish indexing), one job at a time, then re-check the open documents
        so they see the new facts."""
        loop = asyncio.get_running_loop()

        def run() -> None:
            with self._background_lock:
                try:
                    work()
                except ConfigError as error:
                    loop.call_soon_threadsafe(self.config_error, str(error))
                    return
                except Exception:
                    loop.call_soon_threadsafe(self.log, f"safelint: indexing failed:\n{traceback.format_exc()}")
                    return
            loop.call_soon_threadsafe(self.recheck_all)

        threading.Thread(target=run, name="safelint-index", daemon=True).start()

    # -- checking -----------------------------------------------------------------------------

    def open_document(self, uri: str) -> TextDocument | None:
        document = self.workspace.text_documents.get(uri)
        if document is None:
            return None
        python = document.language_id == "python" or uri.endswith(SOURCE_SUFFIXES)
        return document if python else None

    def schedule(self, uri: str, delay: float) -> None:
        """(Re)start the check of a document; a check still waiting for its delay is dropped."""
        previous = self.pending.pop(uri, None)
        if previous is not None:
            previous.cancel()
        task = asyncio.get_running_loop().create_task(self.check(uri, delay))
        self.pending[uri] = task
        task.add_done_callback(lambda done: self.pending.pop(uri) if self.pending.get(uri) is done else None)

    def recheck_all(self) -> None:
        for uri in list(self.workspace.text_documents):
            if self.open_document(uri) is not None:
                self.schedule(uri, 0)

    async def check(self, uri: str, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        document = self.open_document(uri)
        if document is None:
            return
        text, version, path = document.source, document.version, _path(uri)
        folder = self.folder_for(path)
        project = self.project_for(folder, path).current()
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(self.checks, lint, folder, path, text, project)
        except ConfigError as error:
            self.config_error(str(error))
            result = None
        except Exception:  # an engine bug on one file must not take the server down
            self.log(f"safelint: internal error checking {path or uri}:\n{traceback.format_exc()}")
            return
        current = self.open_document(uri)
        if current is None or current.version != version:
            return  # edited (or closed) meanwhile: a newer check publishes
        for message in result.internal_errors if result is not None else ():
            self.log(f"safelint: {message}", types.MessageType.Warning)
        checked = Checked(version, text, result.findings if result is not None else [])
        self.checked[uri] = checked
        codec = self.workspace.position_codec
        diagnostics = [convert.diagnostic(f, codec, checked.lines, uri) for f in checked.findings]
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version)
        )

    def close(self, uri: str) -> None:
        task = self.pending.pop(uri, None)
        if task is not None:
            task.cancel()
        self.checked.pop(uri, None)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def saved(self, uri: str) -> None:
        path = _path(uri)
        if path is not None and path.name in CONFIG_FILES:
            self.reload(reindex=True)
            return
        if self.open_document(uri) is None:
            return
        self.schedule(uri, 0)
        if path is not None:
            live, saved_path = self.project_for(self.folder_for(path), path), path
            self.in_background(lambda: live.refresh(saved_path))

    # -- code actions -------------------------------------------------------------------------

    async def code_actions(self, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        checked = self.checked.get(uri)
        document = self.open_document(uri)
        if checked is None or document is None or document.version != checked.version:
            return []  # the findings are for an older text: their positions would be wrong
        codec = self.workspace.position_codec
        only = params.context.only
        actions: list[types.CodeAction] = []
        if _wanted(types.CodeActionKind.QuickFix.value, only):
            start = convert.from_position(codec, checked.lines, params.range.start)
            end = convert.from_position(codec, checked.lines, params.range.end)
            comments = scan(checked.text)
            for finding in checked.findings:
                if convert.overlaps(finding, start, end):
                    for action in (
                        convert.fix_action(uri, finding, codec, checked.lines),
                        convert.suppress_action(uri, finding, codec, checked.lines, comments),
                    ):
                        if action is not None:
                            actions.append(action)
        if _wanted(convert.FIX_ALL_KIND, only) and checked.has_safe_fixes():
            fixed = await asyncio.get_running_loop().run_in_executor(self.checks, checked.fixed)
            if fixed != checked.text:
                actions.append(convert.fix_all_action(uri, codec, checked.text, fixed))
        return actions

    def hover(self, params: types.HoverParams) -> types.Hover | None:
        """The rules of the diagnostics under the cursor, for the text they were found in."""
        uri = params.text_document.uri
        checked = self.checked.get(uri)
        document = self.open_document(uri)
        if checked is None or document is None or document.version != checked.version:
            return None
        codec = self.workspace.position_codec
        where = convert.from_position(codec, checked.lines, params.position)
        under = [f for f in checked.findings if convert.overlaps(f, where, where)]
        capability = self.client_capabilities.text_document
        formats = capability.hover.content_format if capability is not None and capability.hover else None
        markdown = not formats or types.MarkupKind.Markdown in formats
        return convert.hover(under, codec, checked.lines, markdown)

    def stop_work(self) -> None:
        for task in self.pending.values():
            task.cancel()
        self.checks.shutdown(wait=False, cancel_futures=True)


def create_server() -> SafelintServer:
    """A server with every feature registered (a function, so tests can make fresh ones)."""
    server = SafelintServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: SafelintServer, params: types.InitializeParams) -> None:
        ls.options = ClientOptions.from_json(params.initialization_options) or ClientOptions()

    @server.feature(types.INITIALIZED)
    async def initialized(ls: SafelintServer, params: types.InitializedParams) -> None:
        ls.set_folders(ls.workspace_roots())
        # Load the knowledge base before the first check needs it; that check loads it again
        # and reports a failure, so this warm-up's own future is not kept.
        ls.checks.submit(knowledge)  # safelint: ignore[SL104] -- a warm-up, the first check reports a failure
        await ls.pull_configuration()
        await ls.watch_configuration_files()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: SafelintServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: SafelintServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, DEBOUNCE_SECONDS)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: SafelintServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.saved(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: SafelintServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.close(params.text_document.uri)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls: SafelintServer, params: types.DidChangeConfigurationParams) -> None:
        options = ClientOptions.from_json(params.settings)
        if options is not None:
            ls.apply_options(options)
        else:
            await ls.pull_configuration()

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls: SafelintServer, params: types.DidChangeWatchedFilesParams) -> None:
        if any((p := _path(change.uri)) is not None and p.name in CONFIG_FILES for change in params.changes):
            ls.reload(reindex=True)

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def did_change_folders(ls: SafelintServer, params: types.DidChangeWorkspaceFoldersParams) -> None:
        ls.set_folders(ls.workspace_roots())
        ls.recheck_all()

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, convert.FIX_ALL_KIND]),
    )
    async def code_action(ls: SafelintServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        return await ls.code_actions(params)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: SafelintServer, params: types.HoverParams) -> types.Hover | None:
        return ls.hover(params)

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: SafelintServer, params: Any) -> None:
        ls.stop_work()

    return server


def main() -> None:
    """Serve LSP over stdin/stdout until the client says exit: ``safelint server``."""
    all_rules()  # import every rule before any thread asks for the registry
    if not os.environ.get("SAFELINT_DEBUG"):  # pygls logs tracebacks to stderr; the client gets a line
        logging.getLogger("pygls").addHandler(logging.NullHandler())
        logging.getLogger("pygls").propagate = False
    stdout = sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print() must not corrupt the protocol stream
    create_server().start_io(sys.stdin.buffer, stdout)
