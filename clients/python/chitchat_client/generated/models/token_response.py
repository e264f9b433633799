from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="TokenResponse")


@_attrs_define
class TokenResponse:
    """
    Attributes:
        status (bool):
        name (str):
        room_id (int):
        token (str): HS256 JWT with claims `username`, `room_id`, `iat` and `exp` (60 minutes).
    """

    status: bool
    name: str
    room_id: int
    token: str

    def to_dict(self) -> dict[str, Any]:
        status = self.status

        name = self.name

        room_id = self.room_id

        token = self.token

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "status": status,
                "name": name,
                "room_id": room_id,
                "token": token,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        status = d.pop("status")

        name = d.pop("name")

        room_id = d.pop("room_id")

        token = d.pop("token")

        token_response = cls(
            status=status,
            name=name,
            room_id=room_id,
            token=token,
        )

        return token_response
