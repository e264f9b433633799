from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="RoomUser")


@_attrs_define
class RoomUser:
    """A chatter present in the room now.

    Attributes:
        username (str): 1 to 64 characters; the same character rule as a title's: no control, invisible or bidirectional
            format characters, no U+FFFD or lone surrogates, no space at either end.
        color (str):
        last_activity (datetime.datetime):
    """

    username: str
    color: str
    last_activity: datetime.datetime

    def to_dict(self) -> dict[str, Any]:
        username = self.username

        color = self.color

        last_activity = self.last_activity.isoformat()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "username": username,
                "color": color,
                "last_activity": last_activity,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        username = d.pop("username")

        color = d.pop("color")

        last_activity = datetime.datetime.fromisoformat(d.pop("last_activity"))

        room_user = cls(
            username=username,
            color=color,
            last_activity=last_activity,
        )

        return room_user
