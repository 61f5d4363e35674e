"""The Asset Manager's data (Akeneo Enterprise / SaaS): asset families, their assets and the asset media files.

In memory, restored on reset to the seeded families (none of their assets). An asset family names its
attributes and `attribute_as_main_media`; an asset's values are keyed like product values but with `channel`
instead of `scope`, and a `media_file` value holds the code of an uploaded asset media file. Products point at
assets through `pim_catalog_asset_collection` attributes (`reference_data_name` = the family), whose values
`values.ValueChecker` checks here.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from sandbox.akeneo.errors import ApiError, validation_failed

ASSET_CODE = re.compile(r"[A-Za-z0-9_]{1,255}")
DEMO_FAMILIES: list[dict[str, Any]] = [
    {
        "code": "icecat_pictures",
        "labels": {"en_US": "Icecat pictures"},
        "attribute_as_main_media": "media",
        "naming_convention": {},
        "product_link_rules": [],
        "transformations": [],
        "attributes": [
            {"code": "media", "type": "media_file", "media_type": "image", "localizable": False,
             "scopable": False, "allowed_extensions": ["jpg", "jpeg", "png", "gif", "webp", "tif", "tiff"]},
            {"code": "source_url", "type": "text", "localizable": False, "scopable": False},
        ],
    },
]
"""The demo catalogue's one asset family: product pictures, one asset per picture."""
FAMILY_KEYS = ("code", "labels", "attribute_as_main_media", "naming_convention", "product_link_rules",
               "transformations")


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


@dataclass
class AssetMediaFile:
    code: str
    filename: str
    mime_type: str
    content: bytes


@dataclass
class AssetStore:
    seed: list[dict[str, Any]] = field(default_factory=lambda: copy.deepcopy(DEMO_FAMILIES))
    families: dict[str, dict[str, Any]] = field(init=False)
    assets: dict[str, dict[str, dict[str, Any]]] = field(init=False)
    media: dict[str, AssetMediaFile] = field(init=False)
    media_uploaded: int = 0

    def __post_init__(self) -> None:
        self.restore()

    def restore(self) -> None:
        self.families = {family["code"]: copy.deepcopy(family) for family in self.seed}
        self.assets = {code: {} for code in self.families}
        self.media = {}
        self.media_uploaded = 0

    # --- reads ---------------------------------------------------------------------------------------------
    def family(self, code: str) -> dict[str, Any]:
        family = self.families.get(code)
        if family is None:
            raise ApiError(404, f'Asset family "{code}" does not exist.')
        return family

    def family_view(self, code: str) -> dict[str, Any]:
        """The family as the API shows it (its attributes have their own endpoint)."""
        return {key: self.family(code).get(key) for key in FAMILY_KEYS}

    def asset(self, family: str, code: str) -> dict[str, Any]:
        found = self.assets[self.family(family)["code"]].get(code)
        if found is None:
            raise ApiError(404, f'Asset "{code}" does not exist.')
        return found

    def exists(self, family: str, code: str) -> bool:
        """Whether the family holds an asset with this code (product asset collection values)."""
        return code in self.assets.get(family, {})

    # --- writes --------------------------------------------------------------------------------------------
    def add_media(self, filename: str, mime_type: str, content: bytes) -> str:
        """Store an uploaded file; its code as Akeneo makes it (`a/b/c/d/<sha1>_<filename>`)."""
        digest = hashlib.sha1(content + str(len(self.media)).encode()).hexdigest()
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", filename) or "file"
        code = f"{digest[0]}/{digest[1]}/{digest[2]}/{digest[3]}/{digest}_{safe}"
        self.media[code] = AssetMediaFile(code, filename, mime_type, content)
        self.media_uploaded += 1
        return code

    def upsert(self, family_code: str, body: Any) -> int:
        """Create (201) or update (204) one asset from its standard format; 422 with Akeneo's messages."""
        family = self.family(family_code)
        if not isinstance(body, dict):
            raise ApiError(422, "Invalid json message received")
        code = body.get("code")
        if not isinstance(code, str) or not ASSET_CODE.fullmatch(code):
            raise validation_failed([{"property": "code", "message": "This field may only contain letters, "
                                      "numbers and underscores."}])
        unknown = sorted(set(body) - {"code", "values", "_links"})
        if unknown:
            raise ApiError(422, f'Property "{unknown[0]}" does not exist.')
        values = self._checked_values(family, body.get("values") or {})
        existing = self.assets[family_code].get(code)
        if existing is None:
            self.assets[family_code][code] = {"code": code, "values": values, "created": _now(), "updated": _now()}
            return 201
        existing["values"] = {**existing["values"], **values}
        existing["updated"] = _now()
        return 204

    def _checked_values(self, family: dict[str, Any], values: Any) -> dict[str, list[dict[str, Any]]]:
        if not isinstance(values, dict):
            raise ApiError(422, 'Property "values" expects an array.')
        attributes = {attribute["code"]: attribute for attribute in family["attributes"]}
        errors = []
        for code, entries in values.items():
            attribute = attributes.get(code)
            if attribute is None:
                raise ApiError(422, f'Attribute "{code}" does not exist for asset family "{family["code"]}".')
            for entry in entries if isinstance(entries, list) else []:
                if not isinstance(entry, dict) or not {"locale", "channel", "data"} <= entry.keys():
                    raise ApiError(422, f'Property "{code}" expects an array with the keys "locale", "channel" '
                                        'and "data".')
                if attribute["type"] == "media_file" and entry["data"] not in self.media:
                    errors.append({"property": f"values.{code}", "message": f'The file "{entry["data"]}" was '
                                   "not found."})
        if errors:
            raise validation_failed(errors)
        return {code: list(entries) for code, entries in values.items()}
