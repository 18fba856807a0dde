"""The core does no I/O: it imports the standard library's pure modules, `cryptography`
for Ed25519, and itself, so storage, HTTP and the event store stay outside it."""

from __future__ import annotations

import ast
from pathlib import Path

import ledger.transparency

PACKAGE = Path(ledger.transparency.__file__).parent
ALLOWED = {
    "__future__",
    "base64",
    "binascii",
    "collections",
    "dataclasses",
    "hashlib",
    "hmac",
    "re",
    "typing",
    "uuid",
    "cryptography",
}


def imported(module: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_transparency_core_imports_nothing_that_does_io() -> None:
    modules = sorted(PACKAGE.glob("*.py"))
    assert len(modules) >= 5
    for module in modules:
        for name in imported(module):
            top = name.split(".")[0]
            assert top in ALLOWED or name.startswith("ledger.transparency"), (module.name, name)
