"""Every module of the package imports on its own, in a fresh interpreter: no import cycle is
hidden by the order in which other modules happen to load."""

from __future__ import annotations

import ast
import subprocess
import sys

from tests.conftest import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "statusgen"
MODULES = sorted(
    ".".join(("statusgen", *path.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(".__init__")
    for path in PACKAGE.rglob("*.py")
    if "skeleton" not in path.parts and path.name != "__main__.py"
)


def test_every_module_imports_alone():
    assert "statusgen.render.html" in MODULES and "statusgen.build" in MODULES
    running = {name: subprocess.Popen([sys.executable, "-c", f"import {name}"], cwd=PROJECT_ROOT,
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
               for name in MODULES}
    failed = {name: process.communicate()[0] for name, process in running.items()}
    failed = {name: output for name, output in failed.items() if running[name].returncode != 0}
    assert not failed, failed


def _package_sources():
    for path in sorted(PACKAGE.rglob("*.py")):
        if "skeleton" not in path.parts:
            yield path.relative_to(PROJECT_ROOT).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def test_no_module_uses_another_modules_private_names():
    """A leading underscore means 'this module's own': no module imports one from another, or
    reads one through another module's name."""
    found = []
    for where, tree in _package_sources():
        modules = {alias.asname or alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                   for alias in node.names if alias.name.startswith("statusgen")}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("statusgen"):
                modules |= {alias.asname or alias.name for alias in node.names}
                found += [f"{where}:{node.lineno} imports {alias.name}" for alias in node.names if _is_private(alias.name)]
        found += [f"{where}:{node.lineno} reads {node.value.id}.{node.attr}" for node in ast.walk(tree)
                  if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                  and node.value.id in modules and _is_private(node.attr)]
    assert not found, found


def test_no_import_cycle_even_through_imports_inside_functions():
    """A module may import another inside a function, to load it only when needed; that must not
    hide a cycle, which a top-level import would show at once. (Imports only for type checking
    never run and are left out.)"""
    graph = {_module_name(where): _imported(tree) for where, tree in _package_sources()}
    cycles = [cycle for name in sorted(graph) if (cycle := _cycle_from(name, graph))]
    assert not cycles, cycles


def _module_name(where: str) -> str:
    return where.removesuffix(".py").replace("/", ".").removesuffix(".__init__")


def _imported(tree: ast.Module) -> set[str]:
    type_only = {id(node) for block in ast.walk(tree) if isinstance(block, ast.If)
                 and isinstance(block.test, ast.Name) and block.test.id == "TYPE_CHECKING"
                 for statement in block.body for node in ast.walk(statement)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in MODULES else node.module
                      for alias in node.names}
    return {name for name in found if name in MODULES}


def _cycle_from(start: str, graph: dict[str, set[str]]) -> list[str] | None:
    """The modules of a path from `start` back to itself, if there is one."""
    pending, seen = [(start, [start])], set()
    while pending:
        name, path = pending.pop()
        for following in sorted(graph.get(name, ())):
            if following == start:
                return [*path, start]
            if following not in seen:
                seen.add(following)
                pending.append((following, [*path, following]))
    return None
