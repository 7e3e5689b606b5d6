"""Every test says in its docstring which behaviour it guards, so a failure reads as a broken
promise rather than a function name to decode."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def collected_tests(
    tree: ast.Module,
) -> Iterator[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    """Module-level test functions and the test methods of Test classes, as pytest collects."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith(
            "test"
        ):
            yield node.name, node
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            for member in node.body:
                if isinstance(
                    member, ast.FunctionDef | ast.AsyncFunctionDef
                ) and member.name.startswith("test"):
                    yield f"{node.name}.{member.name}", member


def test_every_test_has_a_docstring():
    """A test function or method without a docstring fails, naming file, line and test."""
    missing = []
    for path in sorted(TESTS.rglob("test_*.py")):
        if "node_modules" in path.parts:
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        for name, node in collected_tests(tree):
            if not (ast.get_docstring(node) or "").strip():
                missing.append(f"{path.relative_to(TESTS.parent)}:{node.lineno} {name}")
    assert not missing, "tests without a docstring:\n" + "\n".join(missing)


def test_the_walk_finds_functions_and_methods_without_docstrings():
    """The checker itself sees undocumented tests at module level and inside Test classes."""
    source = '''
def test_plain(): pass
def test_documented():
    """Says why."""
class TestGroup:
    def test_method(self): pass
    def helper(self): pass
def helper(): pass
'''
    undocumented = [
        name for name, node in collected_tests(ast.parse(source)) if not ast.get_docstring(node)
    ]
    assert undocumented == ["test_plain", "TestGroup.test_method"]
