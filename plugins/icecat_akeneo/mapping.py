"""Loading a client mapping file (`include/mappings/<client>.yaml`), each inside its own guard.

A mapping file is written by an integrator (or drafted for a client), so its mistakes must be pointed at, not
explained: every error names the file, the line and the key (`acme.yaml:23 fields[4].attribute: Field
required`). One file must never cost the other clients their DAGs, so whatever is in it (invalid UTF-8, NUL
bytes, a recursive YAML alias, an alias bomb, 2026-02-30, a 9000-digit number) ends as a `MappingError`:
the file is size-capped, its YAML composed by a loader that counts nodes, aliases and depth (a bomb is
refused after composing a few thousand nodes, in milliseconds), then constructed with every value error
tied to its line, then validated by pydantic (`mapping_schema`). `load_all` returns the error in place of
the mapping, so only that client's DAG is lost. Nothing here imports Airflow.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from icecat_akeneo.mapping_schema import (  # noqa: F401 - the mapping's public names live here too
    MEDIA_KINDS,
    PER_LANGUAGE_RULES,
    ClientMapping,
    CompletenessRule,
    FieldMapping,
    check_source,
)

MAX_FILE_BYTES = 256 * 1024
MAX_NODES = 20_000
"""YAML nodes after expanding aliases (the demo mapping has ~400)."""
MAX_ALIASES = 200
MAX_DEPTH = 40

Lines = dict[tuple[Any, ...], int]


class MappingError(ValueError):
    """A mapping file that cannot be used; the message starts with `<file>:<line>`."""


class _GuardedLoader(yaml.SafeLoader):
    """SafeLoader that refuses oversized, alias-heavy or deep documents while composing, and turns value
    errors of construction (a date like 2026-02-30) into YAML errors that carry the node's line."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.nodes = self.aliases = self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        mark = self.peek_event().start_mark
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise yaml.composer.ComposerError(None, None, f"more than {MAX_ALIASES} aliases", mark)
        self.nodes += 1
        self.depth += 1
        if self.nodes > MAX_NODES or self.depth > MAX_DEPTH:
            raise yaml.composer.ComposerError(
                None, None, f"more than {MAX_NODES} nodes or {MAX_DEPTH} levels of nesting", mark)
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, TypeError, OverflowError) as error:
            if isinstance(error, yaml.YAMLError):
                raise
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read {str(node.value)[:40]!r}: {error}", node.start_mark) from None


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [child for pair in node.value for child in pair]
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def _check_expansion(root: yaml.Node) -> str | None:
    """Why the node graph cannot be expanded safely (a recursive alias; too many nodes once aliases are
    expanded), or None. Walked without recursion, each distinct node once."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        if finished:
            open_nodes.discard(id(node))
            sizes[id(node)] = 1 + sum(sizes[id(child)] for child in _children(node))
            if sizes[id(node)] > MAX_NODES:
                return f"more than {MAX_NODES} nodes once aliases are expanded"
        elif id(node) in open_nodes:
            return f"recursive alias (line {node.start_mark.line + 1} contains itself)"
        elif id(node) not in sizes:
            open_nodes.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in _children(node))
    return None


def _line_index(root: yaml.Node) -> tuple[Lines, list[tuple[tuple[Any, ...], int]]]:
    """Every key path's 1-based line, and the keys given twice (YAML would silently keep the last)."""
    lines: Lines = {}
    duplicates: list[tuple[tuple[Any, ...], int]] = []
    stack: list[tuple[yaml.Node, tuple[Any, ...]]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            seen: set[Any] = set()
            for key_node, value_node in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.start_mark)
                if key in seen:
                    duplicates.append(((*path, key), key_node.start_mark.line + 1))
                seen.add(key)
                lines[(*path, key)] = key_node.start_mark.line + 1
                stack.append((value_node, (*path, key)))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, (*path, index)) for index, item in enumerate(node.value))
    return lines, sorted(duplicates, key=lambda duplicate: duplicate[1])


