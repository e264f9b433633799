"""Room and owner tokens kept by room id and attached to every call on that room, as the TypeScript SDK does."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Generator
from typing import Any
from urllib.parse import unquote

import httpx

# The room segment of a path under /chats/{roomId}, below the base URL's path, still percent-encoded.
_ROOM_PATH = re.compile(r"^/chats/([^/]+)(/.*)?$")
_ID = re.compile(r"[0-9]{1,15}")


def title_key(title: str) -> str:
    """
    Titles compare as the server compares them: after NFKC normalisation, with full case folding (ß is ss).
    The server also takes titles that only look alike across scripts for one (UTS #39 skeletons, from a table
    the SDK does not carry): such a title is not recognised here as one the client has a token for.
    """
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", title).upper().lower())


def _is_id(room: str | int) -> bool:
    return isinstance(room, int) or _ID.fullmatch(room) is not None


class RoomTokens(httpx.Auth):
    """
    An httpx auth flow that sends the token of the room a request names (by id or title) as a Bearer
    token, and learns from the responses: which id a title has (a room, a page of rooms, a token),
    and the tokens issued or renewed. It works for the generated functions, synchronous and asyncio.
    """

    requires_response_body = True

    def __init__(self, base_url: str = "") -> None:
        # The API's paths start after the base URL's own path (http://host/api -> /api).
        self._prefix = httpx.URL(base_url).raw_path.decode("ascii").rstrip("/")
        self._tokens: dict[int, str] = {}
        # The owner tokens of the rooms created through this client: changing or deleting a room sends it.
        self._owner_tokens: dict[int, str] = {}
        self._ids: dict[str, int] = {}
        # Tokens set for a title whose id is not known yet.
        self._by_title: dict[str, str] = {}

    def set(self, room: str | int, token: str) -> None:
        room_id = self._id_of(room)
        if room_id is None:
            self._by_title[title_key(str(room))] = token
        else:
            self._tokens[room_id] = token

    def forget(self, room: str | int) -> None:
        room_id = self._id_of(room)
        if room_id is not None:
            self._tokens.pop(room_id, None)
        self._by_title.pop(title_key(str(room)), None)

    def token_for(self, room: str | int) -> str | None:
        room_id = self._id_of(room)
        if room_id is None:
            return self._by_title.get(title_key(str(room)))
        return self._tokens.get(room_id)

    def set_owner(self, room: int, owner_token: str) -> None:
        self._owner_tokens[room] = owner_token

    def owner_token_for(self, room: str | int) -> str | None:
        room_id = self._id_of(room)
        return None if room_id is None else self._owner_tokens.get(room_id)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        room, rest = self._room_of(request)
        managing = rest is None and request.method in ("PUT", "DELETE")
        token = None
        if room is not None:
            token = (self.owner_token_for(room) if managing else None) or self.token_for(room)
        if token is not None and "Authorization" not in request.headers:
            request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        self._learn(room, rest, response)

    def _room_of(self, request: httpx.Request) -> tuple[str | None, str | None]:
        """The room a request names and the path after it. Read from the raw path: a title may hold `/` or `%`."""
        path = request.url.raw_path.decode("ascii").split("?", 1)[0]
        if not path.startswith(self._prefix):
            return None, None
        match = _ROOM_PATH.match(path[len(self._prefix) :])
        return (unquote(match.group(1)), match.group(2)) if match else (None, None)

    def _id_of(self, room: str | int) -> int | None:
        return int(room) if _is_id(room) else self._ids.get(title_key(str(room)))

    def _remember_title(self, title: str, room_id: int) -> None:
        key = title_key(title)
        self._ids[key] = room_id
        pending = self._by_title.pop(key, None)
        if pending is not None and room_id not in self._tokens:
            self._tokens[room_id] = pending

    def _learn(self, room: str | None, rest: str | None, response: httpx.Response) -> None:
        if not response.is_success or "json" not in response.headers.get("content-type", ""):
            return
        body: Any = response.json()
        if not isinstance(body, dict):
            return
        owner_token = body.get("owner_token")
        if room is None and isinstance(owner_token, str) and isinstance(body.get("id"), int):
            self._owner_tokens[body["id"]] = owner_token
        rooms = body.get("rooms")
        for named in [body, *(rooms if isinstance(rooms, list) else [])]:
            if isinstance(named, dict) and isinstance(named.get("id"), int) and isinstance(named.get("title"), str):
                self._remember_title(named["title"], named["id"])
        room_id = body.get("room_id", body.get("id"))
        if room is not None and not _is_id(room) and isinstance(room_id, int):
            self._remember_title(room, room_id)
        # Issued (201) and renewed tokens replace the one kept for their room.
        token = body.get("token")
        if rest in ("/token", "/token/renew") and isinstance(token, str) and isinstance(body.get("room_id"), int):
            self._tokens[body["room_id"]] = token
