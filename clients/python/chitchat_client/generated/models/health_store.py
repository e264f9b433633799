from enum import StrEnum


class HealthStore(StrEnum):
    MEMORY = "memory"
    MONGO = "mongo"

    def __str__(self) -> str:
        return str(self.value)
