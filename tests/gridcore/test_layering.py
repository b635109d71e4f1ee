"""Layering: gridcore imports only the stdlib, msgspec and proto; its types live in proto."""

import ast
import pathlib
import subprocess
import sys

import gridcore

PACKAGE = pathlib.Path(gridcore.__file__).parent
ALLOWED_THIRD_PARTY = {"msgspec", "proto"}


def imported_roots(path: pathlib.Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_every_module_imports_only_stdlib_msgspec_proto_and_gridcore() -> None:
    for path in PACKAGE.glob("*.py"):
        extra = (
            imported_roots(path) - set(sys.stdlib_module_names) - ALLOWED_THIRD_PARTY - {"gridcore"}
        )
        assert extra == set(), (path.name, extra)


def test_strategy_types_in_proto_do_not_depend_on_gridcore() -> None:
    import proto.strategy

    assert "gridcore" not in imported_roots(pathlib.Path(proto.strategy.__file__))


def test_importing_gridcore_loads_no_third_party_module_nor_the_harnesses() -> None:
    """msgspec itself pulls in typing_extensions; nothing else may appear."""
    code = (
        "import sys, gridcore\n"
        "roots = {m.split('.')[0] for m in sys.modules}\n"
        "allowed = {'gridcore', 'proto', 'msgspec', 'typing_extensions', '__main__'}\n"
        "extra = roots - set(sys.stdlib_module_names) - allowed\n"
        "print(sorted(extra), 'gridcore.bench' in sys.modules, 'gridcore.trace' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[] False False"
