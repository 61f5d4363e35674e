"""Hundreds of malformed Icecat documents, derived from the real samples, against the normalizer.

Each document either normalizes into a record (bad values refused into `refusals`) that Parquet accepts in
one table with normal records, or raises NormalizeError naming the product (the lookup source) and the
field. Anything else (an AttributeError, a RecursionError, a record that breaks the Parquet write, an error
that only says "connector bug") would fail every product of a run, so it counts as unhandled.
Run with `-s` to see the counts.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from icecat_akeneo.icecat.normalize import UNEXPECTED, NormalizeError, normalize_file, normalize_response
from icecat_akeneo.icecat.record import ProductRecord
from icecat_akeneo.icecat.record_schema import records_to_table

SAMPLES = Path(__file__).resolve().parents[2] / "sandbox" / "icecat" / "samples"
JSON_SAMPLES = sorted(p for p in SAMPLES.glob("*.json"))
XML_SAMPLES = sorted(p for p in SAMPLES.glob("*.xml") if "notfound" not in p.name and "index" not in p.name)
BIG = "A" * 5_000_000
WRONG_VALUES: list[Any] = [12345, True, 1.5, ["a", 1], {"Value": 7}, -1, 2**70, "\ud800", math.nan]
HOSTILE_URLS = [
    "javascript:alert(1)", "file:///etc/passwd", "data:text/html,<script>alert(1)</script>", "http://",
    "http://[::1", "http://a:99999/x.jpg", "http://images.icecat.biz/a b.jpg", "//images.icecat.biz/x.jpg",
    "http://images.icecat.biz/\x00.jpg", "https://" + "a" * 10_000 + ".jpg", True, 42, {"url": "x"},
]
HOSTILE_HTML = [
    "<script>alert(1)</script><b>x</b>", "<svg onload=alert(1)>", "<img src=x onerror=alert(1)>",
    "<a href=\"javascript:alert(1)\">x", "<!-- never closed", "<![CDATA[ x", "&#xD800; &#99999999; &bogus;",
    "<" * 10_000, "<p>" * 20_000, "</b></p></ul>" * 1000, "<iframe src=//evil>",
]


def _sample(path: Path) -> dict[str, Any]:
    document = json.loads(path.read_text(encoding="utf-8"))
    document = document[0] if isinstance(document, list) else document
    return document.get("data", document)


def _paths(value: Any, path: tuple = ()) -> Iterator[tuple]:
    """Every path of a JSON value; of a list only its first item is descended (the shape, not the data)."""
    yield path
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*path, key))
    elif isinstance(value, list) and value:
        yield from _paths(value[0], (*path, 0))


def _replaced(document: dict[str, Any], path: tuple, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    parent = changed
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = value
    return changed


def _nested(depth: int) -> Any:
    value: Any = "bottom"
    for level in range(depth):
        value = [value] if level % 2 else {"x": value}
    return value


JABRA = _sample(SAMPLES / "icecat-learning-hub__zip_json_jabra-evolve2-50_headset_EN.json")


def _wrong_types() -> Iterator[tuple[str, Any]]:
    """Each path of a real data-sheet given two values of another type than the sample's (or out of range)."""
    for index, path in enumerate(p for p in _paths(JABRA) if p):
        original = _at(JABRA, path)
        for value in (WRONG_VALUES[index % len(WRONG_VALUES)], WRONG_VALUES[(index + 3) % len(WRONG_VALUES)]):
            if type(value) is not type(original) and not (isinstance(value, int) and str(original).isdigit()):
                yield f"{value!r:.20} at {path}", _replaced(JABRA, path, value)


def _at(document: Any, path: tuple) -> Any:
    for part in path:
        document = document[part]
    return document


