from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.room import Room


T = TypeVar("T", bound="RoomPage")


@_attrs_define
class RoomPage:
    """
    Attributes:
        rooms (list[Room]):
        next_cursor (None | str): Pass as `cursor` for the next page; null on the last page.
    """

    rooms: list[Room]
    next_cursor: None | str

    def to_dict(self) -> dict[str, Any]:
        rooms = []
        for rooms_item_data in self.rooms:
            rooms_item = rooms_item_data.to_dict()
            rooms.append(rooms_item)

        next_cursor: None | str
        next_cursor = self.next_cursor

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "rooms": rooms,
                "next_cursor": next_cursor,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.room import Room

        d = dict(src_dict)
        rooms = []
        _rooms = d.pop("rooms")
        for rooms_item_data in _rooms:
            rooms_item = Room.from_dict(rooms_item_data)

            rooms.append(rooms_item)

        def _parse_next_cursor(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        next_cursor = _parse_next_cursor(d.pop("next_cursor"))

        room_page = cls(
            rooms=rooms,
            next_cursor=next_cursor,
        )

        return room_page
