"""The chat over WebSocket between two Python clients, with the frames generated from asyncapi.yaml."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Coroutine
from typing import Any

import pytest

from chitchat_client import ChatConnection, ChatRefusedError, ChitChat, unwrap
from chitchat_client.generated.api.rooms import create_room, list_messages
from chitchat_client.generated.models import Room, RoomCreate


def run(body: Coroutine[Any, Any, None]) -> None:
    """An async test body on its own event loop, bounded in time."""
    asyncio.run(asyncio.wait_for(body, 15))


def private_room(chat: ChitChat) -> Room:
    title = f"Python chat {uuid.uuid4().hex[:8]}"
    return unwrap(
        create_room.sync_detailed(
            client=chat.api, body=RoomCreate(title=title, visibility="private", password="correct horse")
        )
    )


def test_two_python_clients_chat_and_the_history_keeps_it(chat: ChitChat, base_url: str) -> None:
    room = private_room(chat)
    ada = chat.authorize(room.id, "correct horse", "ada")
    with ChitChat(base_url) as other:
        bob = other.authorize(room.title, "correct horse", "bob")
    assert ada is not None and bob is not None

    async def body() -> None:
        async with (
            await ChatConnection.connect(base_url, room.id, token=ada.token) as first,
            await ChatConnection.connect(base_url, room.id, token=bob.token) as second,
        ):
            # The server selects the offered token as the subprotocol, as ChitChat's browsers need.
            assert first.protocol == ada.token
            await first.join("ada", color="#3366ff")
            assert (await first.next("join"))["name"] == "ada"
            await second.join("bob")
            joined = await first.next("join")
            assert (joined["name"], joined["room_id"]) == ("bob", room.id)

            await first.send("hello from Python")
            heard = await second.next("send")
            echoed = await first.next("send")
            assert (heard["name"], heard["msg"], heard["color"]) == ("ada", "hello from Python", "#3366ff")
            assert echoed["seq"] == heard["seq"]

            await second.leave()
            left = await first.next("leave")
            assert left["name"] == "bob"

    run(body())
    history = unwrap(list_messages.sync_detailed(str(room.id), client=chat.api))
    assert [(m.name, m.msg) for m in history.messages] == [("ada", "hello from Python")]


def test_an_error_frame_answers_a_frame_the_server_refuses(chat: ChitChat, base_url: str) -> None:
    room = private_room(chat)
    token = chat.authorize(room.id, "correct horse", "ada")
    assert token is not None

    async def body() -> None:
        async with await ChatConnection.connect(base_url, room.id, token=token.token) as connection:
            # In a private room the name joined must be the token's.
            await connection.join("mallory")
            refused = await connection.next("error")
            assert (refused["error"]["code"], refused["error"].get("field")) == (204, "name")
            assert refused["room_id"] == room.id

    run(body())


@pytest.mark.parametrize(
    ("room_of", "token", "status", "code"),
    [
        (lambda room: "999999999", None, 404, 101),
        (lambda room: str(room.id), None, 403, 403),
        (lambda room: str(room.id), "not.a.token", 403, 403),
    ],
    ids=["unknown room", "no token", "bad token"],
)
def test_a_refused_socket_carries_the_rest_error(
    chat: ChitChat, base_url: str, room_of: Any, token: str | None, status: int, code: int
) -> None:
    room = private_room(chat)

    async def body() -> None:
        with pytest.raises(ChatRefusedError) as refused:
            await ChatConnection.connect(base_url, room_of(room), token=token)
        assert (refused.value.status, refused.value.code) == (status, code)

    run(body())
