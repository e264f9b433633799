from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_response import ErrorResponse
from ...models.status_ok import StatusOk
from ...models.token_request import TokenRequest
from ...models.token_response import TokenResponse
from ...types import Response


def _get_kwargs(
    room_id: str,
    *,
    body: TokenRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/chats/{room_id}/token".format(
            room_id=quote(str(room_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorResponse | StatusOk | TokenResponse | None:
    if response.status_code == 200:
        response_200 = StatusOk.from_dict(response.json())

        return response_200

    if response.status_code == 201:
        response_201 = TokenResponse.from_dict(response.json())

        return response_201

    if response.status_code == 400:
        response_400 = ErrorResponse.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorResponse.from_dict(response.json())

        return response_401

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
) -> Response[ErrorResponse | StatusOk | TokenResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    room_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: TokenRequest,
) -> Response[ErrorResponse | StatusOk | TokenResponse]:
    """Get a room token with the room's password

     Private and hidden rooms: 201 with a token when `secret` matches the password (401, code 304,
    when it is missing or wrong; 400, code 303, when `name` is missing). Public rooms need no
    token: 200 with `{"status": true}`.

    Args:
        room_id (str):
        body (TokenRequest): `secret` is the room's password. `name` becomes the token's username;
            it is checked only
            after the secret matches (code 303 when it is missing or empty), as in ChitChat. Unknown
            properties are ignored.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | StatusOk | TokenResponse]
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
    client: AuthenticatedClient | Client,
    body: TokenRequest,
) -> ErrorResponse | StatusOk | TokenResponse | None:
    """Get a room token with the room's password

     Private and hidden rooms: 201 with a token when `secret` matches the password (401, code 304,
    when it is missing or wrong; 400, code 303, when `name` is missing). Public rooms need no
    token: 200 with `{"status": true}`.

    Args:
        room_id (str):
        body (TokenRequest): `secret` is the room's password. `name` becomes the token's username;
            it is checked only
            after the secret matches (code 303 when it is missing or empty), as in ChitChat. Unknown
            properties are ignored.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | StatusOk | TokenResponse
    """

    return sync_detailed(
        room_id=room_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    room_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: TokenRequest,
) -> Response[ErrorResponse | StatusOk | TokenResponse]:
    """Get a room token with the room's password

     Private and hidden rooms: 201 with a token when `secret` matches the password (401, code 304,
    when it is missing or wrong; 400, code 303, when `name` is missing). Public rooms need no
    token: 200 with `{"status": true}`.

    Args:
        room_id (str):
        body (TokenRequest): `secret` is the room's password. `name` becomes the token's username;
            it is checked only
            after the secret matches (code 303 when it is missing or empty), as in ChitChat. Unknown
            properties are ignored.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | StatusOk | TokenResponse]
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
    client: AuthenticatedClient | Client,
    body: TokenRequest,
) -> ErrorResponse | StatusOk | TokenResponse | None:
    """Get a room token with the room's password

     Private and hidden rooms: 201 with a token when `secret` matches the password (401, code 304,
    when it is missing or wrong; 400, code 303, when `name` is missing). Public rooms need no
    token: 200 with `{"status": true}`.

    Args:
        room_id (str):
        body (TokenRequest): `secret` is the room's password. `name` becomes the token's username;
            it is checked only
            after the secret matches (code 303 when it is missing or empty), as in ChitChat. Unknown
            properties are ignored.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | StatusOk | TokenResponse
    """

    return (
        await asyncio_detailed(
            room_id=room_id,
            client=client,
            body=body,
        )
    ).parsed
