"""Import edges the architecture allows, checked over the source tree.

* ``proto`` imports only the standard library and msgspec;
* ``libs/*`` never import ``services``;
* a service package never imports another service package (tools that compose
  services — the CLI, the demo, the benchmarks — are the exception), and files directly
  under ``services/`` are shared plumbing that imports no service.

Every import form counts: ``import a.b``, ``from a import b`` (``b`` may be a module),
relative imports (resolved against the file's package) and ``importlib.import_module``
/ ``__import__`` with a literal name.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMPOSERS = {"cli", "demo", "bench", "seeded_replay"}
SHARED = {"runtime"}  # services/runtime.py: what every service process does around itself


def _package(path: Path) -> list[str]:
    """The dotted package a file belongs to (``services.executor`` for its modules)."""
    for top in (ROOT / "libs", ROOT):
        try:
            parts = list(path.relative_to(top).with_suffix("").parts)
        except ValueError:
            continue
        if top == ROOT / "libs" or parts[0] in ("services", "proto", "tests"):
            return parts[:-1]  # a module's package, and an __init__'s own package
    return []


def imports_of(path: Path, source: str | None = None) -> set[str]:
    """Every module name a file imports, in any form."""
    tree = ast.parse(source if source is not None else path.read_text(encoding="utf-8"))
    package = _package(path)
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[: len(package) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            if base:
                found.add(base)
                found.update(f"{base}.{a.name}" for a in node.names if a.name != "*")
        elif isinstance(node, ast.Call) and _dynamic(node):
            found.add(node.args[0].value)  # type: ignore[attr-defined]
    return found


def _dynamic(call: ast.Call) -> bool:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return (
        name in ("import_module", "__import__")
        and bool(call.args)
        and isinstance(call.args[0], ast.Constant)
        and isinstance(call.args[0].value, str)
    )


def _py(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def _service_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "services" and len(parts) > 1 else None


def test_proto_imports_only_stdlib_and_msgspec() -> None:
    for path in _py(ROOT / "proto"):
        roots = {m.split(".")[0] for m in imports_of(path)}
        extra = roots - set(sys.stdlib_module_names) - {"msgspec", "proto"}
        assert not extra, f"{path.relative_to(ROOT)} imports {extra}"


def test_libraries_never_import_services() -> None:
    for path in _py(ROOT / "libs"):
        bad = {m for m in imports_of(path) if m.split(".")[0] == "services"}
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_services_do_not_import_each_other() -> None:
    for path in _py(ROOT / "services"):
        rel = path.relative_to(ROOT / "services").parts
        own = rel[0].removesuffix(".py") if len(rel) > 1 else None
        if own in COMPOSERS:
            continue
        for module in imports_of(path):
            other = _service_of(module)
            if other is None or other == own or other in SHARED:
                continue
            raise AssertionError(f"{path.relative_to(ROOT)} imports {module}")


def test_every_import_form_is_seen() -> None:
    """The checker itself: the forms a plain ``import`` scan would miss."""
    path = ROOT / "services" / "engine" / "service.py"
    source = (
        "from services import executor\n"
        "from ..collector import streams\n"
        "from . import book\n"
        "import importlib\n"
        "importlib.import_module('services.recorder.service')\n"
        "__import__('services.replayer')\n"
    )
    found = imports_of(path, source)
    assert {
        "services.executor",
        "services.collector.streams",
        "services.engine.book",
        "services.recorder.service",
        "services.replayer",
    } <= found
