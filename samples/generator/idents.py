"""Identifiers with real checksums: Bitcoin (base58check P2PKH, bech32 P2WPKH), Monero standard
addresses (Keccak-256 checksum, block base58), Tor v3 onion addresses, OpenPGP v4 EdDSA public keys
(armored, with fingerprint), phone numbers. Every encoder has a decoder/validator beside it, used by
the self-check."""

from __future__ import annotations

import base64
import hashlib
import re
import struct

# ---------------------------------------------------------------------------------------------
# Keccak-256 (original Keccak padding 0x01, as Monero uses; NOT hashlib.sha3_256)
# ---------------------------------------------------------------------------------------------

_RC = [
    0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
    0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
    0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
    0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
    0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
]
_ROT = [
    [0, 36, 3, 41, 18], [1, 44, 10, 45, 2], [62, 6, 43, 15, 61],
    [28, 55, 25, 21, 56], [27, 20, 39, 8, 14],
]
_M64 = (1 << 64) - 1


def _rol(v: int, n: int) -> int:
    return ((v << n) | (v >> (64 - n))) & _M64 if n else v


def _keccak_f(a: list[list[int]]) -> None:
    for rc in _RC:
        c = [a[x][0] ^ a[x][1] ^ a[x][2] ^ a[x][3] ^ a[x][4] for x in range(5)]
        d = [c[(x - 1) % 5] ^ _rol(c[(x + 1) % 5], 1) for x in range(5)]
        for x in range(5):
            for y in range(5):
                a[x][y] ^= d[x]
        b = [[0] * 5 for _ in range(5)]
        for x in range(5):
            for y in range(5):
                b[y][(2 * x + 3 * y) % 5] = _rol(a[x][y], _ROT[x][y])
        for x in range(5):
            for y in range(5):
                a[x][y] = b[x][y] ^ ((~b[(x + 1) % 5][y]) & b[(x + 2) % 5][y])
        a[0][0] ^= rc


