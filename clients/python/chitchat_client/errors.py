"""The server's error bodies as exceptions."""

from __future__ import annotations

from http import HTTPStatus
from typing import Protocol, TypeVar

from .generated.errors import UnexpectedStatus
from .generated.models.error_code import ErrorCode
from .generated.models.error_response import ErrorResponse
from .generated.types import Unset

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class Detailed(Protocol[T_co]):
    """What the generated `sync_detailed` and `asyncio_detailed` return (their Response), read-only."""

    @property
    def status_code(self) -> HTTPStatus: ...
    @property
    def content(self) -> bytes: ...
    @property
    def parsed(self) -> T_co | None: ...


class ChitChatError(Exception):
    """An error body from the server: the HTTP status, ChitChat's error code and message, and the field."""

    def __init__(self, status: int, body: ErrorResponse) -> None:
        detail = body.error
        self.status = status
        self.code: ErrorCode = detail.code
        self.message = detail.error
        self.field: str | None = None if isinstance(detail.field, Unset) else detail.field
        super().__init__(f"{status} {detail.error}" + (f" ({self.field})" if self.field else ""))


def unwrap(response: Detailed[T | ErrorResponse]) -> T:
    """
    The parsed body of a successful call (what `sync_detailed` and `asyncio_detailed` return), a
    ChitChatError for an error body, or the generated UnexpectedStatus for a status openapi.yaml lacks.
    """
    parsed = response.parsed
    if isinstance(parsed, ErrorResponse):
        raise ChitChatError(int(response.status_code), parsed)
    if parsed is None:
        raise UnexpectedStatus(int(response.status_code), response.content)
    return parsed
