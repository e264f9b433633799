from enum import IntEnum


class ErrorCode(IntEnum):
    VALUE_101 = 101
    VALUE_102 = 102
    VALUE_103 = 103
    VALUE_104 = 104
    VALUE_105 = 105
    VALUE_201 = 201
    VALUE_202 = 202
    VALUE_203 = 203
    VALUE_204 = 204
    VALUE_301 = 301
    VALUE_303 = 303
    VALUE_304 = 304
    VALUE_305 = 305
    VALUE_401 = 401
    VALUE_402 = 402
    VALUE_403 = 403
    VALUE_601 = 601
    VALUE_602 = 602
    VALUE_603 = 603
    VALUE_604 = 604
    VALUE_605 = 605
    VALUE_606 = 606
    VALUE_607 = 607
    VALUE_701 = 701
    VALUE_702 = 702

    def __str__(self) -> str:
        return str(self.value)
