"""The package follows its pipeline: imports run only down the layers.

Every `import` of godockerlint/ and rules/ is read with ast (function-level imports
included: a lazy import is still a dependency). A module may import its own layer and
the layers below it; an import of a higher layer, and so a cycle between layers, fails.
Loading by name at run time (the rule registry over godockerlint.rules, the formatters
over report/formats) is not an import edge: that is how plugins are found.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The pipeline, bottom first. Written once: each package's docstring repeats its line.
LAYERS = ["core", "parse", "analysis", "lint", "fix", "rules", "report", "cli"]


def modules() -> dict[str, Path]:
    out = {}
    for path in sorted((ROOT / "godockerlint").rglob("*.py")) + sorted((ROOT / "rules").glob("*.py")):
        rel = path.relative_to(ROOT).with_suffix("")
        parts = list(rel.parts)
        if parts[0] == "rules":
            parts.insert(0, "godockerlint")
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


MODULES = modules()


def layer(module: str) -> int | None:
    """The layer index of a module; None for the top-level package (its __version__)."""
    parts = module.split(".")
    if len(parts) == 1:
        return None
    if parts[1] == "__main__":
        return len(LAYERS)  # `python -m godockerlint`: the command line's entry
    return LAYERS.index(parts[1])


def _nodes(tree: ast.AST, typing_only: bool):
    """Every node of the tree; with typing_only False, none under `if TYPE_CHECKING:` (an
    annotation's import, never run)."""
    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        if not typing_only and isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            todo.extend(node.orelse)
        else:
            todo.extend(ast.iter_child_nodes(node))


def imports(module: str, path: Path, typing_only: bool = True) -> list[tuple[int, str]]:
    """(line, imported module) for every godockerlint import of the file (with typing_only
    False, only those that run)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = []
    for node in _nodes(ast.parse(path.read_text(encoding="utf-8")), typing_only):
        if isinstance(node, ast.Import):
            out.extend((node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "godockerlint")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "godockerlint":
                continue
            for a in node.names:  # `from godockerlint.lint import engine` imports the module engine
                sub = f"{target}.{a.name}"
                out.append((node.lineno, sub if sub in MODULES else target))
    return out


def test_every_package_has_a_layer_and_a_docstring():
    packages = {p.parent for p in (ROOT / "godockerlint").rglob("__init__.py")} - {ROOT / "godockerlint"}
    top = {p.relative_to(ROOT / "godockerlint").parts[0] for p in packages}
    assert top <= set(LAYERS), f"place the new package(s) {sorted(top - set(LAYERS))} in LAYERS"
    loose = sorted(p.name for p in (ROOT / "godockerlint").glob("*.py")) 
    assert loose == ["__init__.py", "__main__.py"], "a module belongs in one of the layers' packages"
    for pkg in packages:
        doc = ast.get_docstring(ast.parse((pkg / "__init__.py").read_text(encoding="utf-8")))
        assert doc and "May import" in doc, f"{pkg}/__init__.py: say what it owns and what it may import"


def test_package_docstrings_name_the_layers_below():
    for i, name in enumerate(LAYERS):
        if name == "rules":
            continue  # rules/__init__.py is the bundled rules' namespace, read by the registry
        doc = ast.get_docstring(ast.parse((ROOT / "godockerlint" / name / "__init__.py").read_text()))
        line = " ".join(doc.split("May import:")[1].split(".")[0].split())
        allowed = "everything below" if i == len(LAYERS) - 1 else ", ".join(LAYERS[:i]) or "nothing"
        assert line.startswith(allowed), f"godockerlint/{name}: its docstring says it may import {line!r}"


def test_imports_run_only_down_the_pipeline():
    upward = []
    for module, path in MODULES.items():
        here = layer(module)
        for line, target in imports(module, path):
            there = layer(target)
            if here is not None and there is not None and there > here:
                upward.append(f"{path.relative_to(ROOT)}:{line}: {LAYERS[here] if here < len(LAYERS) else module}"
                              f" imports {target} ({LAYERS[there]})")
    assert upward == []


def test_no_cycle_between_layers():
    edges: dict[int, set[int]] = {}
    for module, path in MODULES.items():
        here = layer(module)
        for _, target in imports(module, path):
            there = layer(target)
            if here is not None and there is not None and there != here:
                edges.setdefault(here, set()).add(there)
    seen: dict[int, int] = {}  # 1 on the path, 2 done

    def visit(n: int, trail: list[int]) -> None:
        seen[n] = 1
        for m in edges.get(n, ()):
            assert seen.get(m) != 1, "cycle: " + " -> ".join(
                LAYERS[k] if k < len(LAYERS) else "__main__" for k in trail + [n, m])
            if m not in seen:
                visit(m, trail + [n])
        seen[n] = 2

    for n in list(edges):
        if n not in seen:
            visit(n, [])


def test_the_walk_sees_lazy_imports():
    """The walk must see a function-level import, or it proves nothing about lazy ones."""
    found = dict(imports("godockerlint.cli.command", MODULES["godockerlint.cli.command"]))
    assert "godockerlint.cli.lsp" in found.values()  # imported inside the `lsp` command only


def test_no_cycle_between_modules():
    """Within a layer too: two modules that import each other (the command line and --init did)
    are one module in two files, or a sign that what both need belongs in a third, lower one.
    An import under `if TYPE_CHECKING:` names a type for annotations and is never run: not an edge."""
    graph = {m: {t for _, t in imports(m, p, typing_only=False) if t in MODULES and t != m}
             for m, p in MODULES.items()}
    state: dict[str, int] = {}
    cycles = []

    def visit(m: str, trail: list[str]) -> None:
        state[m] = 1
        for t in sorted(graph[m]):
            if state.get(t) == 1:
                cycles.append(" -> ".join(trail[trail.index(t):] + [t]) if t in trail else f"{m} -> {t}")
            elif t not in state:
                visit(t, trail + [t])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert cycles == []
