"""The REST API through the SDK against a live server: the generated functions, with the layer's tokens and errors."""

from __future__ import annotations

import uuid

import pytest
import yaml  # type: ignore[import-untyped]

from chitchat_client import ChitChat, ChitChatError, unwrap
from chitchat_client.generated.api.rooms import create_room, get_room, list_messages, list_rooms, update_room
from chitchat_client.generated.api.tokens import issue_token, renew_token
from chitchat_client.generated.models import (
    ErrorResponse,
    Room,
    RoomCreate,
    RoomUpdate,
    TokenRequest,
    TokenResponse,
    Visibility,
)


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def create_private(chat: ChitChat, title: str, password: str = "correct horse") -> Room:
    return unwrap(
        create_room.sync_detailed(
            client=chat.api, body=RoomCreate(title=title, visibility="private", password=password)
        )
    )


def test_creates_a_room_and_gets_it_by_id_and_by_title(chat: ChitChat) -> None:
    title = unique("Python room")
    created = unwrap(
        create_room.sync_detailed(
            client=chat.api, body=RoomCreate(title=title, visibility="Public", description="made in Python")
        )
    )
    assert isinstance(created, Room)
    assert (created.title, created.visibility, created.description) == (title, Visibility.PUBLIC, "made in Python")
    assert unwrap(get_room.sync_detailed(str(created.id), client=chat.api)).id == created.id
    # Titles are looked up as the server folds them.
    assert unwrap(get_room.sync_detailed(title.upper(), client=chat.api)).id == created.id
    listed = unwrap(list_rooms.sync_detailed(client=chat.api, limit=100))
    assert created.id in [room.id for room in listed.rooms]


def test_parses_a_404_into_the_typed_error_body(chat: ChitChat) -> None:
    response = get_room.sync_detailed("999999999", client=chat.api)
    assert response.status_code == 404
    assert isinstance(response.parsed, ErrorResponse)
    assert response.parsed.error.code == 101
    with pytest.raises(ChitChatError) as raised:
        unwrap(response)
    assert (raised.value.status, raised.value.code, raised.value.message) == (404, 101, response.parsed.error.error)


def test_reports_the_field_of_a_refused_body(chat: ChitChat) -> None:
    with pytest.raises(ChitChatError) as raised:
        unwrap(
            create_room.sync_detailed(
                client=chat.api, body=RoomCreate(title=unique("Public"), visibility="public", password="not allowed")
            )
        )
    assert (raised.value.status, raised.value.code, raised.value.field) == (400, 105, "visibility")


def test_keeps_the_token_of_a_private_room_for_later_calls(chat: ChitChat) -> None:
    room = create_private(chat, unique("Private"))
    # The history without a token: refused, with the server's code.
    with pytest.raises(ChitChatError) as refused:
        unwrap(list_messages.sync_detailed(str(room.id), client=chat.api))
    assert (refused.value.status, refused.value.code) == (403, 403)
    with pytest.raises(ChitChatError) as wrong:
        chat.authorize(room.id, "wrong password", "ada")
    assert wrong.value.code == 304

    token = chat.authorize(room.id, "correct horse", "ada")
    assert isinstance(token, TokenResponse) and token.room_id == room.id and token.name == "ada"
    assert chat.tokens.token_for(room.id) == token.token
    # By title too: the layer learned the title's id from the room it created.
    assert chat.tokens.token_for(room.title.lower()) == token.token

    renamed = unwrap(
        update_room.sync_detailed(
            room.title, client=chat.api, body=RoomUpdate(title=room.title + " renamed", visibility="private")
        )
    )
    assert renamed.title == room.title + " renamed"
    assert unwrap(get_room.sync_detailed(str(room.id), client=chat.api)).title == renamed.title

    renewed = chat.renew(room.id)
    assert renewed is not None and renewed.room_id == room.id
    assert chat.tokens.token_for(room.id) == renewed.token


def test_keeps_a_renewed_token_that_it_did_not_have(base_url: str, chat: ChitChat) -> None:
    room = create_private(chat, unique("Renewed"))
    token = chat.authorize(room.id, "correct horse", "ada")
    assert token is not None
    with ChitChat(base_url) as other:
        assert other.tokens.token_for(room.id) is None
        # The token goes by hand here, so that what `other` keeps afterwards can only come from the renewal.
        with other.api.with_headers({"Authorization": f"Bearer {token.token}"}) as renewer:
            response = renew_token.sync_detailed(str(room.id), client=renewer)
        assert isinstance(response.parsed, TokenResponse)
        assert other.tokens.token_for(room.id) == response.parsed.token


def test_titles_with_slashes_percents_and_compatibility_characters(chat: ChitChat) -> None:
    title = unique("Ｃafé a/b 100%25")
    room = create_private(chat, title)
    # By title only: the token is kept for the id the server answers with.
    token = chat.authorize(title, "correct horse", "ada")
    assert token is not None and token.room_id == room.id
    assert chat.tokens.token_for(room.id) == token.token
    # The server folds titles with NFKC and lower case; so does the SDK.
    folded = title.replace("Ｃ", "c").upper()
    assert unwrap(list_messages.sync_detailed(folded, client=chat.api)).messages == []


def test_remembers_tokens_issued_through_the_generated_function(chat: ChitChat) -> None:
    room = unwrap(
        create_room.sync_detailed(
            client=chat.api, body=RoomCreate(title=unique("Hidden"), visibility="hidden", password="correct horse")
        )
    )
    issued = issue_token.sync_detailed(
        str(room.id), client=chat.api, body=TokenRequest(secret="correct horse", name="bob")
    )
    assert isinstance(issued.parsed, TokenResponse)
    assert chat.tokens.token_for(room.id) == issued.parsed.token
    assert unwrap(list_messages.sync_detailed(str(room.id), client=chat.api)).messages == []


def test_a_public_room_needs_no_token(chat: ChitChat) -> None:
    room = unwrap(
        create_room.sync_detailed(client=chat.api, body=RoomCreate(title=unique("Open"), visibility="public"))
    )
    assert chat.authorize(room.id, "", "carol") is None
    assert unwrap(list_messages.sync_detailed(str(room.id), client=chat.api, limit=10)).next_cursor is None


def test_keeps_the_owner_token_of_a_room_it_created_to_change_it(base_url: str, chat: ChitChat) -> None:
    room = unwrap(
        create_room.sync_detailed(client=chat.api, body=RoomCreate(title=unique("Owned"), visibility="public"))
    )
    assert isinstance(room.owner_token, str) and chat.tokens.owner_token_for(room.id) == room.owner_token
    with ChitChat(base_url) as stranger:
        with pytest.raises(ChitChatError) as refused:
            unwrap(
                update_room.sync_detailed(
                    str(room.id), client=stranger.api, body=RoomUpdate(title="Mine", visibility="public")
                )
            )
        assert (refused.value.status, refused.value.code, refused.value.field) == (401, 104, "token")
    changed = unwrap(
        update_room.sync_detailed(
            room.title, client=chat.api, body=RoomUpdate(title=room.title + " v2", visibility="public")
        )
    )
    assert changed.title == room.title + " v2"


def test_reads_both_documents_as_yaml(chat: ChitChat) -> None:
    openapi = yaml.safe_load(chat.openapi_document())
    asyncapi = yaml.safe_load(chat.asyncapi_document())
    assert openapi["openapi"].startswith("3.1")
    assert asyncapi["asyncapi"].startswith("3.")
    assert openapi["info"]["version"] == asyncapi["info"]["version"]
