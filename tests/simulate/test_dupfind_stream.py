"""The C search on a hand-made Arrow C stream (ctypes): what DuckDB never sends but the Arrow C data
interface allows (struct and child offsets, ``null_count`` -1 with a validity bitmap), a producer that
fails at any batch, the budget met exactly or exceeded by the last batch, and release callbacks
written in Python (each batch and the stream must be released exactly once, on every path)."""

from __future__ import annotations

import ctypes as C
import random
import struct
from typing import Any

import pytest

dupfind = pytest.importorskip("pricebook.simulate._dupfind", reason="the C search was not built")


class ArrowSchema(C.Structure):
    pass


ArrowSchema._fields_ = [("format", C.c_char_p), ("name", C.c_char_p), ("metadata", C.c_char_p),
                        ("flags", C.c_int64), ("n_children", C.c_int64),
                        ("children", C.POINTER(C.POINTER(ArrowSchema))),
                        ("dictionary", C.POINTER(ArrowSchema)),
                        ("release", C.c_void_p), ("private_data", C.c_void_p)]


class ArrowArray(C.Structure):
    pass


ArrowArray._fields_ = [("length", C.c_int64), ("null_count", C.c_int64), ("offset", C.c_int64),
                       ("n_buffers", C.c_int64), ("n_children", C.c_int64),
                       ("buffers", C.POINTER(C.c_void_p)),
                       ("children", C.POINTER(C.POINTER(ArrowArray))), ("dictionary", C.POINTER(ArrowArray)),
                       ("release", C.c_void_p), ("private_data", C.c_void_p)]

GET_SCHEMA = C.CFUNCTYPE(C.c_int, C.c_void_p, C.POINTER(ArrowSchema))
GET_NEXT = C.CFUNCTYPE(C.c_int, C.c_void_p, C.POINTER(ArrowArray))
LAST_ERROR = C.CFUNCTYPE(C.c_void_p, C.c_void_p)  # a char*: the address of a buffer kept alive
RELEASE = C.CFUNCTYPE(None, C.c_void_p)


class ArrowArrayStream(C.Structure):
    _fields_ = [("get_schema", GET_SCHEMA), ("get_next", GET_NEXT), ("get_last_error", LAST_ERROR),
                ("release", C.c_void_p), ("private_data", C.c_void_p)]


Batch = tuple[list[int | None], int, int, bool]  # values, struct offset, child offset, null_count -1