def keccak256(data: bytes) -> bytes:
    """Keccak-256 with the original 0x01 padding (Monero, Ethereum)."""
    rate = 136
    msg = bytearray(data)
    msg.append(0x01)
    while len(msg) % rate:
        msg.append(0)
    msg[-1] |= 0x80
    a = [[0] * 5 for _ in range(5)]
    for off in range(0, len(msg), rate):
        block = msg[off:off + rate]
        for i in range(rate // 8):
            a[i % 5][i // 5] ^= int.from_bytes(block[8 * i:8 * i + 8], "little")
        _keccak_f(a)
    out = b"".join(a[i % 5][i // 5].to_bytes(8, "little") for i in range(4))
    return out


KECCAK256_EMPTY = "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"

# ---------------------------------------------------------------------------------------------
# Base58 / base58check (Bitcoin P2PKH)
# ---------------------------------------------------------------------------------------------

B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58encode(data: bytes) -> str:
    """Bitcoin base58 (leading zero bytes become '1')."""
    n = int.from_bytes(data, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = B58[r] + out
    pad = len(data) - len(data.lstrip(b"\0"))
    return "1" * pad + out


def b58decode(text: str) -> bytes:
    """Inverse of [`b58encode`]."""
    n = 0
    for ch in text:
        n = n * 58 + B58.index(ch)
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    pad = len(text) - len(text.lstrip("1"))
    return b"\0" * pad + body


def _dsha(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def btc_p2pkh(hash160: bytes) -> str:
    """Legacy P2PKH address (version 0x00) of a 20-byte hash."""
    assert len(hash160) == 20
    payload = b"\x00" + hash160
    return b58encode(payload + _dsha(payload)[:4])


def valid_btc_p2pkh(addr: str) -> bool:
    """True when `addr` is a base58check P2PKH address with a correct checksum."""
    try:
        raw = b58decode(addr)
    except ValueError:
        return False
    return len(raw) == 25 and raw[0] == 0 and _dsha(raw[:21])[:4] == raw[21:]


# ---------------------------------------------------------------------------------------------
# Bech32 (BIP-173, witness version 0)
# ---------------------------------------------------------------------------------------------

_B32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _polymod(values: list[int]) -> int:
    gen = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if (top >> i) & 1 else 0
    return chk


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def _convertbits(data: bytes | list[int], frm: int, to: int, pad: bool) -> list[int] | None:
    acc = bits = 0
    out = []
    maxv = (1 << to) - 1
    for v in data:
        acc = (acc << frm) | v
        bits += frm
        while bits >= to:
            bits -= to
            out.append((acc >> bits) & maxv)
    if pad and bits:
        out.append((acc << (to - bits)) & maxv)
    elif not pad and (bits >= frm or (acc << (to - bits)) & maxv):
        return None
    return out


def btc_p2wpkh(program: bytes, hrp: str = "bc") -> str:
    """Native segwit v0 address of a 20-byte key hash (bech32, lower case)."""
    assert len(program) == 20
    data = [0] + (_convertbits(program, 8, 5, True) or [])
    poly = _polymod(_hrp_expand(hrp) + data + [0] * 6) ^ 1
    chk = [(poly >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_B32[d] for d in data + chk)


def valid_btc_bech32(addr: str) -> bool:
    """True for a mainnet bech32 witness-v0 address with a 20- or 32-byte program."""
    addr = addr.lower()
    if not addr.startswith("bc1"):
        return False
    hrp, data_s = addr[:2], addr[3:]
    if any(c not in _B32 for c in data_s) or len(data_s) < 7:
        return False
    data = [_B32.index(c) for c in data_s]
    if _polymod(_hrp_expand(hrp) + data) != 1 or data[0] != 0:
        return False
    prog = _convertbits(data[1:-6], 5, 8, False)
    return prog is not None and len(prog) in (20, 32)


# ---------------------------------------------------------------------------------------------
# Monero standard address
# ---------------------------------------------------------------------------------------------

_XMR_FULL = 11
_XMR_SIZES = [0, 2, 3, 5, 6, 7, 9, 10, 11]


def _xmr_b58_block(block: bytes) -> str:
    n = int.from_bytes(block, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = B58[r] + out
    return out.rjust(_XMR_SIZES[len(block)], "1")


def xmr_encode(raw: bytes) -> str:
    """Monero block base58: 8-byte blocks to 11 characters, a last partial block per the table."""
    return "".join(_xmr_b58_block(raw[i:i + 8]) for i in range(0, len(raw), 8))


def xmr_decode(text: str) -> bytes:
    """Inverse of [`xmr_encode`]."""
    out = b""
    for i in range(0, len(text), _XMR_FULL):
        chunk = text[i:i + _XMR_FULL]
        size = _XMR_SIZES.index(len(chunk))
        n = 0
        for ch in chunk:
            n = n * 58 + B58.index(ch)
        out += n.to_bytes(size, "big")
    return out


def xmr_address(spend: bytes, view: bytes) -> str:
    """Standard mainnet address: 0x12 || spend || view || keccak256(...)[:4], 95 characters."""
    assert len(spend) == 32 and len(view) == 32
    body = b"\x12" + spend + view
    return xmr_encode(body + keccak256(body)[:4])


def valid_xmr(addr: str) -> bool:
    """True for a 95-character standard mainnet Monero address with a correct checksum."""
    if len(addr) != 95:
        return False
    try:
        raw = xmr_decode(addr)
    except ValueError:
        return False
    return len(raw) == 69 and raw[0] == 0x12 and keccak256(raw[:65])[:4] == raw[65:]


# ---------------------------------------------------------------------------------------------
# Tor v3 onion
# ---------------------------------------------------------------------------------------------


def onion_v3(pubkey: bytes) -> str:
    """`<56 chars>.onion` of a 32-byte ed25519 public key."""
    assert len(pubkey) == 32
    chk = hashlib.sha3_256(b".onion checksum" + pubkey + b"\x03").digest()[:2]
    return base64.b32encode(pubkey + chk + b"\x03").decode().lower() + ".onion"


def valid_onion(addr: str) -> bool:
    """True when the checksum and version byte of a v3 onion address are right."""
    if not re.fullmatch(r"[a-z2-7]{56}\.onion", addr):
        return False
    raw = base64.b32decode(addr[:56].upper())
    pub, chk, ver = raw[:32], raw[32:34], raw[34]
    return ver == 3 and hashlib.sha3_256(b".onion checksum" + pub + b"\x03").digest()[:2] == chk


# ---------------------------------------------------------------------------------------------
# OpenPGP v4 public key (EdDSA / ed25519), armored
# ---------------------------------------------------------------------------------------------

_ED25519_OID = bytes.fromhex("2B06010401DA470F01")


def _crc24(data: bytes) -> int:
    crc = 0xB704CE
    for byte in data:
        crc ^= byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


def _packet(tag: int, body: bytes) -> bytes:
    assert len(body) < 192
    return bytes([0xC0 | tag, len(body)]) + body


def pgp_key_body(pubkey: bytes, created: int) -> bytes:
    """Body of a v4 EdDSA public-key packet (tag 6)."""
    point = b"\x40" + pubkey
    return (b"\x04" + struct.pack(">I", created) + bytes([22, len(_ED25519_OID)]) + _ED25519_OID
            + struct.pack(">H", 263) + point)


def pgp_fingerprint(body: bytes) -> str:
    """v4 fingerprint: SHA-1 over 0x99 || 2-byte length || packet body, 40 upper-case hex."""
    return hashlib.sha1(b"\x99" + struct.pack(">H", len(body)) + body).hexdigest().upper()


def pgp_armor(pubkey: bytes, created: int, user_id: str) -> tuple[str, str]:
    """(armored public key block, fingerprint)."""
    body = pgp_key_body(pubkey, created)
    raw = _packet(6, body) + _packet(13, user_id.encode())
    b64 = base64.b64encode(raw).decode()
    lines = [b64[i:i + 64] for i in range(0, len(b64), 64)]
    crc = base64.b64encode(_crc24(raw).to_bytes(3, "big")).decode()
    text = "\n".join(["-----BEGIN PGP PUBLIC KEY BLOCK-----", "", *lines, "=" + crc,
                      "-----END PGP PUBLIC KEY BLOCK-----"])
    return text, pgp_fingerprint(body)


def pgp_parse_armor(text: str) -> tuple[str, str]:
    """Checks an armored block (CRC-24, packet structure) and returns (fingerprint, user id)."""
    lines = text.strip().splitlines()
    if lines[0] != "-----BEGIN PGP PUBLIC KEY BLOCK-----" or lines[-1] != "-----END PGP PUBLIC KEY BLOCK-----":
        raise ValueError("bad armor lines")
    blank = lines.index("")
    data_lines = lines[blank + 1:-1]
    crc_line = data_lines.pop()
    if not crc_line.startswith("="):
        raise ValueError("no CRC line")
    raw = base64.b64decode("".join(data_lines))
    if _crc24(raw) != int.from_bytes(base64.b64decode(crc_line[1:]), "big"):
        raise ValueError("CRC-24 mismatch")
    fpr = uid = None
    i = 0
    while i < len(raw):
        hdr = raw[i]
        if hdr & 0xC0 != 0xC0:
            raise ValueError("not a new-format packet")
        tag, length = hdr & 0x3F, raw[i + 1]
        body = raw[i + 2:i + 2 + length]
        if tag == 6:
            if body[0] != 4 or body[5] != 22 or body[7:16] != _ED25519_OID:
                raise ValueError("not a v4 EdDSA ed25519 key")
            fpr = pgp_fingerprint(body)
        elif tag == 13:
            uid = body.decode()
        i += 2 + length
    if fpr is None or uid is None:
        raise ValueError("missing key or user id packet")
    return fpr, uid


def fingerprint_spaced(fpr: str) -> str:
    """`ABCD EF01 …` in ten groups of four, as gpg prints it (two halves)."""
    groups = [fpr[i:i + 4] for i in range(0, 40, 4)]
    return " ".join(groups[:5]) + "  " + " ".join(groups[5:])


# ---------------------------------------------------------------------------------------------
# Phones (ranges valid for libphonenumber's mobile patterns)
# ---------------------------------------------------------------------------------------------

PHONE_RULES = {
    # region: (country code, national mobile pattern from libphonenumber metadata)
    "MK": ("389", r"7(?:[0-25-8]\d\d|3(?:[1-478]\d|6[01])|4(?:2\d|60|7[01578])|9(?:[2-4]\d|5[01]|7[015]))\d{4}"),
    "XK": ("383", r"4[3-9]\d{6}"),
    "AL": ("355", r"6(?:[78][2-9]|9\d)\d{6}"),
    "RS": ("381", r"6(?:[0-689]|7\d)\d{6,7}"),
}


def valid_phone(e164: str, region: str) -> bool:
    """True when an E.164 number is a valid mobile number of `region`."""
    cc, pattern = PHONE_RULES[region]
    return e164.startswith("+" + cc) and re.fullmatch(pattern, e164[1 + len(cc):]) is not None


def phone_digits(written: str) -> str:
    """Only the digits of a number as written (with a leading + kept)."""
    return ("+" if written.strip().startswith("+") else "") + re.sub(r"\D", "", written)
