"""The shortcuts enrich takes per Icecat answer give the same results as the careful readers they skip.

Why: the fast paths (plain feature items, plain http(s) URLs and decimal ids, one-connection pools) exist only
for CPU; a shortcut that accepted a value the careful reader refuses, or read one differently, would change
records silently. Each test compares both on real samples and on the hostile values the careful reader knows.
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from icecat_akeneo.icecat import json_sheet
from icecat_akeneo.icecat.connections import SpreadTransport
from icecat_akeneo.icecat.fields import FieldReader, Refused, as_integer, as_url
from icecat_akeneo.icecat.plain import plain_feature, plain_related

SAMPLES = Path(__file__).resolve().parents[2] / "sandbox" / "icecat" / "samples"
ODD_VALUES = [None, "", " 12 ", "12", 12, -3, 0, 2**70, True, 1.5, "\ud800", "ok \udc00", "Ä", "x" * 2_000_000,
              {}, [], {"Value": "x"}, ["x"], "²", "1" * 21, "9" * 20]


def _features(document: dict) -> list[tuple[int, int, dict]]:
    return [(group_index, index, item)
            for group_index, group in enumerate(document.get("FeaturesGroups") or [])
            for index, item in enumerate(group.get("Features") or [])]


def _careful(item: dict) -> tuple[object, list[str]]:
    read = FieldReader()
    return json_sheet._feature(read, item, "f", 7, "group"), read.refusals


def _json_samples() -> list[dict]:
    documents = [json.loads(path.read_text(encoding="utf-8")) for path in sorted(SAMPLES.glob("*.json"))]
    return [(d[0] if isinstance(d, list) else d).get("data", d) for d in documents]


def test_a_plain_feature_reads_as_the_careful_reader_reads_it() -> None:
    features = [item for document in _json_samples() for _, _, item in _features(document)]
    assert len(features) > 300
    for item in features:
        plain = plain_feature(item, 7, "group")
        assert plain is not None
        assert (plain, []) == _careful(item)


@pytest.mark.parametrize("key", ["Type", "RawValue", "Value", "PresentationValue", "LocalValue", "Feature",
                                 "Feature.ID", "Feature.Measure", "Feature.Measure.Signs",
                                 "Feature.Measure.Signs._", "Feature.Name", "Feature.Name.Value"])
def test_a_feature_value_the_careful_reader_would_refuse_is_left_to_it(key: str) -> None:
    """Whatever the odd value, the fast reader either gives the careful reader's feature (nothing refused) or
    none, so the careful reader names the refusal."""
    (item, *_) = [item for document in _json_samples() for _, _, item in _features(document)]
    for value in ODD_VALUES:
        changed = copy.deepcopy(item)
        *parents, last = key.split(".")
        target = changed
        for part in parents:
            target = target[part]
        target[last] = value
        plain = plain_feature(changed, 7, "group")
        feature, refusals = _careful(changed)
        assert plain is None or (plain == feature and refusals == []), (key, value)


def _related(document: dict) -> list[dict]:
    return [item for item in document.get("ProductRelated") or [] if isinstance(item, dict)]


@pytest.mark.parametrize("key", ["IcecatID", "ProductCode", "Brand", "ProductName", "Preferred"])
def test_a_related_product_reads_as_the_careful_reader_reads_it(key: str) -> None:
    items = [item for document in _json_samples() for item in _related(document)]
    assert len(items) > 20
    for item in items:
        assert plain_related(item) is not None
    for value in [*ODD_VALUES, 1, "1", "0", "Y", 1.0]:
        changed = {**items[0], key: value}
        read = FieldReader()
        careful = json_sheet._related(read, changed, "ProductRelated[0]")
        plain = plain_related(changed)
        assert plain is None or (plain == careful and read.refusals == []), (key, value)


def _careful_url(text: str) -> str | None:
    """`as_url` as it was: `urlsplit` decides every URL."""
    try:
        parts = urlsplit(text)
        valid = parts.scheme.lower() in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:
        valid = False
    return text if valid else None


@pytest.mark.parametrize("url", [
    "https://images.icecat.biz/img/a.jpg", "http://127.0.0.1:8080/x", "http://h:0/x", "http://h:00/x",
    "http://h:65535/x", "http://h:65536/x", "http://h:99999/x", "http://h:080/x", "http://h:/x", "http://./x",
    "http://-/x", "HTTP://images.icecat.biz/a.jpg", "http://user@h/x", "http://[::1]/x", "http://h?x=/",
    "ftp://h/x", "http:///x", "http://h", "http://h#/", "http://a.b-c.d:1/?q#f",
])
def test_a_plain_url_is_accepted_exactly_when_urlsplit_accepts_it(url: str) -> None:
    try:
        accepted = as_url(url)
    except Refused:
        accepted = None
    assert accepted == _careful_url(url)


def _careful_id(value: object) -> int | None:
    """`as_integer(value, 1, INT64_MAX)` as it was: the pattern decides every string."""
    if value in (None, "", {}, []):
        return None
    if isinstance(value, str) and re.fullmatch(r"[+-]?[0-9]{1,20}", value.strip()):
        number = int(value.strip())
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        raise Refused("not an integer")
    if not 1 <= number <= 2**63 - 1:
        raise Refused("out of range")
    return number


@pytest.mark.parametrize("value", [*ODD_VALUES, "+5", "-5", "+-5", "007", "18446744073709551616", str(2**63 - 1)])
def test_a_decimal_id_reads_as_the_pattern_reads_it(value: object) -> None:
    outcomes = []
    for read in (lambda: as_integer(value, 1, 2**63 - 1), lambda: _careful_id(value)):
        try:
            outcomes.append(read())
        except Refused:
            outcomes.append("refused")
    assert outcomes[0] == outcomes[1]


class _Body(httpx.AsyncByteStream):
    """A streamed body, as the network gives (a mock's plain content is read before the client sees it)."""

    def __init__(self, content: bytes) -> None:
        self.content = content

    async def __aiter__(self):  # noqa: ANN204 - an async generator
        yield self.content


def _spread(slots: int) -> tuple[SpreadTransport, list[int]]:
    """A SpreadTransport whose slots and overflow answer with their own number (-1: the overflow)."""
    used: list[int] = []

    def answering(number: int) -> httpx.MockTransport:
        def handler(request: httpx.Request) -> httpx.Response:
            used.append(number)
            return httpx.Response(200, stream=_Body(str(number).encode()))
        return httpx.MockTransport(handler)

    numbers = iter(range(slots))
    return SpreadTransport(slots, lambda: answering(next(numbers)), answering(-1)), used


def test_requests_in_flight_each_take_a_slot_and_beyond_the_slots_the_overflow() -> None:
    async def scenario() -> list[str]:
        transport, _ = _spread(2)
        async with httpx.AsyncClient(transport=transport, base_url="http://icecat") as client:
            streams = [await client.send(client.build_request("GET", "/api"), stream=True) for _ in range(3)]
            bodies = [(await response.aread()).decode() for response in streams]
            for response in streams:
                await response.aclose()
            return bodies

    assert asyncio.run(scenario()) == ["1", "0", "-1"]


def test_a_slot_is_free_again_once_its_response_is_read_or_fails() -> None:
    async def scenario() -> list[int]:
        transport, used = _spread(1)
        async with httpx.AsyncClient(transport=transport, base_url="http://icecat") as client:
            for _ in range(3):
                await client.get("/api")
        return used

    assert asyncio.run(scenario()) == [0, 0, 0]

    async def failing() -> int:
        def broken(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("refused", request=request)

        transport = SpreadTransport(1, lambda: httpx.MockTransport(broken), httpx.MockTransport(broken))
        async with httpx.AsyncClient(transport=transport, base_url="http://icecat") as client:
            with pytest.raises(httpx.ConnectError):
                await client.get("/api")
        return len(transport._idle)

    assert asyncio.run(failing()) == 1
