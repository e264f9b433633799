from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..models.error_code import ErrorCode
from ..types import UNSET, Unset

T = TypeVar("T", bound="ErrorDetail")


@_attrs_define
class ErrorDetail:
    """One failure, in ChitChat's shape.

    Attributes:
        code (ErrorCode): Error code. 1xx: rooms, 2xx: chat clients, 3xx: sessions and tokens requests,
            4xx: token verification (all as in ChitChat), 6xx: request handling, 7xx: server side.
            The message and HTTP status of each code, and a sentence for people, are the document's
            `x-error-catalog` (under `components`).
        error (str): The message that `x-error-catalog` gives for `code`.
        field (str | Unset): The input the failure is about (a body property, a parameter, `token`); absent where there
            is none.
    """

    code: ErrorCode
    error: str
    field: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        code = self.code.value

        error = self.error

        field = self.field

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "code": code,
                "error": error,
            }
        )
        if field is not UNSET:
            field_dict["field"] = field

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        code = ErrorCode(d.pop("code"))

        error = d.pop("error")

        field = d.pop("field", UNSET)

        error_detail = cls(
            code=code,
            error=error,
            field=field,
        )

        return error_detail
