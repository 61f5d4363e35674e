"""Hostile HTML in Icecat text never reaches Akeneo: every text value is sanitized by the target's kind
(rich for WYSIWYG textareas, plain otherwise), whatever the mapping says; URLs in text attributes are checked."""
from __future__ import annotations

import re
from typing import Any

import pytest
from icecat_akeneo.catalog.taxonomy import Taxonomy
from icecat_akeneo.mapping import FieldMapping
from icecat_akeneo.sanitize import PLAIN, RICH, plain_text, rich_html
from icecat_akeneo.values import ValueRejected, convert

from tests.fixtures.mappings.records import demo_taxonomy

TAXONOMY = Taxonomy(demo_taxonomy())
PAYLOADS = [
    '<p>Fast</p><script>alert("x")</script>',
    '<img src="x" onerror="alert(1)">Photo',
    '<a href="javascript:alert(1)">Specs</a>',
    '<svg onload="alert(1)"><circle r="1"/></svg>Logo',
    '<iframe src="https://evil.test/"></iframe>Video',
    '<b onmouseover="alert(1)">Bold</b>',
    '&lt;script&gt;alert(1)&lt;/script&gt;Encoded',
]
EXECUTABLE = re.compile(r"<\s*(script|svg|iframe|img|object|embed)|\son\w+\s*=|javascript:", re.IGNORECASE)


def _convert(attribute: str, value: object, **field: Any) -> Any:
    mapping = FieldMapping(source="description_html", attribute=attribute, **field)
    return convert(value, TAXONOMY.attribute(attribute), mapping, TAXONOMY, locale="en_US", scope="ecommerce")


@pytest.mark.parametrize("attribute", ["description", "short_description", "bullet_points", "name"])
def test_no_hostile_payload_reaches_any_text_attribute(attribute: str) -> None:
    sent = [_convert(attribute, payload) for payload in PAYLOADS]
    stripped = sum(1 for data in sent if isinstance(data, str) and not EXECUTABLE.search(data))
    print(f"{attribute}: {len(PAYLOADS)} payloads tried, {stripped} stripped")
    assert stripped == len(PAYLOADS), sent


def test_rich_text_keeps_its_formatting_and_safe_links() -> None:
    html = ('<h2>Intro</h2><p>A <b>bold</b> <em>claim</em><br>line</p><ul><li>one</li></ul>'
            '<table><tr><td colspan="2">cell</td></tr></table><a href="https://dell.com" target="_blank">site</a>'
            '<a href="mailto:sales@dell.com">mail</a><div class="x" style="color:red">text</div>')
    cleaned = rich_html(html)
    for kept in ("<h2>Intro</h2>", "<b>bold</b>", "<em>claim</em>", "<br>", "<li>one</li>", 'colspan="2"',
                 '<a href="https://dell.com" rel="noopener">site</a>', 'href="mailto:sales@dell.com"'):
        assert kept in cleaned, cleaned
    assert "style" not in cleaned and "class" not in cleaned and "<div" not in cleaned and "target" not in cleaned


def test_plain_text_has_no_tags_and_decoded_entities() -> None:
    assert plain_text("<p>Dell &amp; Co&nbsp;G5</p><p>15&quot;</p>") == "Dell & Co\xa0G5\n15\"\n"
    assert plain_text("size < 5 cm & > 2 cm") == "size < 5 cm & > 2 cm"
    assert plain_text("&lt;script&gt;alert(1)&lt;/script&gt;ok") == "ok"


def test_the_mapping_may_narrow_but_not_widen_the_kind() -> None:
    html = "<b>Bold</b> text"
    assert _convert("description", html) == html
    assert _convert("description", html, html=PLAIN) == "Bold text"
    assert _convert("name", html, html=RICH) == "Bold text"  # a text attribute never holds HTML


@pytest.mark.parametrize("url", ["javascript:alert(1)", "file:///etc/passwd", "JAVASCRIPT:alert(1)",
                                 "http://user:pw@images.icecat.biz/a.jpg", "data:text/html,<script>x</script>"])
def test_text_attributes_never_receive_unsafe_urls(url: str) -> None:
    mapping = FieldMapping(source="title", attribute="name")
    result = convert(url, TAXONOMY.attribute("name"), mapping, TAXONOMY, locale="en_US", scope="ecommerce")
    assert isinstance(result, ValueRejected) and result.kind == "unsafe_url", result
    assert convert("https://images.icecat.biz/img/a.jpg", TAXONOMY.attribute("name"), mapping, TAXONOMY,
                   locale="en_US", scope="ecommerce") == "https://images.icecat.biz/img/a.jpg"
