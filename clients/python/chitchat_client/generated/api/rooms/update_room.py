from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_response import ErrorResponse
from ...models.room import Room
from ...models.room_update import RoomUpdate
from ...types import Response


def _get_kwargs(
    room_id: str,
    *,
    body: RoomUpdate,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/chats/{room_id}".format(
            room_id=quote(str(room_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> ErrorResponse | Room | None:
    if response.status_code == 200:
        response_200 = Room.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorResponse.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorResponse.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorResponse.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = ErrorResponse.from_dict(response.json())

        return response_404

    if response.status_code == 408:
        response_408 = ErrorResponse.from_dict(response.json())

        return response_408

    if response.status_code == 413:
        response_413 = ErrorResponse.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = ErrorResponse.from_dict(response.json())

        return response_415

    if response.status_code == 429:
        response_429 = ErrorResponse.from_dict(response.json())

        return response_429

    if response.status_code == 500:
        response_500 = ErrorResponse.from_dict(response.json())

        return response_500

    if response.status_code == 503:
        response_503 = ErrorResponse.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorResponse | Room]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    room_id: str,
    *,
    client: AuthenticatedClient,
    body: RoomUpdate,
) -> Response[ErrorResponse | Room]:
    """Replace a room's title, description and visibility

     Needs the room's owner token (from `createRoom`) as the bearer token, or, for a private or hidden
    room, a room token. A public room without its owner token: 401, code 104, unless the server runs
    in ChitChat compatibility mode, where it needs no token. `createdAt` never changes. A new
    `password` revokes every room token issued for the room, not the owner token.

    Args:
        room_id (str):
        body (RoomUpdate): Replaces title, description (absent means empty) and visibility.
            `password`, when given,
            sets a new password and so revokes every token issued for the room; absent, the password
            is kept.
            Making a public room private or hidden needs a password. Unknown properties are ignored.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | Room]
    """

    kwargs = _get_kwargs(
        room_id=room_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    room_id: str,
    *,
    client: AuthenticatedClient,
    body: RoomUpdate,
) -> ErrorResponse | Room | None:
    """Replace a room's title, description and visibility

     Needs the room's owner token (from `createRoom`) as the bearer token, or, for a private or hidden
    room, a room token. A public room without its owner token: 401, code 104, unless the server runs
    in ChitChat compatibility mode, where it needs no token. `createdAt` never changes. A new
    `password` revokes every room token issued for the room, not the owner token.

    Args:
        room_id (str):
        body (RoomUpdate): Replaces title, description (absent means empty) and visibility.
            `password`, when given,
            sets a new password and so revokes every token issued for the room; absent, the password
            is kept.
            Making a public room private or hidden needs a password. Unknown properties are ignored.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | Room
    """

    return sync_detailed(
        room_id=room_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    room_id: str,
    *,
    client: AuthenticatedClient,
    body: RoomUpdate,
) -> Response[ErrorResponse | Room]:
    """Replace a room's title, description and visibility

     Needs the room's owner token (from `createRoom`) as the bearer token, or, for a private or hidden
    room, a room token. A public room without its owner token: 401, code 104, unless the server runs
    in ChitChat compatibility mode, where it needs no token. `createdAt` never changes. A new
    `password` revokes every room token issued for the room, not the owner token.

    Args:
        room_id (str):
        body (RoomUpdate): Replaces title, description (absent means empty) and visibility.
            `password`, when given,
            sets a new password and so revokes every token issued for the room; absent, the password
            is kept.
            Making a public room private or hidden needs a password. Unknown properties are ignored.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | Room]
    """

    kwargs = _get_kwargs(
        room_id=room_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    room_id: str,
    *,
    client: AuthenticatedClient,
    body: RoomUpdate,
) -> ErrorResponse | Room | None:
    """Replace a room's title, description and visibility

     Needs the room's owner token (from `createRoom`) as the bearer token, or, for a private or hidden
    room, a room token. A public room without its owner token: 401, code 104, unless the server runs
    in ChitChat compatibility mode, where it needs no token. `createdAt` never changes. A new
    `password` revokes every room token issued for the room, not the owner token.

    Args:
        room_id (str):
        body (RoomUpdate): Replaces title, description (absent means empty) and visibility.
            `password`, when given,
            sets a new password and so revokes every token issued for the room; absent, the password
            is kept.
            Making a public room private or hidden needs a password. Unknown properties are ignored.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | Room
    """

    return (
        await asyncio_detailed(
            room_id=room_id,
            client=client,
            body=body,
        )
    ).parsed
