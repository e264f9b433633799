"""A client for one server: the generated API functions, with room tokens kept and attached."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

import httpx
from attrs import define, field

from .errors import ChitChatError, unwrap
from .generated.api.tokens import issue_token, renew_token
from .generated.client import AuthenticatedClient
from .generated.models.error_response import ErrorResponse
from .generated.models.status_ok import StatusOk
from .generated.models.token_request import TokenRequest
from .generated.models.token_response import TokenResponse
from .generated.types import Response
from .tokens import RoomTokens


def _token_of(response: Response[ErrorResponse | StatusOk | TokenResponse]) -> TokenResponse | None:
    """The token of a token call (which `tokens` has kept), None for a public room's `{"status": true}`."""
    parsed = response.parsed
    if isinstance(parsed, StatusOk):
        return None
    if isinstance(parsed, TokenResponse):
        return parsed
    unwrap(response)  # raises the error the response carries
    raise AssertionError("unreachable")


@define
class RoomTokenClient(AuthenticatedClient):
    """
    The generated AuthenticatedClient, but the token it sends is the one `room_tokens` keeps for the room a
    call names, not one fixed token (its `token` is unused). Its copies (`with_headers`, `with_timeout`,
    `with_cookies`) share the same `room_tokens`.
    """

    token: str = field(default="", kw_only=True)
    room_tokens: RoomTokens = field(factory=RoomTokens, kw_only=True)

    def get_httpx_client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(auth=self.room_tokens, **self._httpx_settings())
        return self._client

    def get_async_httpx_client(self) -> httpx.AsyncClient:
        if self._async_client is None:
            self._async_client = httpx.AsyncClient(auth=self.room_tokens, **self._httpx_settings())
        return self._async_client

    def _httpx_settings(self) -> dict[str, Any]:
        return {
            "base_url": self._base_url,
            "cookies": self._cookies,
            "headers": self._headers,
            "timeout": self._timeout,
            "verify": self._verify_ssl,
            "follow_redirects": self._follow_redirects,
            **self._httpx_args,
        }


class ChitChat:
    """
    `api` is what every generated function takes as `client`:

        from chitchat_client.generated.api.rooms import get_room
        room = unwrap(get_room.sync_detailed("1", client=chat.api))

    Calls on a room carry the token `tokens` keeps for it: set by `authorize`, by any token issued or
    renewed through `api`, or by hand with `tokens.set(room, token)`. An Authorization header set on a
    call's client (`api.with_headers`) goes instead.
    """

    def __init__(self, base_url: str, *, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.tokens = RoomTokens(self.base_url)
        self.api = RoomTokenClient(base_url=self.base_url, timeout=httpx.Timeout(timeout), room_tokens=self.tokens)

    def authorize(self, room: str | int, secret: str, name: str) -> TokenResponse | None:
        """A token for `name` in a private or hidden room, kept for later calls; None for a public room."""
        return _token_of(
            issue_token.sync_detailed(str(room), client=self.api, body=TokenRequest(secret=secret, name=name))
        )

    def renew(self, room: str | int) -> TokenResponse | None:
        """A new token for the room's token kept here, which it replaces; None for a public room."""
        return _token_of(renew_token.sync_detailed(str(room), client=self.api))

    def openapi_document(self) -> str:
        """GET /openapi.yaml, as YAML text (the generated client leaves out application/yaml responses)."""
        return self._yaml("/openapi.yaml")

    def asyncapi_document(self) -> str:
        """GET /asyncapi.yaml, as YAML text."""
        return self._yaml("/asyncapi.yaml")

    def _yaml(self, path: str) -> str:
        response = self.api.get_httpx_client().get(path)
        if not response.is_success:
            raise ChitChatError(response.status_code, ErrorResponse.from_dict(response.json()))
        return response.text

    def close(self) -> None:
        self.api.get_httpx_client().close()

    async def aclose(self) -> None:
        """Closes both HTTP clients, for code that used the `asyncio` functions."""
        self.close()
        await self.api.get_async_httpx_client().aclose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
