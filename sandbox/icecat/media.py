"""Icecat media URLs pointed at the sandbox, and small valid files served in their place.

Clients download images and PDFs named in responses; offline they must get real, decodable files, so every
Icecat media host in a response is rewritten to `<sandbox>/media/<original path>` and each path yields
deterministic bytes of the right format (the path is embedded, so two paths never share bytes).
"""

from __future__ import annotations

import hashlib
import re
import struct
import zlib

# DTD/XSD references (data.icecat.biz/dtd/..., /xsd/...) are schema names, not media: left untouched.
MEDIA_HOST_PATTERN = re.compile(
    r"https?://(?:images|objects|data|pdfs|content|inishop)\.icecat\.biz/(?!dtd/|xsd/)"
    r"|https?://(?:www\.)?icecat\.biz/(?=img/)"
)


def rewrite_media_urls(text: str, base_url: str) -> str:
    return MEDIA_HOST_PATTERN.sub(base_url.rstrip("/") + "/media/", text)


def _png(seed: bytes) -> bytes:
    def chunk(kind: bytes, payload: bytes) -> bytes:
        return (
            struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
        )

    red, green, blue = seed[:3]
    width = height = 8
    rows = b"".join(b"\x00" + bytes((red, green, blue)) * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"tEXt", b"Comment\x00" + seed.hex().encode())
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _jpeg(seed: bytes) -> bytes:
    """An 8x8 grey baseline JPEG: one block whose DC and AC are both 'zero' (one 1-bit code each)."""

    def segment(marker: int, payload: bytes) -> bytes:
        return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload

    jfif = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    quant = b"\x00" + bytes([1] * 64)
    frame = struct.pack(">BHHB", 8, 8, 8, 1) + b"\x01\x11\x00"
    one_code = bytes([1] + [0] * 15) + b"\x00"  # a Huffman table holding symbol 0 with code '0'
    scan_header = b"\x01\x01\x00\x00\x3f\x00"
    return (
        b"\xff\xd8"
        + segment(0xE0, jfif)
        + segment(0xFE, seed.hex().encode())
        + segment(0xDB, quant)
        + segment(0xC0, frame)
        + segment(0xC4, b"\x00" + one_code)
        + segment(0xC4, b"\x10" + one_code)
        + segment(0xDA, scan_header)
        + b"\x3f"
        + b"\xff\xd9"
    )


def _gif(seed: bytes) -> bytes:
    red, green, blue = seed[:3]
    comment = seed.hex().encode()
    return (
        b"GIF89a"
        + struct.pack("<HHBBB", 1, 1, 0x80, 0, 0)
        + bytes((red, green, blue, 0, 0, 0))
        + b"\x21\xfe"
        + bytes([len(comment)])
        + comment
        + b"\x00"
        + b"\x2c"
        + struct.pack("<HHHHB", 0, 0, 1, 1, 0)
        + b"\x02\x02\x44\x01\x00"
        + b"\x3b"
    )


def _pdf(seed: bytes) -> bytes:
    text = f"Icecat sandbox document {seed.hex()[:16]}".encode()
    stream = b"BT /F1 12 Tf 72 720 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>"
        ),
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _mp4(seed: bytes) -> bytes:
    ftyp = b"ftypisom" + struct.pack(">I", 512) + b"isomiso2mp41"
    free = b"free" + seed
    return struct.pack(">I", len(ftyp) + 4) + ftyp + struct.pack(">I", len(free) + 4) + free


MEDIA_TYPES: dict[str, tuple[str, object]] = {
    "jpg": ("image/jpeg", _jpeg),
    "jpeg": ("image/jpeg", _jpeg),
    "png": ("image/png", _png),
    "gif": ("image/gif", _gif),
    "pdf": ("application/pdf", _pdf),
    "mp4": ("video/mp4", _mp4),
}


def media_file(path: str) -> tuple[bytes, str]:
    """Deterministic bytes and Content-Type for a media path; unknown extensions are served as PNG."""
    extension = path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
    content_type, build = MEDIA_TYPES.get(extension, ("image/png", _png))
    seed = hashlib.sha256(path.encode()).digest()
    return build(seed), content_type  # type: ignore[operator]
