"""Tiny deterministic PNG writer (zlib + struct): patterned "photos" for listings."""

from __future__ import annotations

import random
import struct
import zlib


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_png(width: int, height: int, rows: list[bytes]) -> bytes:
    """An 8-bit RGB PNG of `rows` (each `width * 3` bytes)."""
    raw = b"".join(b"\x00" + row for row in rows)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr)
            + _chunk(b"IDAT", zlib.compress(raw, 9)) + _chunk(b"IEND", b""))


def photo(seed: int, variant: int = 0) -> bytes:
    """A patterned image from `seed`. `variant > 0` gives a slightly altered copy of the same
    picture (a few pixels and the brightness changed), as a reposted photo would be."""
    rng = random.Random(seed)
    size = rng.choice([32, 40, 48, 56, 64])
    bg = [rng.randrange(40, 200) for _ in range(3)]
    fg = [rng.randrange(0, 256) for _ in range(3)]
    kind = rng.randrange(4)
    period = rng.randrange(4, 11)
    cx, cy = rng.randrange(size), rng.randrange(size)
    rows = []
    for y in range(size):
        row = bytearray()
        for x in range(size):
            if kind == 0:
                on = (x // period + y // period) % 2 == 0
            elif kind == 1:
                on = (x + y) % period < period // 2
            elif kind == 2:
                on = ((x - cx) ** 2 + (y - cy) ** 2) // (period * period) % 2 == 0
            else:
                on = (x * y // period) % 3 == 0
            row += bytes(fg if on else bg)
        rows.append(row)
    if variant:
        vr = random.Random(seed * 7919 + variant)
        shift = 6 * variant
        rows = [bytes(min(255, b + shift) for b in row) for row in rows]
        for _ in range(8):
            x, y = vr.randrange(size), vr.randrange(size)
            row = bytearray(rows[y])
            row[3 * x:3 * x + 3] = bytes([255, 255, 255])
            rows[y] = bytes(row)
    return encode_png(size, size, rows)


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) of a PNG, checking the signature and every chunk CRC."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    i = 8
    dims = None
    while i < len(data):
        (length,) = struct.unpack(">I", data[i:i + 4])
        kind = data[i + 4:i + 8]
        body = data[i + 8:i + 8 + length]
        (crc,) = struct.unpack(">I", data[i + 8 + length:i + 12 + length])
        if zlib.crc32(kind + body) != crc:
            raise ValueError("bad chunk CRC")
        if kind == b"IHDR":
            dims = struct.unpack(">II", body[:8])
        i += 12 + length
    if dims is None:
        raise ValueError("no IHDR")
    return dims
