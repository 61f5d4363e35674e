"""Where the connector may fetch media from, and how much it reads: the one policy of every download.

Everything the connector downloads runs inside the customer's network, and the URLs come from Icecat content,
which an attacker (or a bad day at Icecat) controls. So a URL is fetched only when:
- it is http(s), names a host and carries no user name or password (`http://images.icecat.biz@127.0.0.1/`);
- its host is on the allow-list (Icecat's media hosts; a Connection adds its own with extra `media_hosts`);
  an entry `host` matches that host on the scheme's default port, `host:port` that port, `*.domain` any
  sub-domain of it; anything else (`localhost`, `2130706433`, `10.0.0.7`) is refused before any request;
- the host resolves only to public addresses (no loopback, private, link-local, multicast, reserved or
  unspecified address) unless the Connection allows private addresses (`media_allow_private_addresses`,
  set by the sandboxes' Connections only), and the address really connected to is checked again;
- each redirect leads to a URL that passes the same checks (at most `max_redirects`, followed by hand).
The body is streamed and refused as soon as it passes the cap of its media kind (Content-Length first),
within `timeout_s` for the whole download; what it is must then agree with the target attribute
(`media_types.content_problem`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx

IMAGE, FILE = "image", "file"
"""The two media kinds: what an image attribute and what a file attribute may hold."""
ICECAT_MEDIA_HOSTS = ("images.icecat.biz", "objects.icecat.biz", "pdfs.icecat.biz", "data.icecat.biz",
                      "content.icecat.biz", "icecat.biz", "www.icecat.biz", "live.icecat.biz")
MB = 1_000_000
DEFAULT_MAX_BYTES = {IMAGE: 20 * MB, FILE: 100 * MB}
CHUNK = 64 * 1024
_DEFAULT_PORTS = {"http": 80, "https": 443}
_UNSAFE_TEXT = re.compile(r"[\s\x00-\x1f\x7f\\]")

Resolve = Callable[[str, int], Awaitable[list[str]]]


class MediaRefused(Exception):
    """A download the policy does not allow; the message is what the report shows for the product/field."""


@dataclass(frozen=True)
class MediaPolicy:
    hosts: tuple[str, ...] = ICECAT_MEDIA_HOSTS
    allow_private_addresses: bool = False
    max_bytes: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_MAX_BYTES))
    max_redirects: int = 3
    timeout_s: float = 120.0

    def widened(self, hosts: list[str], *, allow_private_addresses: bool = False) -> MediaPolicy:
        """This policy with more allowed hosts (a Connection's `media_hosts`), and private addresses allowed
        when asked (`media_allow_private_addresses`, the sandboxes' Connections)."""
        added = tuple(host.strip().lower() for host in hosts if host.strip())
        return dataclasses.replace(self, hosts=tuple(dict.fromkeys(self.hosts + added)),
                                   allow_private_addresses=self.allow_private_addresses or allow_private_addresses)

    def cap(self, kind: str) -> int:
        return self.max_bytes.get(kind, self.max_bytes.get(FILE, DEFAULT_MAX_BYTES[FILE]))


def url_problem(url: str) -> str | None:
    """Why `url` is not a URL the connector uses at all (fetched or written into a text attribute), or None."""
    if _UNSAFE_TEXT.search(url):
        return "URL contains spaces, control characters or backslashes"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        return "not a valid URL"
    if parts.scheme.lower() not in _DEFAULT_PORTS:
        return f"scheme {parts.scheme or '(none)'!r} is not http or https"
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return "URL carries a user name or password"
    if not parts.hostname:
        return "URL names no host"
    return None


def _host_allowed(url: str, hosts: tuple[str, ...]) -> bool:
    parts = urlsplit(url)
    host, port = (parts.hostname or "").lower().rstrip("."), parts.port or _DEFAULT_PORTS[parts.scheme.lower()]
    for entry in hosts:
        name, _, entry_port = entry.lower().partition(":")
        if entry_port and str(port) != entry_port:
            continue
        if not entry_port and port != _DEFAULT_PORTS[parts.scheme.lower()]:
            continue
        if host == name or (name.startswith("*.") and host.endswith(name[1:])):
            return True
    return False


def address_problem(address: str, policy: MediaPolicy) -> str | None:
    """Why the connector must not talk to this IP address (loopback, private, ...), or None."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return f"{address} is not an IP address"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if policy.allow_private_addresses or (ip.is_global and not ip.is_multicast):
        return None
    return f"address {ip} is not public (loopback, private, link-local, multicast, reserved or unspecified)"


async def system_resolve(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


async def check_url(url: str, policy: MediaPolicy, resolve: Resolve = system_resolve) -> None:
    """Raises `MediaRefused` unless `url` may be requested under `policy` (nothing is sent to it before)."""
    problem = url_problem(url)
    if problem:
        raise MediaRefused(f"media refused: {problem}")
    if not _host_allowed(url, policy.hosts):
        raise MediaRefused(f"media refused: host not allowed ({urlsplit(url).netloc})")
    if policy.allow_private_addresses:
        return
    parts = urlsplit(url)
    try:
        addresses = await resolve(parts.hostname or "", parts.port or _DEFAULT_PORTS[parts.scheme.lower()])
    except OSError as exc:
        raise MediaRefused(f"media refused: host {parts.hostname} does not resolve ({exc})") from None
    for address in addresses or ["(none)"]:
        problem = address_problem(address, policy)
        if problem:
            raise MediaRefused(f"media refused: host {parts.hostname} resolves to {problem}")


def _check_peer(response: httpx.Response, policy: MediaPolicy) -> None:
    """The address really connected to (DNS may answer differently the second time) must be allowed too."""
    stream = response.extensions.get("network_stream")
    peer = stream.get_extra_info("server_addr") if stream is not None else None
    if peer:
        problem = address_problem(str(peer[0]), policy)
        if problem:
            raise MediaRefused(f"media refused: connected to {problem}")


@dataclass
class Fetched:
    """The outcome of one download attempt: the final response (closed) and the body when it was read."""

    response: httpx.Response
    content: bytes = b""
    urls: list[str] = field(default_factory=list)


async def fetch(web: httpx.AsyncClient, url: str, policy: MediaPolicy, kind: str,
                resolve: Resolve = system_resolve) -> Fetched:
    """GET `url` under `policy`, redirects followed by hand; the body is read only from a 2xx answer, and
    never past the kind's cap. Raises `MediaRefused`, httpx errors, or TimeoutError after `timeout_s`."""
    async with asyncio.timeout(policy.timeout_s):
        fetched = Fetched(httpx.Response(0))
        for _ in range(policy.max_redirects + 1):
            await check_url(url, policy, resolve)
            fetched.urls.append(url)
            async with web.stream("GET", url, follow_redirects=False) as response:
                _check_peer(response, policy)
                fetched.response = response
                location = response.headers.get("Location")
                if response.is_redirect and location:
                    url = urljoin(url, location)
                    continue
                if response.is_success:
                    fetched.content = await _read_capped(response, policy.cap(kind))
                return fetched
        raise MediaRefused(f"media refused: more than {policy.max_redirects} redirects")


def _megabytes(size: int) -> str:
    return f"{size / MB:.0f} MB" if size >= MB else f"{size} bytes"


async def _read_capped(response: httpx.Response, cap: int) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > cap:
        raise MediaRefused(f"media refused: too large: {_megabytes(int(declared))} > {_megabytes(cap)}")
    body = bytearray()
    async for chunk in response.aiter_bytes(CHUNK):
        body += chunk
        if len(body) > cap:
            raise MediaRefused(f"media refused: too large: more than {_megabytes(cap)}")
    return bytes(body)
