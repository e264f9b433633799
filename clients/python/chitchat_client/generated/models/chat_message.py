from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="ChatMessage")


@_attrs_define
class ChatMessage:
    """A message from a room's history.

    Attributes:
        seq (int): The message's number in its room's history, from 1, increasing.
        room_id (int): Assigned by the server, never reused. The default room "Public Chat" is 1.
        name (str): 1 to 64 characters; the same character rule as a title's: no control, invisible or bidirectional
            format characters, no U+FFFD or lone surrogates, no space at either end.
        color (str):
        msg (str): At most 2000 characters, and no lone surrogate (a `\\ud800` escape without its pair), which no store
            keeps alike.
        time (datetime.datetime):
    """

    seq: int
    room_id: int
    name: str
    color: str
    msg: str
    time: datetime.datetime

    def to_dict(self) -> dict[str, Any]:
        seq = self.seq

        room_id = self.room_id

        name = self.name

        color = self.color

        msg = self.msg

        time = self.time.isoformat()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "seq": seq,
                "room_id": room_id,
                "name": name,
                "color": color,
                "msg": msg,
                "time": time,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        seq = d.pop("seq")

        room_id = d.pop("room_id")

        name = d.pop("name")

        color = d.pop("color")

        msg = d.pop("msg")

        time = datetime.datetime.fromisoformat(d.pop("time"))

        chat_message = cls(
            seq=seq,
            room_id=room_id,
            name=name,
            color=color,
            msg=msg,
            time=time,
        )

        return chat_message
