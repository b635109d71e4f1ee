"""Import edges the architecture allows, checked over the source tree.

* ``proto`` imports only the standard library and msgspec;
* ``libs/*`` never import ``services``;
* a service package never imports another service package (tools that compose
  services — the CLI, the demo, the benchmarks — are the exception).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMPOSERS = {"cli", "runtime", "demo", "bench"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def _py(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def test_proto_imports_only_stdlib_and_msgspec() -> None:
    for path in _py(ROOT / "proto"):
        roots = {m.split(".")[0] for m in _imports(path)}
        extra = roots - set(sys.stdlib_module_names) - {"msgspec", "proto"}
        assert not extra, f"{path.relative_to(ROOT)} imports {extra}"


def test_libraries_never_import_services() -> None:
    for path in _py(ROOT / "libs"):
        bad = {m for m in _imports(path) if m.split(".")[0] == "services"}
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_services_do_not_import_each_other() -> None:
    for package in sorted(p for p in (ROOT / "services").iterdir() if p.is_dir()):
        if package.name in COMPOSERS or package.name == "__pycache__":
            continue
        for path in _py(package):
            for module in _imports(path):
                parts = module.split(".")
                if parts[0] == "services" and len(parts) > 1 and parts[1] != package.name:
                    assert parts[1] == "runtime", f"{path.relative_to(ROOT)} imports {module}"