class FakeStream:
    """One stream of batches of a single uint64 column, counting what was made and released."""

    def __init__(self, batches: list[Batch], fail_at: int | None = None, fmt: bytes = b"L") -> None:
        self.batches, self.fail_at, self.next_index = batches, fail_at, 0
        self.made = self.released = self.stream_released = 0
        self.keep: list[Any] = []  # ctypes objects the C side points into
        child_schema = ArrowSchema(format=fmt, name=b"h")
        self.children = (C.POINTER(ArrowSchema) * 1)(C.pointer(child_schema))
        self.keep += [child_schema, self.children]
        self._release_array = RELEASE(self._on_release_array)
        self._release_schema = RELEASE(lambda p: setattr(C.cast(p, C.POINTER(ArrowSchema)).contents,
                                                         "release", None))
        self._release_stream = RELEASE(self._on_release_stream)
        self.message = C.create_string_buffer(b"fake producer failed")
        self.callbacks = [GET_SCHEMA(self._get_schema), GET_NEXT(self._get_next),
                          LAST_ERROR(lambda _: C.addressof(self.message))]
        self.struct = ArrowArrayStream(get_schema=self.callbacks[0], get_next=self.callbacks[1],
                                       get_last_error=self.callbacks[2],
                                       release=C.cast(self._release_stream, C.c_void_p))
        new = C.pythonapi.PyCapsule_New
        new.restype, new.argtypes = C.py_object, [C.c_void_p, C.c_char_p, C.c_void_p]
        self.capsule = new(C.addressof(self.struct), b"arrow_array_stream", None)

    def _on_release_array(self, p: int) -> None:
        self.released += 1
        C.cast(p, C.POINTER(ArrowArray)).contents.release = None

    def _on_release_stream(self, p: int) -> None:
        self.stream_released += 1
        C.cast(p, C.POINTER(ArrowArrayStream)).contents.release = None

    def _get_schema(self, _: int, out: Any) -> int:
        out.contents.format, out.contents.n_children = b"+s", 1
        out.contents.children = self.children
        out.contents.release = C.cast(self._release_schema, C.c_void_p)
        return 0

    def _get_next(self, _: int, out: Any) -> int:
        i, self.next_index = self.next_index, self.next_index + 1
        if i == self.fail_at:
            return 5
        if i >= len(self.batches):
            out.contents.release = None
            return 0
        values, struct_offset, child_offset, unknown_nulls = self.batches[i]
        pad = struct_offset + child_offset  # slots before the first value: garbage, marked null
        physical = [0xDEADBEEF] * pad + [0 if v is None else v for v in values]
        data = (C.c_uint64 * max(len(physical), 1))(*physical)
        bitmap = (C.c_uint8 * max((len(physical) + 7) // 8, 1))()
        for j, v in enumerate(values):
            if v is not None:
                bitmap[(pad + j) >> 3] |= 1 << ((pad + j) & 7)
        nulls = sum(v is None for v in values)
        buffers = (C.c_void_p * 2)(C.cast(bitmap, C.c_void_p) if nulls or unknown_nulls else None,
                                   C.cast(data, C.c_void_p))
        child = ArrowArray(length=len(physical) - child_offset, null_count=-1 if unknown_nulls else nulls,
                           offset=child_offset, n_buffers=2, buffers=buffers,
                           release=C.cast(self._release_array, C.c_void_p))
        child_ptrs = (C.POINTER(ArrowArray) * 1)(C.pointer(child))
        top_buffers = (C.c_void_p * 1)(None)
        self.keep += [data, bitmap, buffers, child, child_ptrs, top_buffers]
        o = out.contents
        o.length, o.null_count, o.offset, o.n_buffers, o.n_children = len(values), 0, struct_offset, 1, 1
        o.buffers, o.children, o.dictionary, o.private_data = top_buffers, child_ptrs, None, None
        o.release = C.cast(self._release_array, C.c_void_p)
        self.made += 1
        return 0


def _expected(batches: list[Batch]) -> tuple[int, set[int]]:
    seen: set[int] = set()
    repeated: set[int] = set()
    count = 0
    for values, *_ in batches:
        for v in values:
            if v is not None:
                count += 1
                (repeated if v in seen else seen).add(v)
    return count, repeated


def _decoded(found: tuple[int, bytes]) -> tuple[int, set[int]]:
    count, raw = found
    return count, {v for (v,) in struct.iter_unpack("=Q", raw)}


def test_offsets_unknown_null_counts_and_validity_match_a_set() -> None:
    rnd = random.Random(1)
    for _ in range(200):
        pool = [rnd.getrandbits(64) for _ in range(20)] + [0, 2**64 - 1]
        batches: list[Batch] = []
        for _ in range(rnd.randint(0, 4)):
            values = [None if rnd.random() < 0.1 else rnd.choice(pool) if rnd.random() < 0.3
                      else rnd.getrandbits(64) for _ in range(rnd.randint(0, 300))]
            batches.append((values, rnd.randint(0, 9), rnd.randint(0, 9), rnd.random() < 0.5))
        stream = FakeStream(batches)
        found = dupfind.repeated(stream.capsule, 10**9)
        assert found is not None and _decoded(found) == _expected(batches)
        assert (stream.made, stream.released, stream.stream_released) == (len(batches), len(batches), 1)


BATCHES: list[Batch] = [([1, 2, 3], 2, 3, False), ([1, 5], 0, 1, True), ([9], 1, 1, False)]


@pytest.mark.parametrize("fail_at", [0, 1, 2, 3])
def test_a_producer_failing_at_any_batch_raises_its_message_and_releases_everything(fail_at: int) -> None:
    stream = FakeStream(BATCHES, fail_at=fail_at)
    with pytest.raises(RuntimeError, match="fake producer failed"):
        dupfind.repeated(stream.capsule, 10**9)
    # every batch made was released once (also the one a worker thread was adding), then the stream
    assert stream.made == stream.released == min(fail_at, len(BATCHES))
    assert stream.stream_released == 1


@pytest.mark.parametrize("max_items, expected", [
    (6, (6, {1})),  # met exactly: a result
    (5, None),  # exceeded by the last batch
    (2, None),  # exceeded by the first
])
def test_the_budget_counts_non_null_values(max_items: int, expected: tuple[int, set[int]] | None) -> None:
    stream = FakeStream(BATCHES)
    found = dupfind.repeated(stream.capsule, max_items)
    assert (None if found is None else _decoded(found)) == expected
    assert stream.made == stream.released and stream.stream_released == 1


@pytest.mark.parametrize("fmt", [b"i", b"u", b"+s"])
def test_another_column_type_is_refused_and_released(fmt: bytes) -> None:
    stream = FakeStream(BATCHES, fmt=fmt)
    with pytest.raises(ValueError, match="one 64-bit integer column"):
        dupfind.repeated(stream.capsule, 10)
    assert stream.made == 0 and stream.stream_released == 1
