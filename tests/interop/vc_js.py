"""The ledger's credentials judged by Digital Bazaar's JavaScript verifier (@digitalbazaar/vc).

`js_verify` runs ``vc_js/verify.mjs`` under Node in a subprocess and returns its answer:
``{"verified": bool, "status": {"checked", "verified", "revoked"}, "errors": [...]}``. The
npm packages are pinned by ``vc_js/package-lock.json``; scripts/test.sh installs them, and a
checkout without ``node_modules`` gets them here (``npm ci``, once) rather than a skipped
test: the interoperability claim is only worth something if it is checked every run.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

VC_JS = Path(__file__).parent / "vc_js"
VERIFY = VC_JS / "verify.mjs"
TIMEOUT_SECONDS = 60
"""One verification takes well under a second; the bound is for a hung process."""
INSTALL_TIMEOUT_SECONDS = 300

_install_lock = threading.Lock()


def ensure_installed() -> None:
    """Install the pinned npm packages (``npm ci``) if ``node_modules`` is missing."""
    with _install_lock:
        if (VC_JS / "node_modules" / "@digitalbazaar" / "vc").is_dir():
            return
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is not installed: the JavaScript verifier needs Node 20+")
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=VC_JS,
            check=True,
            timeout=INSTALL_TIMEOUT_SECONDS,
        )


def js_verify(credential: dict[str, Any], documents: dict[str, Any]) -> dict[str, Any]:
    """The JavaScript verifier's answer for ``credential``, with ``documents`` (URL or DID ->
    document) as the only documents it may load besides the standard contexts."""
    ensure_installed()
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is not installed: the JavaScript verifier needs Node 20+")
    request = json.dumps({"credential": credential, "documents": documents}, ensure_ascii=False)
    completed = subprocess.run(
        [node, str(VERIFY)],
        input=request.encode("utf-8"),
        capture_output=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"verify.mjs failed (exit {completed.returncode}): "
            f"{completed.stderr.decode('utf-8', 'replace')}"
        )
    answer = json.loads(completed.stdout)
    if not isinstance(answer, dict):
        raise RuntimeError(f"verify.mjs answered {answer!r}, not an object")
    return answer
