"""The verification page an employer opens: ``/verify`` and ``/verify/{award_id}``."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

from fastapi.testclient import TestClient

from cli.demo import DemoSummary, award_id, award_reference, learner_id


def text_of(html: str) -> str:
    """The page's visible text, whitespace collapsed."""

    class Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.parts: list[str] = []
            self.skip = 0

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.skip += tag in ("style", "script", "head")

        def handle_endtag(self, tag: str) -> None:
            self.skip -= tag in ("style", "script", "head")

        def handle_data(self, data: str) -> None:
            if not self.skip:
                self.parts.append(data)

    parser = Text()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts)).strip()


def test_a_valid_award_shows_valid_and_what_it_certifies(
    client: TestClient, demo: DemoSummary
) -> None:
    response = client.get(f"/verify/{demo.valid_award}")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = text_of(response.text)
    assert "Valid This credential is valid." in page
    for element in (
        "Title Data Analytics Fundamentals",
        "Awarding body South East Technological University",
        "Country of the awarding body Ireland",
        "Learning outcomes Clean and join tabular data sets",
        "Notional workload 10 ECTS",
        "Level NQF level 6 / EQF level 5",
        "Type of assessment practical project",
        "Form of participation Blended",
        "Type of quality assurance Programme validated by the national QA authority",
        "Date of issuing",
    ):
        assert element in page, element
    assert "Accredited by the national authority until" in page


def test_a_revoked_award_shows_when_and_why(client: TestClient, demo: DemoSummary) -> None:
    page = text_of(client.get(f"/verify/{demo.revoked_award}").text)

    assert "Revoked This credential has been revoked." in page
    assert re.search(r"Revoked on \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", page)
    assert "Reason Academic misconduct" in page
    # The revocation's note (with the case number) is the provider's and the authority's.
    assert "AI-2026-014" not in page and "annulled" not in page


def test_an_award_issued_before_an_assessment_change_shows_the_assessment_it_had(
    client: TestClient, demo: DemoSummary
) -> None:
    ledger = client.app.state.services.ledger  # type: ignore[attr-defined]
    site_safety_before_change = award_id(ledger, "CETB", award_reference(3))

    before = client.get(f"/verify/{site_safety_before_change}")
    after = client.get(f"/verify/{demo.revalidated_award}")

    assert "Type of assessment written exam" in text_of(before.text)
    assert "Valid" in text_of(before.text)
    assert "Type of assessment practical site assessment" in text_of(after.text)


def test_a_stacked_award_says_how_it_was_awarded(client: TestClient, demo: DemoSummary) -> None:
    page = text_of(client.get(f"/verify/{demo.stacked_award}").text)

    assert "Certificate in Applied Data Science" in page
    assert "How it was awarded Stacking of component micro-credentials (2 components)" in page


def test_an_unknown_award_is_not_found(client: TestClient) -> None:
    response = client.get("/verify/00000000-0000-4000-8000-000000000000")

    assert response.status_code == 404
    assert "Not found" in text_of(response.text)
    assert "No credential with the id 00000000-0000-4000-8000-000000000000" in text_of(
        response.text
    )


def test_a_malformed_id_gets_a_friendly_message_not_an_error_page(client: TestClient) -> None:
    for path in ("/verify/not-an-id", "/verify?award_id=12345", "/verify/" + "9" * 600):
        response = client.get(path)
        assert response.status_code == 400, path
        page = text_of(response.text)
        assert "does not look like an award id" in page
        assert 'aria-invalid="true"' in response.text


