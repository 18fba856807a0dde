"""The verification page in a real headless Chromium (Debian's ``chromium`` package,
driven by Playwright for Python), against ``ledger serve`` running as a user runs it.

It also takes a screenshot of the page; with ``LEDGER_UPDATE_SCREENSHOT=1`` it is
written to ``docs/verify.png``, the one the README shows (otherwise to a temporary
folder, so a test run leaves the work tree clean). In CI (``CI=true``) a missing browser
is an error, never a skip.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.served_demo import ServedDemo, served_demo

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
README_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "verify.png"


def screenshot_path(tmp_path: Path) -> Path:
    if os.environ.get("LEDGER_UPDATE_SCREENSHOT") == "1":
        return README_SCREENSHOT
    return tmp_path / "verify.png"


def chromium_or_skip() -> str:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    found = shutil.which("chromium")
    if found:
        return found
    if os.environ.get("CI"):
        raise RuntimeError("chromium is required in CI (apt-get install chromium)")
    pytest.skip("chromium is not installed (apt-get install chromium)")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedDemo]:
    """``ledger serve`` in its own process on a SQLite file seeded with the demo country."""
    with served_demo(tmp_path_factory.mktemp("browser")) as served:
        yield served


@pytest.fixture(scope="module")
def browser(server: ServedDemo) -> Iterator[object]:
    executable = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def test_an_employer_checks_valid_revoked_and_unknown_ids(
    server: ServedDemo, browser: object, tmp_path: Path
) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    page = browser.new_page(viewport={"width": 900, "height": 1200})

    page.goto(f"{server.url}/verify")
    expect(page).to_have_title(re.compile("Verify a micro-credential"))
    page.get_by_label("Award id", exact=True).fill(str(server.demo.revoked_award))
    page.get_by_role("button", name="Check").click()

    expect(page).to_have_url(f"{server.url}/verify/{server.demo.revoked_award}")
    outcome = page.locator("#outcome")
    expect(outcome).to_contain_text("Revoked")
    revocation = page.locator(".revocation")
    expect(revocation).to_contain_text(
        re.compile(r"Revoked on\s*\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC")
    )
    expect(revocation).to_contain_text("Academic misconduct")
    expect(revocation).not_to_contain_text("AI-2026-014")

    page.get_by_label("Award id", exact=True).fill("00000000-0000-4000-8000-000000000000")
    page.get_by_label("Award id", exact=True).press("Enter")
    expect(page.locator("#outcome")).to_contain_text("Not found")

    page.get_by_label("Award id", exact=True).fill("this is not an id")
    page.keyboard.press("Enter")
    expect(page.locator("#outcome")).to_contain_text("Not an award id")

    page.get_by_label("Award id", exact=True).fill(str(server.demo.valid_award))
    page.get_by_role("button", name="Check").click()
    expect(page.locator("#outcome")).to_contain_text("Valid")
    expect(page.locator(".certifies")).to_contain_text("Data Analytics Fundamentals")
    expect(page.locator(".provider")).to_contain_text("Accredited by the national authority")
    shot = screenshot_path(tmp_path)
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


def test_the_form_works_from_the_keyboard_alone(server: ServedDemo, browser: object) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone

    page.goto(f"{server.url}/verify")
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")
    expect(page.get_by_label("Award id", exact=True)).to_be_focused()
    page.keyboard.type(str(server.demo.stacked_award))
    page.keyboard.press("Tab")
    expect(page.get_by_label("Valid on a past day?")).to_be_focused()
    page.keyboard.press("Enter")  # submits the form, as from any field

    expect(page.locator("#outcome")).to_contain_text("Valid")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # no sideways scrolling on a phone


def test_a_french_reader_reads_french_and_switches_language_by_keyboard(
    server: ServedDemo, browser: object
) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    context = browser.new_context(locale="fr-FR", viewport={"width": 900, "height": 1200})
    page = context.new_page()  # Accept-Language: fr-FR

    award = server.demo.valid_award
    page.goto(f"{server.url}/verify/{award}")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page).to_have_title(re.compile("Valide"))
    expect(page.locator("#outcome")).to_contain_text("Valide")
    expect(page.locator(".headline")).to_have_text("Cette microcertification est valide.")
    qr = page.get_by_role("img", name=re.compile("Code QR du lien de cette vérification"))
    expect(qr).to_be_visible()
    assert qr.bounding_box()["width"] >= 100  # type: ignore[index]

    # By the keyboard alone: past the answer and the form, to the switcher.
    passed_the_form = False
    for _ in range(60):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "[document.activeElement.type || '', document.activeElement.hreflang || '']"
        )
        passed_the_form = passed_the_form or focused[0] == "submit"
        if focused[1] == "en":
            break
    else:
        raise AssertionError("the English link of the switcher was never focused")
    assert passed_the_form  # the switcher comes after the form
    page.keyboard.press("Enter")

    expect(page).to_have_url(f"{server.url}/verify/{award}?lang=en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#outcome")).to_contain_text("Valid")
    context.close()


def test_the_printed_page_is_the_answer_and_its_qr_code(
    server: ServedDemo, browser: object
) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    page = browser.new_page()
    page.goto(f"{server.url}/verify/{server.demo.revoked_award}")
    page.emulate_media(media="print")

    for hidden in (".lookup", ".languages", ".download", ".skip"):
        expect(page.locator(hidden)).to_be_hidden()
    for shown in ("#outcome", ".revocation", ".certifies", ".qr svg"):
        expect(page.locator(shown)).to_be_visible()
    assert len(page.pdf()) > 10_000
