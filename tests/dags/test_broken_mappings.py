"""Broken mapping files, derived from the demo mapping: each is an import error naming its file (and its line
and key where it has them), and the good client's DAGs still load. Run with `-s` to see the counts."""
from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from icecat_akeneo.mapping import MAX_FILE_BYTES, MappingError, load_mapping

REPO = Path(__file__).resolve().parents[2]
DEMO = (REPO / "include" / "mappings" / "demo.yaml").read_text(encoding="utf-8")
BOMB = "l0: &l0 [x]\n" + "".join(
    f"l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * 10)}]\n" for level in range(1, 9))
TOP_LEVEL_KEYS = ["version", "client", "mapping_option", "connections", "schedule", "start_date", "selection",
                  "identifiers", "languages", "channel", "fields", "completeness", "params"]
REQUIRED_KEYS = ["version", "client", "connections", "start_date", "identifiers", "languages", "channel", "fields"]


# (what, demo text, replaced by, what the error must contain: the key, or the problem where there is no key)
REPLACEMENTS = [
    ("impossible date", "start_date: 2026-11-01", "start_date: 2026-02-30", ":12 start_date:"),
    ("month 13", "start_date: 2026-11-01", "start_date: 2026-13-01", ":12 start_date:"),
    ("NUL byte", "channel: ecommerce", "channel: ecom\x00merce", ":25 (file): contains a NUL byte"),
    ("recursive alias", "selection:\n", "loop: &loop [*loop]\nselection:\n", "recursive alias"),
    ("deep nesting", "description: Demo", "description: " + "[" * 100 + "]" * 100 + " #", "nesting"),
    ("python tag", "channel: ecommerce", "channel: !!python/object/apply:os.system [id]", ":25 channel"),
    ("9000-digit number", "batch_size: 100", "batch_size: " + "9" * 9000, "params.batch_size"),
    ("syntax error", "channel: ecommerce", "channel: [ecommerce", "(yaml)"),
    ("tab indentation", "  akeneo: akeneo_demo", "\takeneo: akeneo_demo", "(yaml)"),
    ("unprintable character", "channel: ecommerce", "channel: ecom\x07merce", ":25 (yaml)"),
    ("a bad cron", 'schedule: "@daily"', 'schedule: "61 * * * *"', ":11 schedule: schedule '61 * * * *'"),
    ("cron prose", 'schedule: "@daily"', 'schedule: "every day"', ":11 schedule:"),
    ("an unknown preset", 'schedule: "@daily"', 'schedule: "@fortnightly"', ":11 schedule:"),
    ("unknown language XX", "  DE: de_DE", "  XX: de_DE", "languages.XX: Icecat language 'XX'"),
    ("two languages, one locale", "  DE: de_DE", "  US: en_US", ":22 languages: one Icecat language"),
    ("a bad locale", "  DE: de_DE", "  DE: german", "languages.DE: Akeneo locale"),
    ("empty akeneo connection", "akeneo: akeneo_demo", 'akeneo: ""', "connections.akeneo"),
    ("blank icecat connection", "icecat: icecat_demo", 'icecat: "  "', "connections.icecat"),
    ("duplicate key", "channel: ecommerce", "channel: ecommerce\nchannel: print", "key given twice"),
    ("client is not the file name", "client: demo", "client: someone", "must equal the file name"),
    ("unknown source", "source: release_date", "source: launch_date", "fields[4].source"),
    ("unknown key", "channel: ecommerce", "channel: ecommerce\nchanel: print", "chanel"),
    ("negative failure ratio", "failure_ratio: 0.3", "failure_ratio: -1", "params.failure_ratio"),
]


def _replace(old: str, new: str) -> str:
    assert old in DEMO, old
    return DEMO.replace(old, new, 1)


def _without_key(key: str) -> str:
    """The demo without one top-level key (and its block)."""
    lines = DEMO.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{key}:"))
    end = next((i for i in range(start + 1, len(lines)) if lines[i][:1].isalpha()), len(lines))
    return "".join(lines[:start] + lines[end:])


def _with_value(key: str, value: str) -> str:
    return _without_key(key) + f"{key}: {value}\n"


