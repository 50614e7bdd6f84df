"""``core`` is the bottom layer: it imports no domain app (the apps import it)."""

import ast
from pathlib import Path

import core

DOMAIN_APPS = {"accounts", "events", "tickets", "permissions", "notifications", "demo", "config"}


def imported_modules(source):
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def test_core_imports_no_domain_app():
    root = Path(core.__file__).parent
    offending = {
        f"{path.relative_to(root.parent)}: {module}"
        for path in root.rglob("*.py")
        for module in imported_modules(path.read_text())
        if module.split(".")[0] in DOMAIN_APPS
    }
    assert offending == set()
