"""The Parquet schema of `ProductRecord` (`enrich/records.parquet`): one typed column per record field, nested
features, images and media as lists of structs."""
from __future__ import annotations

import pyarrow as pa

from icecat_akeneo.icecat.record import ProductRecord

FEATURE_TYPE = pa.struct([
    ("feature_id", pa.int64()), ("name", pa.string()), ("type", pa.string()), ("raw_value", pa.string()),
    ("unit", pa.string()), ("presentation_value", pa.string()), ("local_value", pa.string()),
    ("group_id", pa.int64()), ("group_name", pa.string()),
])
IMAGE_TYPE = pa.struct([
    ("url", pa.string()), ("url_500", pa.string()), ("url_low", pa.string()), ("url_thumb", pa.string()),
    ("width", pa.int32()), ("height", pa.int32()), ("size", pa.int64()), ("order", pa.int32()),
    ("is_main", pa.bool_()),
])
MEDIA_TYPE = pa.struct([
    ("url", pa.string()), ("kind", pa.string()), ("type", pa.string()), ("mime", pa.string()),
    ("size", pa.int64()), ("language", pa.string()), ("description", pa.string()), ("keep_as_url", pa.bool_()),
])
FEATURE_LOGO_TYPE = pa.struct([
    ("url", pa.string()), ("feature_id", pa.int64()), ("value", pa.string()), ("description", pa.string()),
])
RELATED_TYPE = pa.struct([
    ("icecat_id", pa.int64()), ("mpn", pa.string()), ("brand", pa.string()), ("name", pa.string()),
    ("preferred", pa.bool_()),
])
REVIEW_TYPE = pa.struct([
    ("score", pa.int32()), ("source", pa.string()), ("text", pa.string()), ("good", pa.string()),
    ("bad", pa.string()),
])
REASON_TYPE = pa.struct([("title", pa.string()), ("text", pa.string()), ("image", pa.string())])

RECORD_SCHEMA = pa.schema([
    ("icecat_id", pa.int64()), ("lang", pa.string()), ("content_language", pa.string()),
    ("gtins", pa.list_(pa.string())), ("brand", pa.string()), ("brand_id", pa.string()), ("mpn", pa.string()),
    ("product_name", pa.string()), ("title", pa.string()), ("generated_title", pa.string()),
    ("long_product_name", pa.string()), ("category_id", pa.string()), ("category_name", pa.string()),
    ("product_family", pa.string()), ("description_html", pa.string()), ("description_text", pa.string()),
    ("middle_description", pa.string()), ("short_summary", pa.string()), ("long_summary", pa.string()),
    ("warranty", pa.string()), ("bullet_points", pa.list_(pa.string())),
    ("generated_bullet_points", pa.list_(pa.string())), ("features", pa.list_(FEATURE_TYPE)),
    ("images", pa.list_(IMAGE_TYPE)), ("media", pa.list_(MEDIA_TYPE)), ("release_date", pa.date32()),
    ("end_of_life_date", pa.date32()), ("updated", pa.timestamp("s")), ("quality", pa.string()),
    ("source_format", pa.string()), ("refusals", pa.list_(pa.string())),
    ("product_series", pa.string()), ("brand_logo", pa.string()), ("feature_logos", pa.list_(FEATURE_LOGO_TYPE)),
    ("related", pa.list_(RELATED_TYPE)), ("reviews", pa.list_(REVIEW_TYPE)),
    ("reasons_to_buy", pa.list_(REASON_TYPE)), ("disclaimer", pa.string()), ("product_story_url", pa.string()),
])


def records_to_table(records: list[ProductRecord]) -> pa.Table:
    return pa.Table.from_pylist([r.to_row() for r in records], schema=RECORD_SCHEMA)
