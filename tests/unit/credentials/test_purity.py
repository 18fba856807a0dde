"""The credentials core does no I/O of its own: the standard library's pure modules, pyld
(with the bundled loader, never its network ones), cryptography, base58 and itself. Its
contexts are read as package data, so no database, HTTP or event store reaches it."""

from __future__ import annotations

import ast
from pathlib import Path

import ledger.credentials

PACKAGE = Path(ledger.credentials.__file__).parent
ALLOWED = {
    "__future__",
    "base64",
    "binascii",
    "collections",
    "copy",
    "dataclasses",
    "datetime",
    "functools",
    "hashlib",
    "hmac",
    "importlib",
    "json",
    "re",
    "threading",
    "typing",
    "uuid",
    "decimal",
    "zlib",
    "base58",
    "cryptography",
    "pyld",
}
FORBIDDEN_PYLD = {"pyld.documentloader"}
"""pyld's own loaders (requests, aiohttp) fetch from the network."""


def imported(module: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_credentials_core_imports_nothing_that_does_io() -> None:
    modules = sorted(PACKAGE.glob("*.py"))
    assert len(modules) >= 4
    for module in modules:
        for name in imported(module):
            top = name.split(".")[0]
            assert top in ALLOWED or name.startswith("ledger.credentials"), (module.name, name)
            assert not any(name.startswith(bad) for bad in FORBIDDEN_PYLD), (module.name, name)
