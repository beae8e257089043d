"""The code's shape, as the redesign set it: small modules and classes, imports at the top (the
few kept inside a function say why), and no import circle between the project's files."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "nlu", "rules_adapter", "handoff")
MAX_MODULE_LINES = 450
MAX_CLASS_LINES = 300
MAX_LOCAL_IMPORTS = 15

pytestmark = pytest.mark.unit


def _modules() -> dict[str, Path]:
    """Dotted name -> file, migrations aside."""
    out = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


MODULES = _modules()


def _imported(name: str, path: Path, tree: ast.Module) -> set[str]:
    """The project's modules this one imports at its top level (TYPE_CHECKING blocks aside)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in tree.body:  # the module's own statements: `if TYPE_CHECKING:` blocks import nothing at run time
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            found.add(base)
            found |= {f"{base}.{a.name}" for a in node.names}
    return {m for m in found if m in MODULES and m != name}


def test_no_module_over_450_lines_and_no_class_over_300():
    too_long = {n: len(p.read_text().splitlines()) for n, p in MODULES.items()}
    assert not {n: k for n, k in too_long.items() if k > MAX_MODULE_LINES}
    big_classes = []
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef) and node.end_lineno - node.lineno + 1 > MAX_CLASS_LINES:
                big_classes.append(f"{name}.{node.name}")
    assert not big_classes


def _says_why(lines: list[str], lineno: int) -> bool:
    """A comment on the import's line, or on the line above the block of imports it belongs to."""
    if "#" in lines[lineno - 1]:
        return True
    above = lineno - 2
    while above >= 0 and lines[above].strip().startswith(("import ", "from ")):
        above -= 1
    return above >= 0 and lines[above].strip().startswith("#")


def test_at_most_15_imports_inside_functions_each_saying_why():
    local = []
    for name, path in MODULES.items():
        lines = path.read_text().splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for sub in ast.walk(node):
                    if isinstance(sub, (ast.Import, ast.ImportFrom)):
                        local.append((f"{name}:{sub.lineno}", _says_why(lines, sub.lineno)))
    assert len(local) <= MAX_LOCAL_IMPORTS, local
    assert all(said for _, said in local), [where for where, said in local if not said]


def test_no_import_circle_between_the_project_s_modules():
    graph = {name: _imported(name, path, ast.parse(path.read_text())) for name, path in MODULES.items()}
    # A package's __init__ re-exporting its modules is not a circle with them.
    graph = {n: {m for m in deps if not n.startswith(m + ".")} for n, deps in graph.items()}
    state: dict[str, int] = {}
    circles = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                circles.append(trail[trail.index(nxt):] + [nxt] if nxt in trail else [node, nxt])
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not circles, circles
