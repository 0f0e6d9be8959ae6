"""pytest-lsp clients driving the real server process (and one with test-only rules)."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

SERVER = [sys.executable, "-m", "safelint.lsp"]
PLUGIN_SERVER = [sys.executable, str(Path(__file__).with_name("plugin_server.py"))]


def _accept_registrations(client: LanguageClient) -> None:
    """VS Code accepts the server's file watchers; pytest-lsp's client knows no such request."""

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        return None


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def client(lsp_client: LanguageClient) -> AsyncIterator[None]:
    _accept_registrations(lsp_client)
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=ClientServerConfig(server_command=PLUGIN_SERVER))
async def plugin_client(lsp_client: LanguageClient) -> AsyncIterator[None]:
    _accept_registrations(lsp_client)
    yield
    await lsp_client.shutdown_session()
