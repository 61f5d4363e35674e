"""HTML sanitizing of every text value sent to Akeneo, with nh3 (Ammonia): one allow-list per target kind.

Icecat text ends up in a customer's PIM and from there on their web shop, so a `<script>`, an `onerror=`,
a `javascript:` link, an `<svg onload>` or an `<iframe>` in a description must never get there:
- RICH (textarea attributes with the WYSIWYG editor): the tags of `RICH_TAGS`, no attributes but `href`/
  `title` on links (http, https and mailto only, given `rel="noopener"`), cell spans, a table's `class`;
  comments, scripts and styles removed with their content;
- PLAIN (text attributes, textareas without the editor): no tags at all, entities decoded to characters,
  line breaks kept where the HTML had them.
A mapping field may ask for `html: plain` on a rich attribute, never for more than its attribute allows.
"""

from __future__ import annotations

import html
import re
from typing import Any

import nh3

from icecat_akeneo.catalog.taxonomy import TEXTAREA

RICH, PLAIN = "rich", "plain"
RICH_TAGS = frozenset({
    "p", "br", "ul", "ol", "li", "b", "i", "strong", "em", "u", "sub", "sup", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "a",
})
RICH_ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"},
                   "table": {"class"}}
LINK_SCHEMES = frozenset({"http", "https", "mailto"})
DROPPED_WITH_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "svg", "math", "template",
                                  "noscript", "textarea", "select"})
_LINE_BREAK_TAGS = re.compile(r"<\s*(?:br\b[^>]*|/\s*(?:p|li|div|tr|h[1-6]|ul|ol|table)\s*)>", re.IGNORECASE)
_MAX_ROUNDS = 5


def rich_html(text: str) -> str:
    """`text` restricted to the rich-text allow-list (text without markup is left exactly as it is)."""
    if "<" not in text and "&" not in text:
        return text
    return nh3.clean(text, tags=set(RICH_TAGS), attributes={tag: set(names) for tag, names in RICH_ATTRIBUTES.items()},
                     url_schemes=set(LINK_SCHEMES), link_rel="noopener", strip_comments=True,
                     clean_content_tags=set(DROPPED_WITH_CONTENT))


def plain_text(text: str) -> str:
    """`text` without any tag, entities decoded. Repeated until nothing changes, so an entity-encoded tag
    (`&lt;script&gt;`) cannot come back as a real one once decoded."""
    for _ in range(_MAX_ROUNDS):
        if "<" not in text and "&" not in text:
            return text
        cleaned = html.unescape(nh3.clean(_LINE_BREAK_TAGS.sub("\n", text), tags=set(),
                                          clean_content_tags=set(DROPPED_WITH_CONTENT)))
        if cleaned == text:
            return text
        text = cleaned
    return text.replace("<", "").replace(">", "")


def html_kind(attribute: dict[str, Any], requested: str | None) -> str:
    """RICH only for a textarea with the WYSIWYG editor, and only when the field does not ask for PLAIN."""
    allowed = RICH if attribute.get("type") == TEXTAREA and attribute.get("wysiwyg_enabled") else PLAIN
    return PLAIN if PLAIN in (allowed, requested) else RICH


def sanitize(text: str, kind: str) -> str:
    return rich_html(text) if kind == RICH else plain_text(text)
