"""Turn a product into the bytes Icecat would send: mutations applied, blocks filtered, media rewritten."""

from __future__ import annotations

import json
from typing import Any

from lxml import etree

from sandbox.icecat.state import Mutation

# `content=` filter names (DOC-JSON + clients) → response keys; response keys are accepted as they are.
CONTENT_ALIASES: dict[str, str] = {"featuregroups": "FeaturesGroups", "related": "ProductRelated"}
ALWAYS_KEPT = ("DemoAccount",)


def mutated_title(title: str, mutation: Mutation) -> str:
    return f"{title} (rev {mutation.revision})"


def mutated_description(description: str, mutation: Mutation) -> str:
    return f"{description}<p>Revision {mutation.revision} of this data-sheet.</p>"


def apply_mutation_json(data: dict[str, Any], mutation: Mutation | None) -> None:
    if mutation is None:
        return
    info = data["GeneralInfo"]
    info["Title"] = mutated_title(str(info.get("Title", "")), mutation)
    description = info.setdefault("Description", {})
    description["LongDesc"] = mutated_description(str(description.get("LongDesc", "")), mutation)
    description["Updated"] = mutation.updated


def apply_mutation_xml(document: bytes, mutation: Mutation | None) -> bytes:
    """The data-sheet with title, long description and `ProductDescription@Updated` changed."""
    if mutation is None:
        return document
    root = etree.fromstring(document, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    product = root.find("Product")
    product.set("Title", mutated_title(product.get("Title", ""), mutation))
    description = product.find("ProductDescription")
    if description is None:
        description = etree.SubElement(product, "ProductDescription")
    description.set("LongDesc", mutated_description(description.get("LongDesc", ""), mutation))
    description.set("Updated", mutation.updated)
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")


def filter_content(data: dict[str, Any], content: str | None) -> dict[str, Any]:
    """Keep the blocks named in `content=` (comma-separated, case-insensitive); empty or `All` keeps all."""
    if content is None or not content.strip() or content.strip().lower() == "all":
        return data
    by_lower = {key.lower(): key for key in data}
    wanted = set(ALWAYS_KEPT)
    for name in (part.strip().lower() for part in content.split(",")):
        key = CONTENT_ALIASES.get(name) or by_lower.get(name)
        if key:
            wanted.add(key)
    return {key: value for key, value in data.items() if key in wanted}


def json_envelope(data: dict[str, Any]) -> str:
    return json.dumps({"msg": "OK", "data": data}, ensure_ascii=False, separators=(",", ":"))
