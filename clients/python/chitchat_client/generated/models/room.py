from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define

from ..models.visibility import Visibility
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.room_user import RoomUser


T = TypeVar("T", bound="Room")


@_attrs_define
class Room:
    """
    Attributes:
        id (int): Assigned by the server, never reused. The default room "Public Chat" is 1.
        title (str): 2 to 70 characters, unique compared case-insensitively: after Unicode NFKC normalisation, with full
            case folding ("Straße" and "STRASSE" are one title), and by UTS #39 confusable skeleton (a title that
            only looks like another, in another script, is that title: "Pаypal" with a Cyrillic "а" is "Paypal").
            No control characters, no invisible or bidirectional format characters (zero-width spaces and
            joiners, bidi embeddings, overrides and isolates, the byte order mark, soft hyphens), no U+FFFD
            (what invalid UTF-8 becomes) and no lone surrogates, and no space at either end: a title that looks
            like another is not a second room. Not made only of digits and spaces, so that a path segment is
            either an id or a title, never both.
        description (str): At most 70 characters; no control characters, no lone surrogates.
        visibility (Visibility): Hidden rooms are left out of every listing. Private and hidden rooms have a password.
        created_at (datetime.datetime): RFC 3339; never changes after creation.
        updated_at (datetime.datetime):
        users (list[RoomUser]):
        owner_token (str | Unset): Only in the answer to `createRoom`, and only then: the room's owner token, the
            credential of
            its creator. Sent as `Authorization: Bearer <owner_token>`, it lets its holder change or delete
            the room, public or not; nothing else can change or delete a public room, unless the server runs
            in ChitChat compatibility mode (`CHITCHAT_COMPAT`). It does not expire, survives password
            changes and ends with the room. It is not a room token: it does not let anyone chat.
    """

    id: int
    title: str
    description: str
    visibility: Visibility
    created_at: datetime.datetime
    updated_at: datetime.datetime
    users: list[RoomUser]
    owner_token: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        title = self.title

        description = self.description

        visibility = self.visibility.value

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        users = []
        for users_item_data in self.users:
            users_item = users_item_data.to_dict()
            users.append(users_item)

        owner_token = self.owner_token

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "id": id,
                "title": title,
                "description": description,
                "visibility": visibility,
                "createdAt": created_at,
                "updatedAt": updated_at,
                "users": users,
            }
        )
        if owner_token is not UNSET:
            field_dict["owner_token"] = owner_token

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.room_user import RoomUser

        d = dict(src_dict)
        id = d.pop("id")

        title = d.pop("title")

        description = d.pop("description")

        visibility = Visibility(d.pop("visibility"))

        created_at = datetime.datetime.fromisoformat(d.pop("createdAt"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updatedAt"))

        users = []
        _users = d.pop("users")
        for users_item_data in _users:
            users_item = RoomUser.from_dict(users_item_data)

            users.append(users_item)

        owner_token = d.pop("owner_token", UNSET)

        room = cls(
            id=id,
            title=title,
            description=description,
            visibility=visibility,
            created_at=created_at,
            updated_at=updated_at,
            users=users,
            owner_token=owner_token,
        )

        return room
