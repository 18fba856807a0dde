"""``/docs`` and ``/redoc`` in a real headless Chromium with the network cut off: every
request to anywhere but the served ledger is aborted, and none may be attempted."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.web import test_browser

pytestmark = pytest.mark.browser

# The served ledger and the browser, as the verification page's browser tests use them.
server = test_browser.server
browser = test_browser.browser

LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    # blob: URLs are made by the page itself (ReDoc's worker), on this origin.
    return parts.scheme in ("data", "blob") or parts.hostname in LOCAL_HOSTS


def offline_page(browser: object, attempted: list[str]) -> object:
    """A page whose every request off this machine is aborted; ``attempted`` collects
    every such request the page tried (aborted, or blocked by the browser itself)."""
    from playwright.sync_api import Browser, Request, Route

    assert isinstance(browser, Browser)
    page = browser.new_page(viewport={"width": 1200, "height": 1000})

    def guard(route: Route) -> None:
        if is_local(route.request.url):
            route.continue_()
        else:
            route.abort()

    def record(request: Request) -> None:
        if not is_local(request.url):
            attempted.append(request.url)

    page.route("**/*", guard)
    page.on("request", record)
    return page


def test_swagger_ui_renders_the_operations_with_no_request_off_the_machine(
    server: test_browser.Server, browser: object
) -> None:
    from playwright.sync_api import Page, expect

    attempted: list[str] = []
    page = offline_page(browser, attempted)
    assert isinstance(page, Page)

    page.goto(f"{server.url}/docs")

    operation = page.locator("#operations-employers-getCredentialStatus")
    expect(operation).to_be_visible(timeout=30_000)
    expect(operation).to_contain_text("/v1/credentials/{award_id}/status")
    assert page.locator(".opblock").count() > 20  # the whole API, not one operation
    page.wait_for_load_state("networkidle")
    assert attempted == []


def test_redoc_renders_the_reference_with_no_request_off_the_machine(
    server: test_browser.Server, browser: object
) -> None:
    from playwright.sync_api import Page, expect

    attempted: list[str] = []
    page = offline_page(browser, attempted)
    assert isinstance(page, Page)

    page.goto(f"{server.url}/redoc")

    heading = page.get_by_role(
        "heading", name="Is this credential valid, and what does it certify?"
    )
    expect(heading).to_be_visible(timeout=60_000)  # ReDoc lays out the whole API first
    page.wait_for_load_state("networkidle")
    assert attempted == []
