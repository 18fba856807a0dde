"""docs/credentials.md's offline verification, run as written against a served ledger:
the credential a learner downloads, checked by the independent JavaScript verifier with
only the documents the credential names, fetched with curl."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import httpx2
import pytest

from tests.api.served_demo import ServedDemo, served_demo

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "credentials.md"
MARK = "<!-- docs-test: offline-verification"


def offline_block() -> str:
    text = DOC.read_text(encoding="utf-8")
    after = text[text.index(MARK) :]
    found = re.search(r"```bash\n(.*?)```", after, re.S)
    assert found is not None, "no bash block after the docs-test mark"
    return found.group(1)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedDemo]:
    with served_demo(tmp_path_factory.mktemp("credentials-doc"), public_url_is_served=True) as s:
        yield s


def run_documented(served: ServedDemo, award_id: UUID, folder: Path) -> dict[str, object]:
    download = httpx2.get(f"{served.url}/v1/credentials/{award_id}/credential", timeout=30)
    assert download.status_code == 200, download.text
    (folder / "micro-credential.json").write_bytes(download.content)
    (folder / "tests").symlink_to(ROOT / "tests")
    for tool in ("jq", "curl", "node", "npm"):
        assert shutil.which(tool), f"{tool} is not installed (scripts/test.sh installs it)"
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", offline_block()],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    answer: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def test_the_documented_offline_check_verifies_a_valid_award(
    served: ServedDemo, tmp_path: Path
) -> None:
    answer = run_documented(served, served.demo.valid_award, tmp_path)
    assert answer == {
        "verified": True,
        "status": {"checked": True, "verified": True, "revoked": False},
        "errors": [],
    }


def test_the_documented_offline_check_sees_a_revocation(served: ServedDemo, tmp_path: Path) -> None:
    answer = run_documented(served, served.demo.revoked_award, tmp_path)
    assert answer["status"] == {"checked": True, "verified": True, "revoked": True}