def _json_documents() -> Iterator[tuple[str, Any]]:
    for sample in JSON_SAMPLES:
        raw = sample.read_bytes()
        for fraction in (0.01, 0.3, 0.6, 0.999):
            yield f"{sample.name} truncated at {fraction}", raw[: int(len(raw) * fraction)]
        yield f"{sample.name} invalid UTF-8", raw[:500] + b"\xff\xfe\xc3" + raw[500:]
        yield f"{sample.name} as UTF-16", raw.decode("utf-8").encode("utf-16")
        latin = raw.decode("utf-8").replace("GeneralInfo", "GénéralInfo").encode("latin-1", "replace")
        yield f"{sample.name} as Latin-1", latin
    data = _sample(SAMPLES / "icecat-learning-hub__json_56195846_dell-g5-5587-laptop_EN.json")
    general, gallery, media = ("GeneralInfo",), ("Gallery", 0), ("Multimedia", 0)
    feature = ("FeaturesGroups", 0, "Features", 0, "Feature")
    texts = [(*general, "Title"), (*general, "Description", "LongDesc"), (*gallery, "Pic"), (*feature, "Name", "Value")]
    for path in texts:
        yield f"5 MB string at {path}", _replaced(data, path, BIG)
        yield f"lone surrogate at {path}", _replaced(data, path, "ok \udc00 ok")
    text = json.dumps({"data": _replaced(data, (*general, "Title"), "x")})
    yield "lone surrogate in JSON text", text.replace('"x"', '"\\ud800x"')
    for depth in (100, 1000, 5000):
        yield f"{depth} levels deep (object)", _replaced(data, ("ProductRelated",), _nested(depth))
        yield f"{depth} levels deep (text)", '{"data": ' + "[" * depth + "]" * depth + "}"
    for path, number in [
        ((*general, "IcecatId"), 2**70), ((*general, "IcecatId"), -1), ((*general, "IcecatId"), 0),
        ((*general, "IcecatId"), "1" * 5000), ((*media, "Size"), 1e30), ((*media, "Size"), 10**30),
        ((*media, "Size"), -5), ((*feature, "ID"), 2**64), ((*feature, "ID"), -1), ((*gallery, "PicWidth"), 2**40),
        ((*gallery, "No"), "²"), ((*gallery, "Size"), math.inf), (("FeaturesGroups", 0, "FeatureGroup", "ID"), 2**63),
    ]:
        yield f"{number!r:.40} at {path}", _replaced(data, path, number)
    yield "huge JSON number literal", '{"data": {"GeneralInfo": {"IcecatId": ' + "9" * 5000 + "}}}"
    yield "NaN and Infinity literals", '{"data": {"GeneralInfo": {"IcecatId": 7, "Title": NaN, "BrandID": Infinity}}}'
    for index, url in enumerate(HOSTILE_URLS):
        urls = [(*gallery, "Pic"), (*media, "URL"), (*general, "Description", "ManualPDFURL"), ("Image", "HighPic")]
        path = urls[index % len(urls)]
        yield f"hostile URL {url!r:.40} at {path}", _replaced(data, path, url)
    for html in HOSTILE_HTML:
        yield f"hostile HTML {html[:30]!r}", _replaced(data, (*general, "Description", "LongDesc"), html)
    for body in ("", "null", "[]", "[1, 2]", '"text"', "{}", '{"data": []}', '{"StatusCode": {"a": 1}}', "\ufeff{}"):
        yield f"degenerate body {body!r}", body


