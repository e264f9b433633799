from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar
from uuid import UUID

from attrs import define as _attrs_define

from ..models.health_live import HealthLive
from ..models.health_store import HealthStore

T = TypeVar("T", bound="Health")


@_attrs_define
class Health:
    """
    Attributes:
        status (bool):
        store (HealthStore): Which store holds rooms and history.
        live (HealthLive): Where fan-out, presence, room events and rate limits live. `redis` when several instances
            share them.
        instance (UUID): This server process, among the instances of one service; new at every start.
        uptime_s (float):
    """

    status: bool
    store: HealthStore
    live: HealthLive
    instance: UUID
    uptime_s: float

    def to_dict(self) -> dict[str, Any]:
        status = self.status

        store = self.store.value

        live = self.live.value

        instance = str(self.instance)

        uptime_s = self.uptime_s

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "status": status,
                "store": store,
                "live": live,
                "instance": instance,
                "uptime_s": uptime_s,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        status = d.pop("status")

        store = HealthStore(d.pop("store"))

        live = HealthLive(d.pop("live"))

        instance = UUID(d.pop("instance"))

        uptime_s = d.pop("uptime_s")

        health = cls(
            status=status,
            store=store,
            live=live,
            instance=instance,
            uptime_s=uptime_s,
        )

        return health
