from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="RoomCreate")


@_attrs_define
class RoomCreate:
    """Unknown properties are ignored, as ChitChat did.

    Attributes:
        title (str): 2 to 70 characters, unique compared case-insensitively: after Unicode NFKC normalisation, with full
            case folding ("Straße" and "STRASSE" are one title), and by UTS #39 confusable skeleton (a title that
            only looks like another, in another script, is that title: "Pаypal" with a Cyrillic "а" is "Paypal").
            No control characters, no invisible or bidirectional format characters (zero-width spaces and
            joiners, bidi embeddings, overrides and isolates, the byte order mark, soft hyphens), no U+FFFD
            (what invalid UTF-8 becomes) and no lone surrogates, and no space at either end: a title that looks
            like another is not a second room. Not made only of digits and spaces, so that a path segment is
            either an id or a title, never both.
        visibility (str): `public`, `private` or `hidden`, in any case; stored lower-case.
        description (str | Unset): At most 70 characters; no control characters, no lone surrogates.
        password (str | Unset): At least 8 characters for private and hidden rooms, at most 72 bytes in UTF-8 (bcrypt's
            limit;
            a longer one is refused with 105 rather than silently cut). Stored as a bcrypt hash, never returned.
    """

    title: str
    visibility: str
    description: str | Unset = UNSET
    password: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        title = self.title

        visibility = self.visibility

        description = self.description

        password = self.password

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "title": title,
                "visibility": visibility,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if password is not UNSET:
            field_dict["password"] = password

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        title = d.pop("title")

        visibility = d.pop("visibility")

        description = d.pop("description", UNSET)

        password = d.pop("password", UNSET)

        room_create = cls(
            title=title,
            visibility=visibility,
            description=description,
            password=password,
        )

        room_create.additional_properties = d
        return room_create

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
