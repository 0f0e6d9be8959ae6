"""Malformed messages to the language server (issue 18, defect 7): each is answered with a JSON-RPC
error where it can be, logged to the client in one line, and the server goes on; nothing is
printed on stderr. A raw stdio client, since pytest-lsp's client only sends well-formed JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

SERVER = [sys.executable, "-m", "safelint.lsp"]


def frame(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def request(msg_id: int, method: str, params: Any = None) -> bytes:
    return frame(json.dumps({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params}).encode())


def messages(stream: bytes) -> list[dict[str, Any]]:
    found = []
    while stream:
        head, _, rest = stream.partition(b"\r\n\r\n")
        length = next(
            int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
        )
        found.append(json.loads(rest[:length]))
        stream = rest[length:]
    return found


def test_malformed_messages_are_answered_and_logged_never_a_traceback() -> None:
    sent = b"".join(
        [
            request(1, "initialize", {"capabilities": {}}),
            frame(b"{not json"),
            frame(b'{"jsonrpc": "2.0", "id": 2, "method": "textDocument/hover", "params": {"bogus": 1}}'),
            frame(b"[1, 2]"),
            frame(b'{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": 5}'),
            frame(b'"\xff\xfe"'),
            request(3, "shutdown"),
            frame(b'{"jsonrpc": "2.0", "method": "exit"}'),
        ]
    )
    done = subprocess.run(SERVER, input=sent, capture_output=True, timeout=120)
    assert done.stderr == b""
    received = messages(done.stdout)
    answers = {m.get("id", "none"): m for m in received if "method" not in m}
    assert answers[1]["result"]["capabilities"]
    assert answers[2]["error"]["code"] == -32602  # invalid params, answered with the request's id
    assert answers[3]["result"] is None  # the server still works after all of it
    null_id = [m["error"]["code"] for m in received if "error" in m and m["id"] is None]
    assert null_id == [-32700, -32600, -32700]  # not JSON, not a JSON-RPC message, not UTF-8
    logged = [m["params"]["message"] for m in received if m.get("method") == "window/logMessage"]
    assert len(logged) == 5 and all(line.startswith("safelint: rejected a malformed message") for line in logged)
    assert "textDocument/didOpen" in logged[3]  # a notification is logged, and not answered
    assert not [m for m in received if m.get("method") == "window/showMessage"]
