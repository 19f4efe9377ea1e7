# The C reader (_cyaml.c); optional: absent where it could not be built.
from collections.abc import Callable
from typing import Any

def parse(data: bytes, plain_value: Callable[[str], Any], unsupported: object = ..., /
          ) -> tuple[Any, list[str | int], bytes] | None: ...
def expand(file: str, steps: list[str | int], records: bytes, /) -> dict[tuple[str | int, ...], tuple[str, int, int]]: ...
