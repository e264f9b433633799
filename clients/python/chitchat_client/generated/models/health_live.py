from enum import StrEnum


class HealthLive(StrEnum):
    MEMORY = "memory"
    REDIS = "redis"

    def __str__(self) -> str:
        return str(self.value)
