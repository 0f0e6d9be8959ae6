"""End to end: the real ``python -m safelint.lsp`` process, driven as an editor drives it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsp_helpers import apply_edit, codes, diagnostics_where, open_file, replace_text, start
from lsprotocol import types
from pytest_lsp import LanguageClient

pytestmark = pytest.mark.asyncio

BUGGY = """import os


def home():
    return os.environ.get("HOME").lower()


def read(p):
    f = open(p)
    return f.read()


def tidy(text):
    label = f"\U0001f600{text}"; label.strip()
    try:
        text.save()
    except Exception:
        pass
"""
# Where the SL2 and SL4 bugs of BUGGY are (0-based line, and the text the finding covers).
SL2_AT = (4, 'os.environ.get("HOME").lower')
SL4_AT = (8, "open(p)")


async def test_open_publishes_diagnostics_with_ranges_codes_and_links(client: LanguageClient, tmp_path: Path) -> None:
    result = await start(client, tmp_path)
    assert result.capabilities.code_action_provider is not None
    uri = open_file(client, tmp_path / "mod.py", BUGGY)
    diagnostics = await diagnostics_where(client, uri, lambda ds: {"SL106", "SL201", "SL401"} <= set(codes(ds)))
    by_code = {str(d.code): d for d in diagnostics}

    swallowed = by_code["SL106"]
    assert swallowed.range == types.Range(types.Position(16, 4), types.Position(16, 20))
    assert swallowed.severity == types.DiagnosticSeverity.Warning
    assert swallowed.source == "safelint"
    assert "[swallowed-exception]" in swallowed.message and "\nhelp: " in swallowed.message
    assert swallowed.code_description is not None and swallowed.code_description.href.endswith("/rules/SL106.md")

    dropped = by_code["SL101"]  # after an emoji: 24 characters, 25 UTF-16 code units
    assert dropped.range == types.Range(types.Position(13, 25), types.Position(13, 38))

    for code, (line, covered) in (("SL201", SL2_AT), ("SL401", SL4_AT)):
        found = by_code[code]
        start_char = BUGGY.splitlines()[line].index(covered)
        assert found.range.start == types.Position(line, start_char), code
    assert by_code["SL401"].related_information, "SL401 points at where the resource stays open"


async def test_fixing_a_bug_in_the_unsaved_buffer_removes_its_diagnostic(
    client: LanguageClient, tmp_path: Path
) -> None:
    await start(client, tmp_path)
    uri = open_file(client, tmp_path / "mod.py", BUGGY)
    await diagnostics_where(client, uri, lambda ds: {"SL101", "SL106"} <= set(codes(ds)))
    # An incremental edit, as editors send them: `label.strip()` becomes `label = label.strip()`.
    where = types.Position(13, BUGGY.splitlines()[13].index("label.strip()") + 1)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            [types.TextDocumentContentChangePartial(range=types.Range(where, where), text="label = ")],
        )
    )
    diagnostics = await diagnostics_where(client, uri, lambda ds: "SL101" not in codes(ds))
    assert "SL106" in codes(diagnostics)
    assert (tmp_path / "mod.py").read_text(encoding="utf-8") == BUGGY  # the file on disk was never touched


async def test_suppression_code_action_silences_the_finding(client: LanguageClient, tmp_path: Path) -> None:
    await start(client, tmp_path)
    uri = open_file(client, tmp_path / "mod.py", BUGGY)
    diagnostics = await diagnostics_where(client, uri, lambda ds: "SL106" in codes(ds))
    swallowed = next(d for d in diagnostics if d.code == "SL106")
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(uri=uri), swallowed.range, types.CodeActionContext(diagnostics=[swallowed])
        )
    )
    assert actions is not None
    ignore = next(a for a in actions if isinstance(a, types.CodeAction) and "Ignore SL106" in a.title)
    assert ignore.kind == types.CodeActionKind.QuickFix
    text = apply_edit(BUGGY, uri, ignore.edit)
    assert "    except Exception:  # safelint: ignore[SL106]\n" in text
    replace_text(client, uri, 2, text)
    diagnostics = await diagnostics_where(client, uri, lambda ds: "SL106" not in codes(ds))
    assert "SL101" in codes(diagnostics)


async def test_a_broken_buffer_gives_sl000_and_the_server_goes_on(client: LanguageClient, tmp_path: Path) -> None:
    await start(client, tmp_path)
    uri = open_file(client, tmp_path / "mod.py", "def broken(:\n")
    diagnostics = await diagnostics_where(client, uri, lambda ds: bool(ds))
    assert codes(diagnostics) == ["SL000"]
    assert diagnostics[0].range.start.line == 0
    replace_text(client, uri, 2, BUGGY)
    await diagnostics_where(client, uri, lambda ds: "SL106" in codes(ds))


async def test_closing_clears_the_diagnostics(client: LanguageClient, tmp_path: Path) -> None:
    await start(client, tmp_path)
    uri = open_file(client, tmp_path / "mod.py", BUGGY)
    await diagnostics_where(client, uri, lambda ds: bool(ds))
    client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri=uri)))
    await diagnostics_where(client, uri, lambda ds: not ds)


async def test_initialization_options_select_rules(client: LanguageClient, tmp_path: Path) -> None:
    await start(client, tmp_path, {"select": ["SL106"]})
    uri = open_file(client, tmp_path / "mod.py", BUGGY)
    diagnostics = await diagnostics_where(client, uri, lambda ds: bool(ds))
    assert codes(diagnostics) == ["SL106"]


async def test_diagnostics_follow_settings_and_pyproject_changes(client: LanguageClient, tmp_path: Path) -> None:
    await start(client, tmp_path)
    uri = open_file(client, tmp_path / "mod.py", BUGGY)
    await diagnostics_where(client, uri, lambda ds: {"SL101", "SL106"} <= set(codes(ds)))

    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"safelint": {"ignore": ["SL106"]}})
    )
    diagnostics = await diagnostics_where(client, uri, lambda ds: "SL106" not in codes(ds))
    assert "SL101" in codes(diagnostics)

    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.safelint]\nignore = ["SL101"]\n', encoding="utf-8")
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams([types.FileEvent(uri=pyproject.as_uri(), type=types.FileChangeType.Created)])
    )
    diagnostics = await diagnostics_where(client, uri, lambda ds: "SL101" not in codes(ds))
    assert "SL106" not in codes(diagnostics)  # the client's ignore still holds too

    pyproject.write_text('[tool.safelint]\nignore = ["SL9"]\n', encoding="utf-8")
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams([types.FileEvent(uri=pyproject.as_uri(), type=types.FileChangeType.Changed)])
    )
    shown = await asyncio.wait_for(client.wait_for_notification(types.WINDOW_SHOW_MESSAGE), 30)
    assert "pyproject.toml" in shown.message and "'SL9' in `ignore`" in shown.message
    assert shown.type == types.MessageType.Error


async def test_an_internal_error_is_logged_and_the_other_rules_still_report(
    plugin_client: LanguageClient, tmp_path: Path
) -> None:
    await start(plugin_client, tmp_path)
    uri = open_file(plugin_client, tmp_path / "mod.py", "explode_here = 1\n" + BUGGY)
    await diagnostics_where(plugin_client, uri, lambda ds: "SL106" in codes(ds))
    assert any("SL198" in m.message and "boom" in m.message for m in plugin_client.log_messages)


async def test_quick_fix_and_fix_all(plugin_client: LanguageClient, tmp_path: Path) -> None:
    await start(plugin_client, tmp_path)
    text = "def f(x, y):\n    return x == None, y == None, x != None\n"
    uri = open_file(plugin_client, tmp_path / "cmp.py", text)
    diagnostics = await diagnostics_where(plugin_client, uri, lambda ds: codes(ds).count("SL197") == 3)
    first = min((d for d in diagnostics if d.code == "SL197"), key=lambda d: d.range.start.character)
    actions = await plugin_client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(uri=uri), first.range, types.CodeActionContext(diagnostics=[first])
        )
    )
    assert actions is not None
    fix = next(a for a in actions if isinstance(a, types.CodeAction) and a.is_preferred)
    assert fix.title == "SL197: use `is`" and fix.kind == types.CodeActionKind.QuickFix
    fixed = apply_edit(text, uri, fix.edit)
    assert fixed == "def f(x, y):\n    return x is None, y == None, x != None\n"

    everything = await plugin_client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(uri=uri),
            types.Range(types.Position(0, 0), types.Position(0, 0)),
            types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.SourceFixAll]),
        )
    )
    assert everything is not None
    (fix_all,) = everything
    assert isinstance(fix_all, types.CodeAction) and fix_all.kind == "source.fixAll.safelint"
    all_fixed = apply_edit(text, uri, fix_all.edit)
    assert all_fixed == "def f(x, y):\n    return x is None, y is None, x != None\n"  # the unsafe one stays
    replace_text(plugin_client, uri, 2, all_fixed)
    await diagnostics_where(plugin_client, uri, lambda ds: codes(ds).count("SL197") == 1)


async def test_cross_module_facts_come_from_the_workspace_index_and_follow_a_save(
    client: LanguageClient, tmp_path: Path
) -> None:
    library = tmp_path / "lib.py"
    library.write_text(
        "def must_use(f):\n    return f\n\n\n@must_use\ndef compute():\n    return 1\n", encoding="utf-8"
    )
    await start(client, tmp_path)
    uri = open_file(client, tmp_path / "main.py", "import lib\n\n\ndef run():\n    lib.compute()\n")
    diagnostics = await diagnostics_where(client, uri, lambda ds: "SL107" in codes(ds))
    assert diagnostics[0].range.start == types.Position(4, 4)

    plain = "def compute():\n    return 1\n"
    library_uri = open_file(client, library, plain)  # written to disk, then saved in the editor
    client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri=library_uri)))
    await diagnostics_where(client, uri, lambda ds: "SL107" not in codes(ds))


async def test_hover_on_a_diagnostic_shows_its_rule_summary_and_link(client: LanguageClient, tmp_path: Path) -> None:
    from safelint.rule import all_rules

    result = await start(client, tmp_path)
    assert result.capabilities.hover_provider
    uri = open_file(client, tmp_path / "mod.py", BUGGY)
    await diagnostics_where(client, uri, lambda ds: {"SL201", "SL401"} <= set(codes(ds)))
    line, covered = SL4_AT
    inside = types.Position(line, BUGGY.splitlines()[line].index(covered) + 3)
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=inside)
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert hover.contents.kind == types.MarkupKind.Markdown
    rule = all_rules()["SL401"]
    assert hover.contents.value.startswith(f"**SL401** `{rule.name}`: {rule.summary}")
    assert "(https://" in hover.contents.value and hover.contents.value.endswith("/rules/SL401.md)")
    start_char = BUGGY.splitlines()[line].index(covered)
    assert hover.range is not None and hover.range.start == types.Position(line, start_char)
    nowhere = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(0, 0))
    )
    assert nowhere is None
