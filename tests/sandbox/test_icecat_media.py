"""Media URLs in responses point at the sandbox, and what they serve are valid files of the right type."""

from __future__ import annotations

import re
import struct
import zlib

import httpx
import pytest

from sandbox.process import running_server
from tests.conftest import ICECAT_OPEN_USER, Sandbox

ICECAT_HOST = re.compile(r"https?://(images|objects|pdfs)\.icecat\.biz/")


def dell(icecat: Sandbox) -> httpx.Response:
    return httpx.get(
        f"{icecat.base_url}/api",
        params={"lang": "EN", "shopname": ICECAT_OPEN_USER, "GTIN": "5397184119709"},
        timeout=10,
    )


def test_json_media_urls_are_rewritten_to_the_sandbox(icecat: Sandbox) -> None:
    response = dell(icecat)
    assert not ICECAT_HOST.search(response.text)
    data = response.json()["data"]
    assert data["Image"]["HighPic"] == f"{icecat.base_url}/media/img/gallery/56194632_0201481767.jpg"
    assert data["Multimedia"][0]["URL"].startswith(f"{icecat.base_url}/media/objects/")


def test_xml_media_urls_are_rewritten_but_schema_urls_kept(icecat: Sandbox) -> None:
    text = httpx.get(
        f"{icecat.base_url}/xml_s3/xml_server3.cgi?ean_upc=4948570114344;lang=EN",
        auth=(ICECAT_OPEN_USER, "x"),
        timeout=10,
    ).text
    assert not ICECAT_HOST.search(text)
    assert f'HighPic="{icecat.base_url}/media/img/gallery/29900045_1198.jpg"' in text
    assert "http://data.icecat.biz/dtd/ICECAT-interface_response.dtd" in text


def png_pixels_ok(body: bytes) -> bool:
    assert body[:8] == b"\x89PNG\r\n\x1a\n"
    position, idat = 8, b""
    while position < len(body):
        length, kind = struct.unpack(">I4s", body[position : position + 8])
        payload = body[position + 8 : position + 8 + length]
        assert struct.unpack(">I", body[position + 8 + length : position + 12 + length])[0] == zlib.crc32(
            kind + payload
        )
        idat += payload if kind == b"IDAT" else b""
        position += 12 + length
    width, height = struct.unpack(">II", body[16:24])
    return len(zlib.decompress(idat)) == height * (1 + 3 * width)


def jpeg_segments_ok(body: bytes) -> bool:
    assert body[:2] == b"\xff\xd8" and body[-2:] == b"\xff\xd9"
    position, markers = 2, []
    while body[position + 1] != 0xDA:
        marker, length = body[position + 1], struct.unpack(">H", body[position + 2 : position + 4])[0]
        markers.append(marker)
        position += 2 + length
    return {0xC0, 0xC4, 0xDB} <= set(markers)


def pdf_xref_ok(body: bytes) -> bool:
    assert body.startswith(b"%PDF-1.") and body.rstrip().endswith(b"%%EOF")
    xref_at = int(body.rsplit(b"startxref", 1)[1].split()[0])
    assert body[xref_at : xref_at + 4] == b"xref"
    offsets = [int(line.split()[0]) for line in body[xref_at:].split(b"\n")[3:8]]
    return all(re.match(rb"\d+ 0 obj", body[o : o + 10]) for o in offsets)


@pytest.mark.parametrize(
    ("path", "content_type", "valid"),
    [
        ("img/gallery/56194632_0201481767.jpg", "image/jpeg", jpeg_segments_ok),
        ("img/feature_logo/4-8210.png", "image/png", png_pixels_ok),
        ("img/x/anim.gif", "image/gif", lambda body: body[:6] == b"GIF89a" and body[-1:] == b";"),
        ("objects/mmo_56195846_1526461292_5438_24134.pdf", "application/pdf", pdf_xref_ok),
        ("objects/video.mp4", "video/mp4", lambda body: body[4:8] == b"ftyp"),
    ],
)
def test_media_files_are_valid_and_deterministic(
    icecat: Sandbox, path: str, content_type: str, valid
) -> None:
    first = httpx.get(f"{icecat.base_url}/media/{path}", timeout=10)
    second = httpx.get(f"{icecat.base_url}/media/{path}", timeout=10)
    other = httpx.get(f"{icecat.base_url}/media/{path}.other.{path.rsplit('.', 1)[1]}", timeout=10)
    assert first.status_code == 200
    assert first.headers["content-type"] == content_type
    assert first.content == second.content != other.content
    assert valid(first.content)


def test_keep_media_urls_leaves_icecat_hosts() -> None:
    with running_server("sandbox.icecat", ["--keep-media-urls"]) as url:
        text = dell(Sandbox(url)).text
    assert "https://images.icecat.biz/img/gallery/56194632_0201481767.jpg" in text
