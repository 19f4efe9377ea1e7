# The C search for repeated id hashes (_dupfind.c); optional: absent where it could not be built.
from typing import Any

def repeated(stream: Any, max_items: int, /) -> tuple[int, bytes] | None: ...
