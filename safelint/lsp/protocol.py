"""The JSON-RPC layer, hardened: a malformed message gets a JSON-RPC error answer and one log
line to the client, never a traceback on stderr or a pop-up.

pygls structures each message while ``json.loads`` decodes it; a message that does not
structure raises out of the decoder, before anyone knows its id, so no answer can be sent.
Here structuring fails softly instead: the message becomes ``Malformed`` (with its id, if it
has one), and ``handle_message`` answers it. Text that is not JSON at all never reaches the
protocol: pygls hands that error to the server's ``report_server_error`` (see server.py),
which answers it with a parse error (id null, as JSON-RPC says).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidRequest, JsonRpcParseError
from pygls.protocol import LanguageServerProtocol


@dataclass(frozen=True)
class Malformed:
    """A message that could not be structured: its id (None for a notification) and why."""

    id: int | str | None
    error: JsonRpcException
    method: str | None


class SafelintProtocol(LanguageServerProtocol):
    """Answers what it cannot handle, and says so in the client's log."""

    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except JsonRpcException as error:
            method = data.get("method")
            return Malformed(data.get("id"), error, method if isinstance(method, str) else None)

    def handle_message(self, message: Any) -> None:
        if isinstance(message, Malformed):  # a request is answered; a notification only logged
            self.reject(message.error, message.id, answer=message.id is not None, what=message.method)
        elif not hasattr(message, "jsonrpc"):  # JSON, but not a JSON-RPC message (an array, a number)
            msg_id = message.get("id") if isinstance(message, dict) else None
            self.reject(JsonRpcInvalidRequest(), msg_id, answer=True, what=None)
        else:
            super().handle_message(message)

    def parse_error(self, error: Exception) -> None:
        """Text that is not JSON: answered with id null (its id cannot be read)."""
        self.reject(JsonRpcParseError(f"{JsonRpcParseError.MESSAGE}: {error}"), None, answer=True, what=None)

    def reject(self, error: JsonRpcException, msg_id: Any, *, answer: bool, what: str | None) -> None:
        about = f" ({what})" if what else ""
        self.log(f"safelint: rejected a malformed message{about}: {error.message} [{error.code}]")
        if answer:  # a plain dict: lsprotocol's response type would leave out `"id": null`
            self._send_data({"jsonrpc": "2.0", "id": msg_id, "error": {"code": error.code, "message": error.message}})

    def log(self, message: str, kind: types.MessageType = types.MessageType.Error) -> None:
        self.notify(types.WINDOW_LOG_MESSAGE, types.LogMessageParams(type=kind, message=message))
