"""The Docker deployment cannot be run on these machines, so what can be checked without
Docker is checked here: the compose file's settings mean what the code reads, and every
command it starts is a command the ``ledger`` CLI accepts."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import typer
import yaml  # type: ignore[import-untyped]

from cli.app import app as cli
from ledger.config import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def source_text() -> str:
    return "\n".join(
        path.read_text(encoding="utf-8")
        for package in ("ledger", "api", "projections")
        for path in (ROOT / package).rglob("*.py")
    )


def ledger_services() -> dict[str, dict[str, Any]]:
    return {name: s for name, s in COMPOSE["services"].items() if name != "db"}


def test_the_compose_environment_is_what_the_code_reads() -> None:
    code = source_text()
    for name, service in ledger_services().items():
        environment: dict[str, str] = service["environment"]
        for variable in environment:
            assert re.search(rf"[\"']{variable}[\"']", code), f"{name}: {variable} is read nowhere"
        # As compose interpolates with nothing set in the shell: ${NAME:-default} -> default.
        settings = Settings.from_env(
            {
                k: re.sub(r"\$\{\w+:-([^}]*)\}", lambda m: m.group(1), v)
                for k, v in environment.items()
            }
        )
        assert settings.database.is_postgres
        assert settings.database.schema == "ledger"
        database = COMPOSE["services"]["db"]["environment"]
        assert settings.database.url == (
            f"postgresql://{database['POSTGRES_USER']}:{database['POSTGRES_PASSWORD']}"
            f"@db:5432/{database['POSTGRES_DB']}"
        )
    # The API processes leave the projections to the worker.
    assert COMPOSE["services"]["api"]["environment"]["LEDGER_EMBEDDED_PROJECTIONS"] == "0"
    assert COMPOSE["services"]["projector"]["command"] == ["ledger", "project"]


def test_every_command_started_is_one_the_cli_accepts() -> None:
    group: Any = typer.main.get_command(cli)
    dockerfile_cmd = re.search(r"^CMD (\[.*\])$", DOCKERFILE, re.MULTILINE)
    assert dockerfile_cmd is not None
    commands = [yaml.safe_load(dockerfile_cmd.group(1))]
    commands += [s["command"] for s in ledger_services().values()]
    for argv in commands:
        assert argv[0] == "ledger", argv
        parent = group.make_context("ledger", [argv[1]])
        sub = group.get_command(parent, argv[1])
        assert sub is not None, f"no such command: {shlex.join(argv)}"
        sub.make_context(argv[1], list(argv[2:]), parent=parent)  # raises on a bad option
    assert "0.0.0.0" in dockerfile_cmd.group(1)


def test_the_image_installs_every_package_the_project_declares() -> None:
    assert re.search(r"^FROM python:3\.11-slim$", DOCKERFILE, re.MULTILINE)
    assert re.search(r"^RUN pip install --no-deps \.$", DOCKERFILE, re.MULTILINE)
    copied = set(re.findall(r"^COPY (\S+) ", DOCKERFILE, re.MULTILINE))
    for package in ("ledger", "projections", "api", "pyproject.toml"):
        assert package in copied or any(package in c for c in copied), package


def test_the_image_installs_the_dependencies_before_it_copies_the_code() -> None:
    """A code change must not reinstall the dependencies: their layer is built from
    pyproject.toml alone, before any source is copied."""
    dependencies = DOCKERFILE.index("pip install -r /tmp/requirements.txt")
    first_code = min(DOCKERFILE.index(f"COPY {package} ") for package in ("ledger", "api"))
    assert DOCKERFILE.index("COPY pyproject.toml ./") < dependencies < first_code
    assert "['project']['dependencies']" in DOCKERFILE
