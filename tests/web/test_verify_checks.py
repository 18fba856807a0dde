"""The verification page lists the checks of the award's signed credential, the same
checks ``POST /v1/verifications`` makes, in the page's language (issue 20, item 5)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from cli.demo import DemoSummary
from tests.web.test_verify_page import text_of

CHECK_NAMES = [
    "Issuer",
    "Signing key",
    "Signature",
    "Register entry",
    "Accreditation on the day of issue",
    "Validity period",
    "Revocation status",
]


def checks_section(html: str) -> str:
    found = re.search(r'<section class="checks".*?</section>', html, re.S)
    assert found is not None, "no checks section"
    return found.group(0)


def test_a_valid_award_lists_every_check_passed(client: TestClient, demo: DemoSummary) -> None:
    html = client.get(f"/verify/{demo.valid_award}").text
    section = checks_section(html)
    text = text_of(section)

    assert "Checks of the signed credential" in text
    positions = [text.index(name) for name in CHECK_NAMES]
    assert positions == sorted(positions)
    assert section.count('class="check check-passed"') == 7
    assert "The signature is valid: the credential is exactly as it was signed." in text
    assert "Every check passed." in text


def test_a_revoked_award_fails_its_status_check_in_words(
    client: TestClient, demo: DemoSummary
) -> None:
    text = text_of(checks_section(client.get(f"/verify/{demo.revoked_award}").text))
    assert "Revoked: its bit is set in" in text
    assert "Not every check passed." in text


def test_the_checks_are_in_french_on_the_french_page(client: TestClient, demo: DemoSummary) -> None:
    html = client.get(f"/verify/{demo.valid_award}", params={"lang": "fr"}).text
    text = text_of(checks_section(html))
    assert "Vérifications de la certification signée" in text
    assert "La signature est valide" in text
    assert "Toutes les vérifications ont réussi." in text
    assert "The signature" not in text


def test_a_past_days_answer_shows_no_checks_of_today(client: TestClient, demo: DemoSummary) -> None:
    html = client.get(f"/verify/{demo.valid_award}", params={"on": "2026-01-01"}).text
    assert 'class="checks"' not in html


def test_the_checks_come_after_the_answer_and_print_with_it(
    client: TestClient, demo: DemoSummary
) -> None:
    html = client.get(f"/verify/{demo.valid_award}").text
    assert html.index('class="result') < html.index('class="checks"') < html.index("</main>")
    css = client.get("/verify/static/verify.css").text
    print_rules = css[css.index("@media print") :]
    assert ".check" in print_rules and ".checks" not in print_rules.split("display: none")[0]
