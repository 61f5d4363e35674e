"""What a downloaded file really is: its signature (magic bytes) and Content-Type, checked against the target
attribute, and the file name Akeneo is given.

A URL's name says nothing reliable (Icecat's leaflets are `https://icecat.biz/rest/product-pdf?productId=…`,
and an error page may sit behind `…/photo.jpg`), so the type is read from the first bytes of the body and
must agree with the response's Content-Type; the file name's extension then comes from that type. An HTML
or text body is never a known type, so it is never stored as an image or a file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from icecat_akeneo.artifacts import TAXONOMY
from icecat_akeneo.catalog.taxonomy import FILE as FILE_TYPE
from icecat_akeneo.catalog.taxonomy import IMAGE as IMAGE_TYPE
from icecat_akeneo.media_policy import FILE, IMAGE

GENERIC_CONTENT_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream", "application/download"})


@dataclass(frozen=True)
class FileType:
    """A type known by its signature: its MIME type and the extensions Akeneo may know it by (first preferred)."""

    mime: str
    extensions: tuple[str, ...]
    is_image: bool = False


JPEG = FileType("image/jpeg", ("jpg", "jpeg", "jpe"), True)
PNG = FileType("image/png", ("png",), True)
GIF = FileType("image/gif", ("gif",), True)
WEBP = FileType("image/webp", ("webp",), True)
TIFF = FileType("image/tiff", ("tif", "tiff"), True)
BMP = FileType("image/bmp", ("bmp",), True)
PDF = FileType("application/pdf", ("pdf",))
MP4 = FileType("video/mp4", ("mp4", "m4v", "mov"))
WEBM = FileType("video/webm", ("webm", "mkv"))
ZIP = FileType("application/zip", ("zip", "docx", "xlsx", "pptx", "odt", "ods", "epub"))
OLE = FileType("application/msword", ("doc", "xls", "ppt"))
TYPES = (JPEG, PNG, GIF, WEBP, TIFF, BMP, PDF, MP4, WEBM, ZIP, OLE)
SIGNATURE_BYTES = 16
"""How much of a body's start `sniff` needs."""
_ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "image/x-png": "image/png",
            "video/quicktime": "video/mp4", "application/x-pdf": "application/pdf",
            "application/x-zip-compressed": "application/zip"}
_FAMILIES = {ZIP.mime: "application/vnd.openxmlformats", OLE.mime: "application/vnd.ms-"}


def sniff(head: bytes) -> FileType | None:
    """The type whose signature `head` (the body's first bytes) starts with; None for anything else (HTML)."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return TIFF
    if head[:2] == b"BM" and len(head) >= 14:
        return BMP
    if head.startswith(b"%PDF-"):
        return PDF
    if head[4:8] == b"ftyp":
        return MP4
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return WEBM
    if head.startswith(b"PK\x03\x04"):
        return ZIP
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return OLE
    return None


def _declared(content_type: str | None) -> str:
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    return _ALIASES.get(mime, mime)


def _agrees(declared: str, found: FileType) -> bool:
    if declared in GENERIC_CONTENT_TYPES or declared == found.mime:
        return True
    family = _FAMILIES.get(found.mime)
    return bool(family and declared.startswith(family))


def content_problem(content_type: str | None, head: bytes, kind: str,
                    allowed_extensions: list[str]) -> tuple[FileType | None, str | None]:
    """(type, None) when the body is a file the attribute may hold, else (None, the reason to report):
    "is text/html, not an image", "is image/png, not one of pdf", "says image/png but is image/jpeg"."""
    declared, found = _declared(content_type), sniff(head)
    wanted = "an image" if kind == IMAGE else "a file of a known type"
    if found is None:
        if head.lstrip()[:1] == b"<":  # markup: an HTML page (error page, login page) or XML
            said = "" if declared in GENERIC_CONTENT_TYPES or declared.startswith("text/") else f"says {declared} but "
            return None, f"{said}is text/html, not {wanted}"
        return None, f"is {declared or 'of unknown type'} (first bytes {head[:8]!r}), not {wanted}"
    if not _agrees(declared, found):
        return None, f"says {declared} but is {found.mime}"
    if kind == IMAGE and not found.is_image:
        return None, f"is {found.mime}, not an image"
    allowed = [extension.lower().lstrip(".") for extension in allowed_extensions]
    if allowed and not set(found.extensions) & set(allowed):
        return None, f"is {found.mime}, not one of {', '.join(allowed)}"
    return found, None


def media_filename(url: str, found: FileType | None = None, allowed_extensions: list[str] | None = None) -> str:
    """The file name Akeneo stores (and checks the extension of): the URL's last path segment, made safe,
    ending in an extension of the type the body really is (`product-pdf` -> `product-pdf.pdf`)."""
    name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "media"
    if found is None:
        return name
    stem, dot, extension = name.rpartition(".")
    if dot and extension.lower() in found.extensions:
        return name
    allowed = {extension.lower().lstrip(".") for extension in allowed_extensions or []}
    chosen = next((extension for extension in found.extensions if extension in allowed), found.extensions[0])
    return f"{stem if dot else name}.{chosen}"


@dataclass(frozen=True)
class Target:
    """What a media attribute may hold: an image or any file, and Akeneo's allowed extensions."""

    kind: str = FILE
    allowed_extensions: tuple[str, ...] = ()


def media_targets(media_path: Path) -> dict[str, Target]:
    """Each image/file attribute of the run's taxonomy (extract/taxonomy.json) -> what it may hold."""
    path = TAXONOMY.path(media_path.parent.parent)
    if not path.exists():
        return {}
    attributes = json.loads(path.read_text(encoding="utf-8")).get("attributes", [])
    return {
        attribute["code"]: Target(IMAGE if attribute.get("type") == IMAGE_TYPE else FILE,
                                  tuple(attribute.get("allowed_extensions") or ()))
        for attribute in attributes if attribute.get("type") in (IMAGE_TYPE, FILE_TYPE)
    }
