"""Pure parts of the client: reading collection-PATCH answers and following next links."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from icecat_akeneo.akeneo.api_mode import checked_api_mode, decide_api_mode
from icecat_akeneo.akeneo.errors import PaginationLoopError
from icecat_akeneo.akeneo.lines import encode_ndjson, parse_line_results, read_ndjson, write_ndjson
from icecat_akeneo.akeneo.pagination import LinkPaginator


def test_a_line_akeneo_did_not_answer_is_never_reported_as_done() -> None:
    sent = [{"identifier": "a"}, {"identifier": "b"}]
    results = parse_line_results('{"line":1,"identifier":"a","status_code":204}', sent)
    assert [(r.identifier, r.status_code, r.ok) for r in results] == [("a", 204, True), ("b", 0, False)]
    assert "no result" in (results[1].message or "")


def test_an_invalid_json_line_keeps_the_identifier_we_sent() -> None:
    results = parse_line_results(
        '{"line":1,"status_code":400,"message":"Invalid json message received"}', [{"identifier": "a"}]
    )
    assert (results[0].identifier, results[0].status_code, results[0].detail) == (
        "a",
        400,
        "Invalid json message received",
    )


def test_options_lines_are_keyed_by_code() -> None:
    results = parse_line_results('{"line":1,"code":"black","status_code":201}', [{"code": "black"}], key_field="code")
    assert results[0].identifier == "black" and results[0].ok


def test_every_unicode_line_break_in_a_value_stays_inside_its_line() -> None:
    text = "a\nb\rc\u2028d\u2029e\u0085f\x1cg"
    body = encode_ndjson(
        [{"identifier": "x", "values": {"d": [{"data": text}]}}, {"identifier": "y"}]
    ).decode()
    assert len(body.splitlines()) == 2
    assert json.loads(body.splitlines()[0])["values"]["d"][0]["data"] == text


def test_paginator_stops_without_next_link_or_items() -> None:
    paginator = LinkPaginator()
    assert paginator.next_url({"_links": {"next": {"href": "u2"}}, "_embedded": {"items": [1]}}) == "u2"
    assert paginator.next_url({"_links": {}, "_embedded": {"items": [1]}}) is None
    assert paginator.next_url({"_links": {"next": {"href": "u3"}}, "_embedded": {"items": []}}) is None
    assert paginator.next_url([{"code": "Weight"}]) is None


def test_paginator_refuses_to_follow_the_same_link_twice() -> None:
    paginator = LinkPaginator()
    page = {
        "_links": {"next": {"href": "http://pim/api/rest/v1/products?search_after=abc"}},
        "_embedded": {"items": [{"identifier": "a"}]},
    }
    paginator.next_url(page)
    with pytest.raises(PaginationLoopError, match="search_after=abc"):
        paginator.next_url(page)


def test_a_file_with_raw_unicode_line_separators_reads_back_one_body_per_line(tmp_path: Path) -> None:
    """JSON allows U+2028/U+2029 raw inside strings (another writer may leave them so): only "\\n" ends a line."""
    bodies = [{"identifier": "a", "text": "one\u2028two\u2029three\u0085four"}, {"identifier": "b"}]
    raw = tmp_path / "raw.ndjson"
    raw.write_text("".join(json.dumps(body, ensure_ascii=False) + "\n" for body in bodies), encoding="utf-8")
    assert list(read_ndjson(raw)) == bodies
    ours = tmp_path / "ours.ndjson"
    assert write_ndjson(ours, bodies) == 2
    assert "\u2028" not in ours.read_text(encoding="utf-8") and list(read_ndjson(ours)) == bodies


def _sent(*keys: str, field: str = "identifier") -> list[dict]:
    return [{field: key, "values": {"name": [{"locale": None, "scope": None, "data": key}]}} for key in keys]


def test_an_answer_naming_another_product_fails_the_line_sent_and_accepts_nothing() -> None:
    answers = "\n".join(json.dumps({"line": n, "identifier": key, "status_code": 204})
                        for n, key in ((1, "A"), (2, "C"), (3, "C")))
    results = parse_line_results(answers, _sent("A", "B", "C"))
    assert [(r.identifier, r.status_code, r.ok) for r in results] == [("A", 204, True), ("B", 0, False),
                                                                      ("C", 204, True)]
    assert results[1].message == "Akeneo's answer line 2 names C, the line sent was B"
    assert results[1].sent == _sent("A", "B", "C")[1]  # B's own body, never C's values recorded as B's


def test_a_line_split_into_several_answers_is_a_failure_of_the_product_sent() -> None:
    """An Akeneo stand-in that split one line in four: nothing of it may count as accepted."""
    answers = "\n".join(json.dumps({"line": 1, "identifier": key, "status_code": 204}) for key in "ABCD")
    results = parse_line_results(answers, _sent("A"))
    assert [(r.identifier, r.ok) for r in results] == [("A", False)]
    assert results[0].message == "Akeneo answered line 1 4 times; the line sent was A"


def test_a_success_naming_no_product_is_not_taken_as_a_success() -> None:
    results = parse_line_results('{"line":1,"status_code":204}', _sent("A"))
    assert (results[0].ok, results[0].message) == (False, "Akeneo's answer line 1 names no identifier, "
                                                          "the line sent was A")


@pytest.mark.parametrize(("field", "sent", "named", "ok"), [
    ("uuid", "0d6a2b7e-1c1e-4e8e-9d1c-5f3b2a1e0c01", "0d6a2b7e-1c1e-4e8e-9d1c-5f3b2a1e0c01", True),
    ("uuid", "0d6a2b7e-1c1e-4e8e-9d1c-5f3b2a1e0c01", "9f0c1d2e-0000-4e8e-9d1c-5f3b2a1e0c02", False),
    ("code", "DEMO-S25P", "DEMO-S25P", True),
    ("code", "DEMO-S25P", "DEMO-S25P-GREEN", False),
])
def test_the_key_field_is_a_parameter(field: str, sent: str, named: str, ok: bool) -> None:
    answer = json.dumps({"line": 1, field: named, "status_code": 204})
    [result] = parse_line_results(answer, _sent(sent, field=field), key_field=field)
    assert (result.identifier, result.ok) == (sent, ok)
    if not ok:
        assert result.message == f"Akeneo's answer line 1 names {named}, the line sent was {sent}"


@pytest.mark.parametrize(("forced", "info", "root", "expected"), [
    ("auto", {"edition": "Serenity", "version": "20260101000000"}, None,
     ("uuid", "Serenity", "20260101000000", "system-information")),
    ("auto", {"edition": "CE", "version": "7.0.50"}, None, ("uuid", "CE", "7.0.50", "system-information")),
    ("auto", {"edition": "CE", "version": "6.0.60"}, None, ("identifier", "CE", "6.0.60", "system-information")),
    ("auto", None, {"routes": {"pim_api_product_uuid_list": {"route": "/api/rest/v1/products-uuid"}}},
     ("uuid", None, None, "route list")),
    ("auto", None, {"routes": {"pim_api_product_list": {"route": "/api/rest/v1/products"}}},
     ("identifier", None, None, "route list")),
    ("identifier", {"edition": "CE", "version": "7.0.50"}, None, ("identifier", "CE", "7.0.50", "connection")),
    ("uuid", None, None, ("uuid", None, None, "connection")),
])
def test_the_products_api_mode(forced: str, info: dict | None, root: dict | None, expected: tuple) -> None:
    decided = decide_api_mode(forced, info, root)
    assert (decided.mode, decided.edition, decided.version, decided.decided_by) == expected


def test_an_unknown_api_mode_is_refused_with_the_choices() -> None:
    assert checked_api_mode(None) == "auto" and checked_api_mode(" UUID ") == "uuid"
    with pytest.raises(ValueError, match="api_mode must be one of auto, uuid, identifier, got 'sku'"):
        checked_api_mode("sku")