def _xml_documents() -> Iterator[tuple[str, Any]]:
    for sample in XML_SAMPLES:
        raw = sample.read_bytes()
        for fraction in (0.05, 0.5, 0.95):
            yield f"{sample.name} truncated at {fraction}", raw[: int(len(raw) * fraction)]
        yield f"{sample.name} invalid UTF-8", raw.replace(b"<Product ", b"<Product \xff\xfe ", 1)
        yield f"{sample.name} as text with an encoding declaration", raw.decode("utf-8")
        text = raw.decode("utf-8")
        for attribute, value in [(' ID="', "1180591620717411303424"), (' ID="', "-1"), (' Size="', "1e30"),
                                 (' Pic="', "javascript:alert(1)"), (' HighPicWidth="', "99999999999"),
                                 (' No="', "²"), (' Value="', "\\n" * 100_000), (' LongDesc="', "&lt;script&gt;x")]:
            if attribute in text:
                start = text.index(attribute) + len(attribute)
                end = text.index('"', start)
                yield f"{sample.name}{attribute}{value[:20]}", text[:start] + value + text[end:]
    dell = (SAMPLES / "icecat-learning-hub__xml_56195846_dell-g5-5587-laptop_EN.xml").read_text(encoding="utf-8")
    yield "entity bomb", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>' \
        '<ICECAT-interface><Product ID="1" Title="&b;"/></ICECAT-interface>'
    yield "1000 levels deep", "<ICECAT-interface>" + "<x>" * 1000 + "</x>" * 1000 + "</ICECAT-interface>"
    yield "Product without ID", dell.replace('<Product ', '<Product Nope="', 1).replace('Nope="', '', 1)
    without = dell.replace("<Feature ", "<Futures ", 3).replace("</Feature>", "</Futures>", 3)
    yield "ProductFeature without Feature", without
    yield "5 MB title", dell.replace(' Title="', ' Title="' + BIG, 1)


def _normal_records() -> list[ProductRecord]:
    return [record for sample in (*JSON_SAMPLES, *XML_SAMPLES) for record in normalize_file(sample)]


def test_malformed_documents_become_records_or_named_refusals(tmp_path: Path) -> None:
    documents = [*_wrong_types(), *_json_documents(), *_xml_documents()]
    records, refused, unhandled = _normal_records(), [], []
    for index, (what, body) in enumerate(documents):
        source = f"gtin {index:013d}"
        try:
            records.append(normalize_response(body, "EN", source=source))
        except NormalizeError as error:
            named = error.product == source and error.field and error.problem and source in str(error)
            (refused if named and UNEXPECTED not in error.problem else unhandled).append((what, str(error)))
        except Exception as error:  # noqa: BLE001 - counting what escaped is the point of the test
            unhandled.append((what, f"{type(error).__name__}: {error}"[:300]))
    table = records_to_table(records)
    pq.write_table(table, tmp_path / "records.parquet")
    with_refusals = sum(1 for record in records if record.refusals)
    print(f"\nfuzz documents: tried {len(documents)}, refused with a clear message {len(refused)}, "
          f"normalized {len(records) - len(_normal_records())} ({with_refusals} with per-field refusals), "
          f"unhandled {len(unhandled)}")
    assert len(documents) >= 300
    assert unhandled == []
    assert pq.read_table(tmp_path / "records.parquet").num_rows == len(records)
    assert all(": " in line and line.split(": ", 1)[0] for record in records for line in record.refusals)


def test_a_wrong_type_is_refused_never_silently_coerced() -> None:
    """A wrong value that changes the record must leave a refusal saying so (Title 12345 is no "12345")."""
    intact = normalize_response(JABRA, "EN")
    coerced = []
    for what, document in _wrong_types():
        try:
            record = normalize_response(document, "EN")
        except NormalizeError:
            continue
        if not record.refusals and record != intact:
            coerced.append(what)
    assert coerced == []


def test_refusals_survive_the_parquet_round_trip(tmp_path: Path) -> None:
    data = _sample(SAMPLES / "icecat-learning-hub__json_56195846_dell-g5-5587-laptop_EN.json")
    record = normalize_response(_replaced(data, ("GeneralInfo", "Title"), 12345), "EN")
    pq.write_table(records_to_table([record]), tmp_path / "one.parquet")
    assert pq.read_table(tmp_path / "one.parquet").column("refusals").to_pylist() == [
        ["GeneralInfo.Title: expected a string, got the integer 12345"]]
    assert record.title is None
