"""Latency from ``textDocument/didChange`` to ``textDocument/publishDiagnostics`` for a 2,000-line file.

Starts the real server (``python -m safelint.lsp``) over stdio, opens a generated 2,000-line
module, then edits one line per run and times until the diagnostics for that version arrive.
The number includes the server's debounce (``DEBOUNCE_SECONDS``), which is printed beside it.

    python bench/lsp_latency.py [--runs 9] [--lines 2000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Any

from safelint.lsp.server import DEBOUNCE_SECONDS

BLOCK = '''

def handler_{n}(request, items):
    """Handle one request: a bit of everything a real module has."""
    name = f"{{request}}-{n}"
    {strip}
    total = 0
    for item in items:
        if item is None:
            continue
        total += len(str(item))
    try:
        value = int(name.split("-")[-1])
    except Exception:
        {handler}
    with open(request) as handle:
        data = handle.read()
    return {{"total": total, "data": data, "name": name}}
'''


BUG_EVERY = 10  # one block in ten has two bugs: a file with findings, not a wall of them


def module(lines: int) -> str:
    parts = ['"""A generated module for the latency benchmark."""\n\nimport os\n']
    n = 0
    while sum(p.count("\n") for p in parts) < lines:
        buggy = n % BUG_EVERY == 0
        strip = "name.strip()" if buggy else "name = name.strip()"
        handler = "pass" if buggy else "raise"
        parts.append(BLOCK.format(n=n, strip=strip, handler=handler))
        n += 1
    return "".join(parts)


class Client:
    """The least a client needs: framed JSON-RPC over the server's stdin and stdout."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "safelint.lsp"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.stdin: IO[bytes] = self.proc.stdin
        self.stdout: IO[bytes] = self.proc.stdout
        self.next_id = 0

    def send(self, method: str, params: Any, request: bool = False) -> int | None:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params}
        if request:
            self.next_id += 1
            message["id"] = self.next_id
        body = json.dumps(message).encode()
        self.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.stdin.flush()
        return self.next_id if request else None

    def receive(self) -> dict[str, Any]:
        length = 0
        while True:
            line = self.stdout.readline().decode().strip()
            if not line:
                break
            key, _, value = line.partition(":")
            if key.lower() == "content-length":
                length = int(value)
        message: dict[str, Any] = json.loads(self.stdout.read(length))
        if "id" in message and "method" in message:  # a request from the server: accept it
            result = (
                [None] * len(message["params"]["items"]) if message["method"] == "workspace/configuration" else None
            )
            body = json.dumps({"jsonrpc": "2.0", "id": message["id"], "result": result}).encode()
            self.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self.stdin.flush()
        return message

    def wait(self, predicate: Any) -> dict[str, Any]:
        while True:
            message = self.receive()
            if predicate(message):
                return message


def diagnostics_for(uri: str, version: int) -> Any:
    def match(m: dict[str, Any]) -> bool:
        return (
            m.get("method") == "textDocument/publishDiagnostics"
            and m["params"]["uri"] == uri
            and m["params"].get("version") == version
        )

    return match


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--lines", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="safelint-lsp-bench-") as tmp:
        root = Path(tmp)
        text = module(args.lines)
        path = root / "big.py"
        path.write_text(text, encoding="utf-8")
        uri = path.as_uri()
        client = Client()
        started = time.perf_counter()
        client.send("initialize", {"processId": None, "rootUri": root.as_uri(), "capabilities": {}}, request=True)
        client.wait(lambda m: m.get("id") == 1)
        client.send("initialized", {})
        client.send(
            "textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}}
        )
        opened = client.wait(diagnostics_for(uri, 1))
        first = time.perf_counter() - started
        timings = []
        for run in range(args.runs):
            version = run + 2
            line = 10 + run * 7
            change = {
                "range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 0}},
                "text": f"# edit {run}\n",
            }
            t0 = time.perf_counter()
            client.send(
                "textDocument/didChange",
                {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]},
            )
            client.wait(diagnostics_for(uri, version))
            timings.append(time.perf_counter() - t0)
        client.send("shutdown", None, request=True)
        client.wait(lambda m: m.get("id") == client.next_id)
        client.send("exit", None)
        client.proc.wait(timeout=10)
    count = len(text.splitlines())
    print(f"file: {count} lines, {len(opened['params']['diagnostics'])} diagnostics")
    print(f"start + initialize + first diagnostics: {first * 1000:.0f} ms")
    print(
        f"didChange -> publishDiagnostics over {args.runs} runs: median {statistics.median(timings) * 1000:.0f} ms"
        f" (min {min(timings) * 1000:.0f}, max {max(timings) * 1000:.0f}; includes a {DEBOUNCE_SECONDS * 1000:.0f} ms debounce)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
