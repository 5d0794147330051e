"""The `id64` path converter: a whole number that fits the 64-bit id columns.

Django's `int` converter takes any number of digits, and a look-up by a number past 2^63 - 1
overflows the database driver (a 500). `id64` does not match such a number, so the route
answers its 404, as for any id no row has. Registered once, on import.
"""

from __future__ import annotations

from django.urls import register_converter

ID64_MAX = 2**63 - 1


class Id64Converter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > ID64_MAX:
            raise ValueError(f"{value} is beyond a 64-bit id")  # no match: a 404
        return number

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(Id64Converter, "id64")