def _broken() -> Iterator[tuple[str, bytes | str, str]]:
    """(what, content, text the error must contain: the key, or the problem where there is no key)."""
    for what, old, new, expected in REPLACEMENTS:
        yield what, _replace(old, new), expected
    yield "invalid UTF-8", _replace("channel: ecommerce", "channel: ecommerce").encode() + b"# \xff\xfe\n", "UTF-8"
    latin = _replace("description: Demo", "description: Démo").encode("latin-1")
    yield "Latin-1 text", latin, ":6 (file): not valid UTF-8"
    yield "UTF-16 file", DEMO.encode("utf-16"), "UTF-8"
    yield "alias bomb", BOMB + DEMO, "once aliases are expanded"
    yield "alias bomb as a value", BOMB + _replace("  updated_in_interval: false\n",
                                                   "  updated_in_interval: false\n  extra_filters: {sku: *l8}\n"), \
        "expanded"
    yield "too many aliases", "a: &a 1\n" + "".join(f"k{i}: *a\n" for i in range(300)) + DEMO, "aliases"
    yield "too large", DEMO + "#" * (MAX_FILE_BYTES + 1), "more than a mapping file needs"
    yield "a list at the top", "- 1\n- 2\n", "(top level)"
    yield "a scalar at the top", "just text\n", "(top level)"
    yield "an empty file", "", "(top level)"
    yield "two fields, one attribute", _replace("attribute: short_description", "attribute: name"), \
        ":29 fields[2]: writes 'name'"
    yield "all identifiers null", _replace("  gtin: ean\n  brand: brand\n  mpn: mpn\n  icecat_id: icecat_id",
                                           "  gtin: null\n  brand: null\n  mpn: null\n  icecat_id: null"), "identifiers"
    yield "brand without mpn only", _replace("  gtin: ean\n  brand: brand\n  mpn: mpn\n  icecat_id: icecat_id",
                                             "  brand: brand"), "identifiers: no identifier"
    yield "field is a string", _replace("  - {source: release_date, attribute: release_date}", "  - release_date"),\
        "fields[4]"
    for key in REQUIRED_KEYS:
        yield f"without {key}", _without_key(key), f"{key}: Field required" if key != "client" else "client"
    for key in TOP_LEVEL_KEYS:
        yield f"{key} is a list", _with_value(key, "[1, 2]"), key
    for key in ("connections", "selection", "identifiers", "languages", "fields", "params", "start_date"):
        yield f"{key} is a number", _with_value(key, "12"), key


def _write(folder: Path) -> dict[str, tuple[str, str]]:
    """Each broken file as `bad_NN.yaml` (its `client` renamed to match); name -> (what, expected)."""
    written = {}
    for index, (what, content, expected) in enumerate(_broken()):
        name = f"bad_{index:02d}"
        if isinstance(content, str):
            content = content.replace("client: demo", f"client: {name}", 1).encode("utf-8")
        else:
            content = content.replace(b"client: demo", f"client: {name}".encode(), 1)
        (folder / f"{name}.yaml").write_bytes(content)
        written[name] = (what, expected)
    return written


def test_every_broken_file_is_a_mapping_error_naming_file_line_and_key(tmp_path: Path) -> None:
    written, slowest = _write(tmp_path), (0.0, "")
    wrong = []
    for name, (what, expected) in written.items():
        started = time.perf_counter()
        try:
            load_mapping(tmp_path / f"{name}.yaml")
            message = "loaded without an error"
        except MappingError as error:
            message = str(error)
        slowest = max(slowest, (time.perf_counter() - started, what))
        if not (message.startswith(f"{tmp_path / name}.yaml:") and expected in message and "bug" not in message):
            wrong.append((what, expected, message[:300]))
    print(f"\nbroken mapping files: tried {len(written)}, isolated with file:line key {len(written) - len(wrong)}"
          f"; slowest {slowest[1]!r} in {slowest[0] * 1000:.1f} ms")
    assert len(written) >= 50
    assert wrong == []


def test_an_alias_bomb_is_refused_after_composing_only_its_few_nodes(tmp_path: Path) -> None:
    """10^8 nodes once expanded; the guard counts the 100 nodes written, never expands them."""
    from icecat_akeneo import mapping

    loader = mapping._GuardedLoader(BOMB)
    root = loader.get_single_node()
    assert loader.nodes == 100             # 9 keys, 9 lists, 1 scalar, 80 aliases and the root
    assert "once aliases are expanded" in mapping._check_expansion(root)


@pytest.mark.usefixtures("airflow_db")
def test_broken_files_cost_only_their_own_clients(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from airflow.dag_processing.dagbag import DagBag

    (tmp_path / "demo.yaml").write_text(DEMO, encoding="utf-8")
    written = _write(tmp_path)
    monkeypatch.setenv("ICECAT_AKENEO_MAPPINGS", str(tmp_path))
    bag = DagBag(dag_folder=str(REPO / "dags"))
    assert {"icecat_sync__demo", "icecat_preflight__demo"} <= set(bag.dag_ids)
    assert not [dag_id for dag_id in bag.dag_ids if "bad_" in dag_id]
    errors = "\n".join(bag.import_errors.values())
    assert len(bag.import_errors) == 3     # one placeholder per DAG file (sync, preflight, events), nothing else
    assert [name for name in written if f"{name}.yaml:" not in errors] == []


def test_a_dag_that_cannot_be_built_costs_only_its_client(tmp_path: Path) -> None:
    from airflow.sdk import DAG
    from icecat_akeneo.dag_support import register_client_dags

    (tmp_path / "demo.yaml").write_text(DEMO, encoding="utf-8")
    (tmp_path / "acme.yaml").write_text(DEMO.replace("client: demo", "client: acme"), encoding="utf-8")

    def build(mapping, mapping_path: str) -> DAG:  # noqa: ANN001 - a ClientMapping
        if mapping.client == "acme":
            raise KeyError("something only acme's mapping triggers")
        return DAG(dag_id=f"sync__{mapping.client}", schedule=None)

    namespace: dict[str, object] = {}
    register_client_dags(namespace, tmp_path, build, "sync")
    assert sorted(namespace) == ["sync__broken_mappings", "sync__demo"]
    [error] = namespace["sync__broken_mappings"].timetable.errors
    assert str(error).startswith(f"{tmp_path / 'acme.yaml'}:1 (dag): the DAG cannot be built")
