"""One-way imports, read from the source with ast (every import, top level or inside a function).

bench measures and writes; reports reads and renders; contract is what both share. A report must
build on a laptop without torch, pynvml or pytest, and measuring must never depend on rendering.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: package -> top-level modules it must never import.
FORBIDDEN = {
    "bench": {"reports"},
    "reports": {"bench", "torch", "pynvml", "pytest", "_pytest", "pytest_benchmark", "torchvision"},
    "contract": {"bench", "reports", "torch", "pynvml", "pytest", "_pytest", "pytest_benchmark", "torchvision"},
}


def imported_modules(source: str, filename: str = "<source>") -> set[str]:
    """Every module an ``import`` or ``from ... import`` names (absolute; relative ones are local)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif (  # importlib.import_module("x") and __import__("x") with a literal name
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add(node.args[0].value)
    return found


def violations(package: str) -> list[str]:
    out = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for module in imported_modules(path.read_text(), str(path)):
            if module.split(".")[0] in FORBIDDEN[package]:
                out.append(f"{path.relative_to(ROOT)} imports {module}")
    return out


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_flow_one_way(package: str) -> None:
    assert list((ROOT / package).rglob("*.py")), f"{package}/ has no modules: the check would pass vacuously"
    assert violations(package) == []


@pytest.mark.parametrize(
    ("source", "module"),
    [
        ("import torch", "torch"),
        ("import torch.nn as nn", "torch.nn"),
        ("from reports.study import sweeps", "reports.study"),
        ("def f():\n    from pynvml import nvmlInit\n", "pynvml"),
        ("import importlib\nimportlib.import_module('bench.timing')", "bench.timing"),
        ("try:\n    import pytest\nexcept ImportError:\n    pass\n", "pytest"),
    ],
)
def test_the_parser_sees_every_form_of_import(source: str, module: str) -> None:
    assert module in imported_modules(source)


def test_relative_imports_are_not_mistaken_for_packages() -> None:
    assert imported_modules("from . import torch\nfrom .reports import x") == set()
