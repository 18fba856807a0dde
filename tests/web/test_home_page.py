"""``/``, the address ``ledger serve`` prints, leads a person on; the pages answer
``HEAD`` as well as ``GET`` (link checkers, monitors and proxies ask with it)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from cli.demo import DemoSummary
from tests.web.test_verify_page import text_of


def links_of(html: str) -> list[str]:
    class Links(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.hrefs: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.hrefs += [v for k, v in attrs if tag == "a" and k == "href" and v]

    parser = Links()
    parser.feed(html)
    return parser.hrefs


def test_the_root_address_is_a_page_leading_to_verify_and_the_docs(client: TestClient) -> None:
    response = client.get("/")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<link rel="stylesheet" href="/verify/static/verify.css">' in response.text
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    assert "Verify a micro-credential" in text_of(response.text)
    links = links_of(response.text)
    assert {"/verify", "/docs"} <= set(links)
    for link in links:
        if link.startswith("/") and not link.startswith("/#"):
            assert client.get(link).status_code == 200, link


@pytest.mark.parametrize(
    "path",
    ["/", "/verify", "/verify/static/verify.css", "/docs", "/redoc", "valid-award"],
)
def test_the_pages_answer_head_like_get_without_a_body(
    client: TestClient, demo: DemoSummary, path: str
) -> None:
    if path == "valid-award":
        path = f"/verify/{demo.valid_award}"
    got = client.get(path)
    head = client.head(path)

    assert got.status_code == 200
    assert head.status_code == 200, head.text
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.content == b""


def test_head_of_an_unknown_award_page_is_a_404(client: TestClient) -> None:
    head = client.head("/verify/00000000-0000-4000-8000-000000000000")

    assert head.status_code == 404
    assert head.headers["content-type"].startswith("text/html")
