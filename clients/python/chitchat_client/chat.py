"""The chat over WebSocket (/chats/{roomId}/ws) with the `websockets` library and the frames of asyncapi.yaml."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from types import TracebackType
from typing import Literal, Self, cast, overload
from urllib.parse import quote

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.typing import Subprotocol

from .frames import (
    ClientEvent,
    ErrorEvent,
    JoinedEvent,
    JoinRequest,
    LeftEvent,
    PresenceEvent,
    SaidEvent,
    SendRequest,
    ServerEvent,
)
from .generated.models.error_code import ErrorCode
from .generated.models.error_response import ErrorResponse
from .generated.types import Unset


class ChatRefusedError(Exception):
    """
    The server refused to open the chat socket: `status` and `code` are those of the REST API's error
    body (404 and 101 for an unknown room, 403 and 403 for a missing or expired token, 401 and 401 for one
    of another room); status 0 and no code when the socket could not be opened at all.
    """

    def __init__(self, room: str | int, status: int, body: ErrorResponse | None) -> None:
        self.room = room
        self.status = status
        self.code: ErrorCode | None = body.error.code if body else None
        self.field: str | None = body.error.field if body and not isinstance(body.error.field, Unset) else None
        reason = body.error.error if body else "no error body"
        super().__init__(f"the chat socket for room {room} was refused: {status} {reason}")


def chat_url(base_url: str, room: str | int) -> str:
    """ws:// or wss:// from the server's HTTP base URL."""
    return f"{base_url.rstrip('/').replace('http', 'ws', 1)}/chats/{quote(str(room), safe='')}/ws"


def _error_body(body: bytes | bytearray | None) -> ErrorResponse | None:
    try:
        return ErrorResponse.from_dict(json.loads(body or b""))
    except (ValueError, KeyError, TypeError):
        return None


class ChatConnection:
    """
    One connection to a room's chat. Use it as an async context manager:

        async with await ChatConnection.connect(base_url, room, token=token) as chat:
            await chat.join("ada")
            said = await chat.next("send")
    """

    def __init__(self, socket: ClientConnection) -> None:
        self._socket = socket
        self._name: str | None = None

    @classmethod
    async def connect(cls, base_url: str, room: str | int, *, token: str | None = None) -> ChatConnection:
        """Opens the socket; the token (for private and hidden rooms) goes as the subprotocol, as browsers must send it."""
        try:
            socket = await connect(chat_url(base_url, room), subprotocols=[Subprotocol(token)] if token else None)
        except InvalidStatus as refusal:
            raise ChatRefusedError(room, refusal.response.status_code, _error_body(refusal.response.body)) from None
        except (OSError, InvalidHandshake, TimeoutError) as failure:
            raise ChatRefusedError(room, 0, None) from failure
        return cls(socket)

    @property
    def protocol(self) -> str | None:
        """The subprotocol the server selected: the token, when one was offered."""
        return self._socket.subprotocol

    async def join(self, name: str, color: str | None = None) -> None:
        frame: JoinRequest = {"event_type": "join", "name": name}
        if color is not None:
            frame["color"] = color
        self._name = name
        await self._write(frame)

    async def send(self, msg: str, color: str | None = None) -> None:
        frame: SendRequest = {"event_type": "send", "name": self._require_name(), "msg": msg}
        if color is not None:
            frame["color"] = color
        await self._write(frame)

    async def leave(self) -> None:
        await self._write({"event_type": "leave", "name": self._require_name()})
        self._name = None

    async def events(self) -> AsyncIterator[ServerEvent]:
        """Every frame the server sends, until the socket closes."""
        try:
            async for data in self._socket:
                try:
                    event = json.loads(data)
                except ValueError:
                    continue  # not a frame of asyncapi.yaml's; nothing to hand over
                yield cast(ServerEvent, event)
        except ConnectionClosed:
            return

    @overload
    async def next(self, event_type: Literal["join"]) -> JoinedEvent: ...
    @overload
    async def next(self, event_type: Literal["send"]) -> SaidEvent: ...
    @overload
    async def next(self, event_type: Literal["leave"]) -> LeftEvent: ...
    @overload
    async def next(self, event_type: Literal["presence"]) -> PresenceEvent: ...
    @overload
    async def next(self, event_type: Literal["error"]) -> ErrorEvent: ...
    async def next(self, event_type: str) -> ServerEvent:
        """
        The next event of this type. Events of other types that come first are passed over, `error`
        events too: read `events()` to see every one.
        """
        async for event in self.events():
            if event["event_type"] == event_type:
                return event
        raise ConnectionError(f"the chat socket closed ({self._socket.close_code}) before a {event_type} event")

    async def close(self, code: int = 1000, reason: str = "") -> None:
        await self._socket.close(code, reason)

    @property
    def close_code(self) -> int | None:
        return self._socket.close_code

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.close()

    def _require_name(self) -> str:
        if self._name is None:
            raise RuntimeError("join the room first")
        return self._name

    async def _write(self, frame: ClientEvent) -> None:
        await self._socket.send(json.dumps(frame))
