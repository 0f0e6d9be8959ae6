"""The editor sees the finding ``safelint check .`` reports, whatever folder the editor opened:
the project's root, a folder inside it, or one that does not hold the file at all (issue 14)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from lsp_helpers import diagnostics_where, open_file, start
from lsprotocol import types
from pytest_lsp import LanguageClient

from safelint.cli import main

pytestmark = pytest.mark.asyncio


def checked_from_the_root(root: Path) -> dict[str, Any]:
    cwd = os.getcwd()
    os.chdir(root)
    try:
        result = CliRunner().invoke(main, ["check", ".", "--format", "json", "--no-cache", "--jobs", "1"])
    finally:
        os.chdir(cwd)
    finding: dict[str, Any] = json.loads(result.stdout)[0]
    return finding


@pytest.mark.parametrize("opened", ["the root", "its directory", "another folder"])
async def test_the_server_reports_the_cross_module_finding(
    client: LanguageClient, cross_module: Any, opened: str, tmp_path: Path
) -> None:
    root = cross_module.make()
    expected = checked_from_the_root(root)
    assert (expected["code"], expected["line"], expected["column"]) == cross_module.AT
    folder = {"the root": root, "its directory": root / "pkg", "another folder": tmp_path}[opened]
    await start(client, folder)
    app = root / "pkg" / "app.py"
    uri = open_file(client, app, app.read_text(encoding="utf-8"), write=False)
    diagnostics = await diagnostics_where(client, uri, lambda ds: any(d.code == expected["code"] for d in ds))
    (found,) = [d for d in diagnostics if d.code == expected["code"]]
    assert found.range.start == types.Position(expected["line"] - 1, expected["column"] - 1)
    assert found.message.startswith(f"{expected['message']} [")
