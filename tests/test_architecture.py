"""The shape of the code, read from the modules' imports and sizes (nothing is imported or run).

- no cycle between the connector's subpackages and top modules: each concept has one home that the others
  import one way;
- `preflight/` (onboarding) is a leaf: it imports the core, never a sync step, and only the preflight DAG,
  the Airflow task glue and the CLI import it;
- no module over MAX_MODULE_LINES lines and no function over MAX_FUNCTION_LINES lines, in the connector and
  the sandboxes (one test per file, so an offender is named by its test id).
"""
from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE_DIR = REPO / "plugins" / "icecat_akeneo"
PACKAGE = "icecat_akeneo"
PREFLIGHT = f"{PACKAGE}.preflight"
PREFLIGHT_IMPORTERS = {"dags/icecat_preflight.py", "plugins/icecat_akeneo/tasks.py", "plugins/icecat_akeneo/cli.py"}
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 60
SIZED_FOLDERS = ("plugins", "sandbox")


def _python_files(*folders: str) -> list[Path]:
    return sorted(path for folder in folders for path in (REPO / folder).rglob("*.py"))


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST, module: str = "") -> Iterator[str]:
    """Every module imported anywhere in `tree` (inside functions too), except under `if TYPE_CHECKING:`:
    an import for annotations only is never executed, so it cannot make a cycle."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            yield from (name for child in node.orelse for name in _imports(child, module))
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*module.split(".")[: -node.level], *([base] if base else [])])
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)
        yield from _imports(node, module)


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _unit(module: str) -> str | None:
    """`icecat_akeneo.steps.load` -> `icecat_akeneo.steps`: the subpackage or top module a module belongs to."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == PACKAGE and len(parts) > 1 else None


def package_graph() -> dict[str, set[str]]:
    """Subpackage/top module -> the ones it imports (edges within one unit left out)."""
    units = {_unit(_module_name(path)) for path in _python_files("plugins/icecat_akeneo")} - {None}
    graph: dict[str, set[str]] = {unit: set() for unit in units if unit}
    for path in _python_files("plugins/icecat_akeneo"):
        source = _unit(_module_name(path))
        if source is None:
            continue
        for imported in _imports(_parse(path), _module_name(path)):
            target = _unit(imported)
            if target in graph and target != source:
                graph[source].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_package_import_graph_has_no_cycle() -> None:
    graph = package_graph()
    assert {"icecat_akeneo.steps", "icecat_akeneo.preflight", "icecat_akeneo.catalog"} <= graph.keys()
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_preflight_imports_no_step_and_only_its_dag_the_task_glue_and_the_cli_import_it() -> None:
    step_imports = {
        f"{path.relative_to(REPO)}: {name}"
        for path in _python_files("plugins/icecat_akeneo/preflight")
        for name in _imports(_parse(path), _module_name(path))
        if name.startswith(f"{PACKAGE}.steps")
    }
    assert step_imports == set()
    importers = {
        str(path.relative_to(REPO))
        for path in _python_files("plugins", "dags", "sandbox", "bench", "demo")
        if not path.is_relative_to(PACKAGE_DIR / "preflight")
        and any(name == PREFLIGHT or name.startswith(PREFLIGHT + ".") for name in _imports(_parse(path)))
    }
    assert importers <= PREFLIGHT_IMPORTERS


def _long_functions(tree: ast.AST) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = node.end_lineno - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                yield f"{node.name} (line {node.lineno}): {length} lines"


SIZED_FILES = _python_files(*SIZED_FOLDERS)


@pytest.mark.parametrize("path", SIZED_FILES, ids=[str(p.relative_to(REPO)) for p in SIZED_FILES])
def test_modules_and_functions_stay_small(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    offenders = [f"module: {lines} lines"] if lines > MAX_MODULE_LINES else []
    offenders += list(_long_functions(_parse(path)))
    assert offenders == [], f"{path.relative_to(REPO)} over the limits ({MAX_MODULE_LINES}/{MAX_FUNCTION_LINES})"