def test_the_form_sends_the_reader_to_the_awards_own_link(
    client: TestClient, demo: DemoSummary
) -> None:
    typed = f"  {str(demo.valid_award).upper().replace('-', '')} "

    response = client.get("/verify", params={"award_id": typed}, follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == f"/verify/{demo.valid_award}"


def test_a_pasted_link_is_understood(client: TestClient, demo: DemoSummary) -> None:
    pasted = f"https://ledger.example/verify/{demo.revoked_award}"

    response = client.get("/verify", params={"award_id": pasted})

    assert response.url.path == f"/verify/{demo.revoked_award}"
    assert "Revoked" in text_of(response.text)


def test_input_is_escaped(client: TestClient) -> None:
    response = client.get("/verify", params={"award_id": '"><script>alert(1)</script>'})

    assert "<script>" not in response.text
    assert "&lt;script&gt;" in response.text


def test_the_page_shows_no_learner_data(client: TestClient, demo: DemoSummary) -> None:
    for award in (demo.valid_award, demo.revoked_award, demo.stacked_award):
        html = client.get(f"/verify/{award}").text
        for learner_index in range(5):
            assert learner_id(learner_index) not in html
        assert "Aoife" not in html
        assert "DEMO-0000" not in html  # the provider's own reference for the award
        assert "Merit" not in html and "Distinction" not in html  # grades


def test_the_form_is_accessible(client: TestClient) -> None:
    response = client.get("/verify")
    html = response.text

    assert response.status_code == 200
    assert '<html lang="en">' in html
    assert '<label for="award_id">Award id</label>' in html
    assert 'id="award_id" name="award_id"' in html
    assert 'aria-describedby="award_id_hint"' in html
    assert 'name="viewport"' in html
    assert '<button type="submit">Check</button>' in html


def test_status_is_never_told_by_colour_alone(client: TestClient, demo: DemoSummary) -> None:
    for award, word, symbol in (
        (demo.valid_award, "Valid", "✓"),
        (demo.revoked_award, "Revoked", "✗"),
    ):
        html = client.get(f"/verify/{award}").text
        assert f'<span class="status-word">{word}</span>' in html
        assert f'aria-hidden="true">{symbol}</span>' in html


def test_pages_are_not_cached_and_do_not_leak_the_id_as_referrer(
    client: TestClient, demo: DemoSummary
) -> None:
    response = client.get(f"/verify/{demo.valid_award}")

    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    css = client.get("/verify/static/verify.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")


def test_an_employer_can_check_as_of_a_past_day(client: TestClient, demo: DemoSummary) -> None:
    today = datetime.now(UTC).date()
    # The day before the award was issued (not "yesterday", which is wrong for a demo
    # seeded just before midnight and checked just after).
    ledger = client.app.state.services.ledger  # type: ignore[attr-defined]
    issued = ledger.award_status(demo.revoked_award).award.issued_on
    yesterday = issued - timedelta(days=1)

    as_of_today = text_of(client.get(f"/verify/{demo.revoked_award}?on={today}").text)
    before_it_was_recorded = text_of(
        client.get(f"/verify/{demo.revoked_award}?on={yesterday}").text
    )

    assert f"At the end of {today}, this credential had been revoked." in as_of_today
    assert "Reason Academic misconduct" in as_of_today
    assert "AI-2026-014" not in as_of_today
    assert f"as the national register knows it, at the end of {today} (UTC)" in as_of_today
    assert "Judged by the day the credential was issued" in as_of_today
    assert "Not yet issued" in before_it_was_recorded
    assert f"At the end of {yesterday}, this credential had not yet been issued." in (
        before_it_was_recorded
    )
    assert "Reason" not in before_it_was_recorded


def test_the_form_carries_the_day_to_the_awards_link(client: TestClient, demo: DemoSummary) -> None:
    response = client.get(
        "/verify",
        params={"award_id": str(demo.valid_award), "on": "2026-03-01"},
        follow_redirects=False,
    )

    assert response.status_code == 303
    assert response.headers["location"] == f"/verify/{demo.valid_award}?on=2026-03-01"


def test_a_day_that_is_not_a_date_or_in_the_future_is_explained(
    client: TestClient, demo: DemoSummary
) -> None:
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)

    garbled = client.get(f"/verify/{demo.valid_award}?on=yesterday-ish")
    future = client.get(f"/verify/{demo.valid_award}?on={tomorrow}")

    assert garbled.status_code == 400
    assert "is not a date: use the form 2026-03-01" in text_of(garbled.text)
    assert future.status_code == 400
    assert f"{tomorrow} is in the future" in text_of(future.text)