def _dotted(path: tuple[Any, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _line_of(path: tuple[Any, ...], lines: Lines) -> int:
    """The line of the deepest part of `path` the file has (a missing key points at its parent)."""
    for end in range(len(path), -1, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return 1


def _key_at(line: int, lines: Lines) -> str:
    """The deepest key path starting on `line` (how a construction error names its key)."""
    paths = [path for path, start in lines.items() if start == line]
    return _dotted(max(paths, key=len)) if paths else "(yaml)"


def _loc_path(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """pydantic adds `[key]` for dict entries it validates; keep only the keys of the file."""
    return tuple(part for part in loc if not (isinstance(part, str) and part.startswith("[")))


def _validation_errors(name: str, error: ValidationError, lines: Lines) -> str:
    messages = []
    for problem in error.errors(include_url=False):
        path = _loc_path(tuple(problem["loc"]))
        message = problem["msg"].removeprefix("Value error, ")
        item = re.match(r"\[(\d+)\] ", message)   # a list validator naming the item at fault
        if item:
            path, message = (*path, int(item.group(1))), message[item.end():]
        messages.append(f"{name}:{_line_of(path, lines)} {_dotted(path)}: {message}")
    return "\n".join(messages)


def _yaml_error(name: str, text: str, error: yaml.YAMLError, lines: Lines) -> MappingError:
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        return MappingError(f"{name}:{line} {_key_at(line, lines)}: {error.problem or error}")
    position = getattr(error, "position", 0) or 0  # a ReaderError (unprintable character)
    reason = str(error).splitlines()[0]
    return MappingError(f"{name}:{text.count(chr(10), 0, position) + 1} (yaml): {reason}")


def _compose(text: str, name: str) -> tuple[Any, Lines]:
    """The YAML data and its line index, inside the guards above."""
    loader, lines = None, {}
    try:
        loader = _GuardedLoader(text)
        node = loader.get_single_node()
        if node is None:
            return None, lines
        problem = _check_expansion(node)
        if problem:
            raise MappingError(f"{name}:{node.start_mark.line + 1} (yaml): {problem}")
        lines, duplicates = _line_index(node)
        if duplicates:
            raise MappingError("\n".join(f"{name}:{line} {_dotted(path)}: key given twice (the last would win)"
                                         for path, line in duplicates))
        return loader.construct_document(node), lines
    except yaml.YAMLError as error:
        raise _yaml_error(name, text, error, lines) from None
    except RecursionError:
        raise MappingError(f"{name}:1 (yaml): nested too deeply") from None
    finally:
        if loader is not None:
            loader.dispose()


def _parse(text: str, name: str) -> tuple[ClientMapping, Lines]:
    nul = text.find("\x00")
    if nul >= 0:
        raise MappingError(f"{name}:{text.count(chr(10), 0, nul) + 1} (file): contains a NUL byte")
    data, lines = _compose(text, name)
    if not isinstance(data, dict):
        raise MappingError(f"{name}:1 (top level): a mapping file must be a YAML mapping (key: value lines)")
    try:
        return ClientMapping.model_validate(data), lines
    except ValidationError as error:
        raise MappingError(_validation_errors(name, error, lines)) from None


def parse_mapping(text: str, name: str) -> ClientMapping:
    """Validate a mapping's YAML text; `name` is how errors refer to the file."""
    return _parse(text, name)[0]


def _read_text(path: Path) -> str:
    """The file as UTF-8 text, refused before reading when larger than MAX_FILE_BYTES."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise MappingError(f"{path}:1 (file): {size} bytes, more than a mapping file needs ({MAX_FILE_BYTES})")
        content = path.read_bytes()
    except OSError as error:
        raise MappingError(f"{path}:0 (file): cannot read the mapping file: {error.strerror or error}") from None
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as error:
        line = content.count(b"\n", 0, error.start) + 1
        raise MappingError(f"{path}:{line} (file): not valid UTF-8 (byte {error.start})") from None


def load_mapping(path: str | Path) -> ClientMapping:
    """Load and validate one mapping file; its `client` must equal the file name (one DAG id per file).

    Raises MappingError only: anything unforeseen is one too (saying it is a connector bug)."""
    path = Path(path)
    try:
        mapping, lines = _parse(_read_text(path), str(path))
    except MappingError:
        raise
    except Exception as error:  # noqa: BLE001 - isolation boundary of one client's file
        raise MappingError(f"{path}:1 (file): unexpected {type(error).__name__} while loading (a connector "
                           f"bug: please report it): {str(error)[:200]}") from error
    if mapping.client != path.stem:
        raise MappingError(f"{path}:{lines.get(('client',), 1)} client: {mapping.client!r} must equal the file "
                           f"name {path.stem!r} (the DAG ids are derived from it)")
    return mapping


def load_all(folder: str | Path) -> list[ClientMapping | MappingError]:
    """Every `*.yaml` of a folder, sorted by file name; a broken file yields its MappingError in its place."""
    results: list[ClientMapping | MappingError] = []
    for path in sorted(Path(folder).glob("*.yaml")):
        try:
            results.append(load_mapping(path))
        except MappingError as error:
            results.append(error)
    return results
