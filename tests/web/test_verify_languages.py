"""The verification page in the reader's language (English, French), and what an award's
page offers besides the answer: the answer before the form, a QR code of its link, the
signed credential to download, a print layout.

Over HTTP, on the seeded store of `tests/web/conftest.py` (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import re
import string
import tomllib
from datetime import UTC, datetime, timedelta
from fnmatch import fnmatch
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import UUID

import pytest
import zxingcpp
from fastapi.testclient import TestClient

from api import i18n
from api.qr import qr_svg
from api.verify import (
    PAGE_HEADERS,
    REVOCATION_TEXT,
    ROUTE_TEXT,
    SUPERVISION_TEXT,
    status_key,
    verification_link,
)
from cli.demo import DemoSummary
from ledger.application.verification import FINDINGS, CheckName, Outcome
from ledger.config import Settings
from ledger.domain.accreditation import ProviderState
from ledger.domain.status import AwardStatus
from ledger.domain.values import ParticipationForm, RevocationReason, Supervision
from tests.web.test_verify_page import text_of

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "api" / "locales"
TEMPLATES = ROOT / "api" / "templates"
NBSP, NNBSP = "\u00a0", "\u202f"


def catalogue_file(lang: str) -> dict[str, str]:
    data: dict[str, str] = json.loads((LOCALES / f"{lang}.json").read_text(encoding="utf-8"))
    return data


def placeholders(message: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(message) if name is not None}


class Elements(HTMLParser):
    """Every start tag of a page, in document order, with its attributes."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def find(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [
            found
            for name, found in self.tags
            if name == tag and all(found.get(k.rstrip("_")) == v for k, v in attrs.items())
        ]


def lang_of(html: str) -> str | None:
    return Elements(html).find("html")[0].get("lang")


# -- How the language is chosen ---------------------------------------------------------


def test_french_by_accept_language_with_a_region(client: TestClient, demo: DemoSummary) -> None:
    response = client.get(f"/verify/{demo.valid_award}", headers={"Accept-Language": "fr-BE"})

    assert response.status_code == 200
    assert lang_of(response.text) == "fr"
    page = text_of(response.text)
    assert "Valide Cette microcertification est valide." in page
    assert "Organisme de délivrance South East Technological University" in page
    assert "Pays de l’organisme de délivrance Irlande" in page  # ISO 3166 names, translated
    # (text_of makes every space a plain one; the markup keeps the non-breaking ones)
    assert "Niveau CNC, niveau 6 / CEC, niveau 5" in page
    assert f"CNC, niveau{NBSP}6 / CEC, niveau{NBSP}5" in response.text
    assert f"<dd>10{NBSP}crédits ECTS</dd>" in response.text
    assert "Accrédité par l’autorité nationale jusqu’au" in page


def test_french_by_query_wins_over_accept_language(client: TestClient, demo: DemoSummary) -> None:
    french = client.get(f"/verify/{demo.revoked_award}?lang=fr", headers={"Accept-Language": "en"})
    english = client.get(f"/verify/{demo.revoked_award}?lang=en", headers={"Accept-Language": "fr"})

    assert lang_of(french.text) == "fr"
    assert "Révoquée Cette microcertification a été révoquée." in text_of(french.text)
    assert "Motif Manquement à l’intégrité académique" in text_of(french.text)
    assert "AI-2026-014" not in french.text  # the private note stays private in French too
    assert lang_of(english.text) == "en"
    assert "Revoked This credential has been revoked." in text_of(english.text)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("fr", "fr"),
        ("FR-ca", "fr"),
        ("en;q=0.5, fr;q=0.9", "fr"),
        ("fr;q=0.4, en;q=0.8", "en"),
        ("de-DE, de;q=0.9, fr;q=0.8, en;q=0.7", "fr"),  # German first, but the catalogues lack it
        ("fr;q=0, en", "en"),  # q=0: not acceptable
        ("fr;q=0.000, de", "en"),
        ("fr;q=abc, en;q=0.1", "en"),  # a malformed q-value counts for nothing
        ("fr;q=2", "en"),  # out of range
        ("*", "en"),
        ("", "en"),
        ("nl, pt", "en"),
    ],
)
def test_accept_language_q_values(
    client: TestClient, demo: DemoSummary, header: str, expected: str
) -> None:
    response = client.get("/verify", headers={"Accept-Language": header})

    assert response.status_code == 200
    assert lang_of(response.text) == expected


def test_the_choice_in_order_query_then_header_then_english() -> None:
    assert i18n.choose_language("fr", None) == i18n.Choice("fr", explicit=True)
    assert i18n.choose_language("fr-BE", "en") == i18n.Choice("fr", explicit=True)
    assert i18n.choose_language(None, "fr-CH, en;q=0.5") == i18n.Choice("fr", explicit=False)
    assert i18n.choose_language("xx", None) == i18n.Choice("en", explicit=False)
    assert i18n.choose_language(None, None) == i18n.Choice("en", explicit=False)
    # A header longer than any browser sends is read only so far: no error.
    assert i18n.choose_language(None, "x-a;q=0.1, " * 10_000 + "fr").lang == "en"


def test_an_unknown_lang_is_no_error_and_falls_back(client: TestClient, demo: DemoSummary) -> None:
    for value in ("xx", "klingon", "", "../../etc/passwd", "<script>"):
        response = client.get(f"/verify/{demo.valid_award}", params={"lang": value})
        assert response.status_code == 200, value
        assert lang_of(response.text) == "en", value
        assert "<script>" not in response.text
    # An unknown ?lang= is ignored, so the browser's languages still count.
    german = client.get("/verify?lang=de", headers={"Accept-Language": "fr"})
    assert lang_of(german.text) == "fr"


def test_the_pages_vary_on_accept_language(client: TestClient, demo: DemoSummary) -> None:
    for path in (
        "/",
        "/verify",
        f"/verify/{demo.valid_award}",
        "/verify/00000000-0000-4000-8000-000000000000",
        "/verify/not-an-id",
        f"/verify?award_id={demo.valid_award}",
    ):
        response = client.get(path, follow_redirects=False)
        vary = {v.strip().lower() for v in response.headers.get("vary", "").split(",")}
        assert "accept-language" in vary, path


def test_the_home_page_speaks_french_too(client: TestClient) -> None:
    response = client.get("/", headers={"Accept-Language": "fr"})
    page = text_of(response.text)

    assert lang_of(response.text) == "fr"
    assert "Le registre national des microcertifications" in page
    assert "Documentation de l’API (en anglais)" in page
    docs = Elements(response.text).find("a", href="/docs")
    assert docs and docs[0]["hreflang"] == "en"
    # Asked for by ?lang=, the language goes on with the link to the form.
    asked = client.get("/?lang=fr")
    assert Elements(asked.text).find("a", href="/verify?lang=fr")


# -- The switcher ---------------------------------------------------------------------


def switcher_links(html: str) -> list[dict[str, str | None]]:
    links: list[dict[str, str | None]] = []
    inside = False
    for tag, attrs in Elements(html).tags:
        if tag == "nav":
            inside = attrs.get("class") == "languages"
        elif tag == "footer":
            inside = False
        elif inside and tag == "a":
            links.append(attrs)
    return links


def test_the_switcher_keeps_the_award_and_the_day(client: TestClient, demo: DemoSummary) -> None:
    day = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
    path = f"/verify/{demo.valid_award}"

    response = client.get(path, params={"on": day, "lang": "fr"})
    links = switcher_links(response.text)

    assert [(a["hreflang"], a["lang"]) for a in links] == [("en", "en"), ("fr", "fr")]
    names = [text_of(m) for m in re.findall(r'hreflang="\w+"[^>]*>([^<]+)</a>', response.text)]
    assert names == ["English", "Français"]  # each language by its own name
    assert [a.get("aria-current") for a in links] == [None, "true"]
    for link in links:
        href = link["href"] or ""
        parts = urlsplit(href)
        assert parts.path == path
        assert parse_qs(parts.query) == {"on": [day], "lang": [link["hreflang"]]}
        followed = client.get(href)
        assert followed.status_code == 200
        assert lang_of(followed.text) == link["hreflang"]
        assert str(demo.valid_award) in followed.text


def test_the_switcher_keeps_what_was_typed(client: TestClient) -> None:
    response = client.get("/verify", params={"award_id": "12345 & more", "lang": "fr"})

    hrefs = [a["href"] or "" for a in switcher_links(response.text)]
    assert response.status_code == 400
    for href in hrefs:
        assert parse_qs(urlsplit(href).query)["award_id"] == ["12345 & more"]


def test_the_switcher_comes_after_the_form(client: TestClient, demo: DemoSummary) -> None:
    for path in ("/verify", f"/verify/{demo.valid_award}"):
        html = client.get(path).text
        assert html.index("</form>") < html.index('<nav class="languages"'), path


def test_a_language_asked_for_goes_on_through_the_form(
    client: TestClient, demo: DemoSummary
) -> None:
    form = client.get("/verify?lang=fr").text
    assert Elements(form).find("input", type="hidden", name="lang", value="fr")
    # Chosen by the header alone, the form adds nothing (the next page asks the header too).
    assert not Elements(client.get("/verify", headers={"Accept-Language": "fr"}).text).find(
        "input", type="hidden"
    )

    sent = client.get(
        "/verify",
        params={"award_id": str(demo.valid_award), "on": "2026-03-01", "lang": "fr"},
        follow_redirects=False,
    )

    assert sent.status_code == 303
    assert sent.headers["location"] == f"/verify/{demo.valid_award}?on=2026-03-01&lang=fr"


# -- The catalogues -------------------------------------------------------------------


def test_the_catalogues_have_the_same_keys_and_placeholders() -> None:
    english, french = catalogue_file("en"), catalogue_file("fr")

    assert set(english) == set(french)
    for key, message in english.items():
        if key.startswith("format."):
            fields = i18n.MOMENT_FIELDS if key == "format.moment" else i18n.DAY_FIELDS
            assert placeholders(message) <= fields, key
            assert placeholders(french[key]) <= fields, key
        else:
            assert placeholders(message) == placeholders(french[key]), key
    for lang in i18n.LANGUAGES:
        assert i18n.load_messages(lang) == catalogue_file(lang)  # as packaged


def test_every_key_the_page_uses_is_in_every_catalogue_and_no_other() -> None:
    used = set()
    for template in TEMPLATES.glob("*.html"):
        used |= set(re.findall(r"""\bt\(\s*"([^"]+)\"""", template.read_text(encoding="utf-8")))
    # Both keys of a template's conditional message, and the keys the code names.
    used |= {"result.expired_on", "result.valid_until"}
    for module in (ROOT / "api").glob("*.py"):
        used |= set(re.findall(r"""\.text\(\s*"([^"]+)\"""", module.read_text(encoding="utf-8")))
    # The keys the code builds from the domain's values, for every value there is.
    used |= {status_key(s, part) for s in AwardStatus for part in ("word", "headline", "past")}
    used |= set(ROUTE_TEXT.values()) | set(REVOCATION_TEXT.values())
    used |= {SUPERVISION_TEXT[s.value] for s in Supervision}
    used |= {f"participation.{form.value}" for form in ParticipationForm}
    used |= {f"provider_state.{state.value}" for state in ProviderState}
    used |= {f"month.{n}" for n in range(1, 13)} | {"language.name", "past.basis"}
    # The checks of the signed credential, by check, outcome and finding.
    used |= {f"check.name.{name.value}" for name in CheckName}
    used |= {f"check.outcome.{outcome.value}" for outcome in Outcome}
    used |= {f"check.{reason}" for reason in FINDINGS}
    used |= {"checks.verified", "checks.not_verified"}

    for lang in i18n.LANGUAGES:
        assert used <= set(catalogue_file(lang)), (lang, used - set(catalogue_file(lang)))
    assert set(catalogue_file("en")) - used == set()  # no message left behind
    assert set(REVOCATION_TEXT) == set(RevocationReason)


def test_the_english_checks_say_what_the_verification_api_says() -> None:
    english = catalogue_file("en")
    for reason, sentence in FINDINGS.items():
        assert english[f"check.{reason}"] == sentence, reason


def test_english_revocation_reasons_say_what_the_status_api_says() -> None:
    english = catalogue_file("en")
    for reason in RevocationReason:
        assert english[REVOCATION_TEXT[reason]] == reason.label


def test_french_typography() -> None:
    """Non-breaking space before : ; ? ! and inside « », typographic apostrophes, no
    straight quotes."""
    for key, message in catalogue_file("fr").items():
        for mark in ":;?!":
            for found in re.finditer(re.escape(mark), message):
                before = message[found.start() - 1] if found.start() else ""
                assert before in (NBSP, NNBSP), f"{key}: no non-breaking space before {mark}"
        assert "'" not in message and '"' not in message, key
        assert "“" not in message and "”" not in message, key
        for opening in re.finditer("«", message):
            assert message[opening.end()] == NBSP, key
        for closing in re.finditer("»", message):
            assert message[closing.start() - 1] == NBSP, key
    assert "«\u00a0{text}\u00a0»" in catalogue_file("fr")["invalid.body"]


def english_phrases() -> set[str]:
    """Every run of words of the English catalogue that the French one does not share,
    placeholders taken out: none of them may be left on a French page."""
    english, french = catalogue_file("en"), catalogue_file("fr")
    phrases = set()
    for key, message in english.items():
        if message == french[key] or key.startswith(("format.", "month.", "language.")):
            continue
        for literal, *_ in string.Formatter().parse(message):
            words = literal.strip(" .,:;()“”")
            if len(words) >= 8 and " " in words:
                phrases.add(words)
    return phrases


def test_no_english_is_left_on_a_french_page(client: TestClient, demo: DemoSummary) -> None:
    phrases = english_phrases()
    assert "This credential is valid" in phrases
    assert "What it certifies" in phrases
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    pages = [
        "/",
        "/verify",
        "/verify?award_id=12345",
        "/verify/not-an-id",
        "/verify/00000000-0000-4000-8000-000000000000",
        f"/verify/{demo.valid_award}",
        f"/verify/{demo.revoked_award}",
        f"/verify/{demo.stacked_award}",
        f"/verify/{demo.revoked_award}?on={datetime.now(UTC).date()}",
        f"/verify/{demo.valid_award}?on=yesterday-ish",
        f"/verify/{demo.valid_award}?on={tomorrow}",
    ]
    for path in pages:
        response = client.get(path, headers={"Accept-Language": "fr"})
        page = text_of(response.text)
        left = sorted(p for p in phrases if p in page)
        assert not left, (path, left)
        assert lang_of(response.text) == "fr"
        for sentence in ("Skip to the", "Award id", "Check", "Valid on a past day"):
            assert sentence not in page, (path, sentence)


def test_french_dates_keep_iso_in_the_markup(client: TestClient, demo: DemoSummary) -> None:
    day = datetime.now(UTC).date()
    response = client.get(f"/verify/{demo.revoked_award}?on={day}&lang=fr")
    months = i18n.catalogue("fr")

    written = f"{months.day(day)}"
    assert f'<time datetime="{day.isoformat()}">{written}</time>' in response.text
    assert f"À la fin de la journée du {written}, cette microcertification avait été révoquée." in (
        text_of(response.text)
    )
    moment = r"\d{1,2}(er)? \w+ \d{4} à \d{1,2}\u00a0h\u00a0\d{2} UTC"
    assert re.search(
        rf'<time datetime="\d{{4}}-\d{{2}}-\d{{2}}T[^"]+">{moment}</time>', response.text
    )
    assert months.day(datetime(2026, 3, 1).date()) == "1er mars 2026"
    assert months.day("2026-12-25") == "25 décembre 2026"
    assert i18n.english().day("2026-03-01") == "2026-03-01"


def test_french_messages_for_what_is_wrong(client: TestClient, demo: DemoSummary) -> None:
    garbled = client.get(f"/verify/{demo.valid_award}?on=hier&lang=fr")
    unknown = client.get("/verify/00000000-0000-4000-8000-000000000000?lang=fr")
    invalid = client.get("/verify/pas-un-identifiant?lang=fr")

    assert garbled.status_code == 400
    assert f"«{NBSP}hier{NBSP}» n’est pas une date{NBSP}:" in garbled.text
    assert unknown.status_code == 404
    assert "Introuvable" in text_of(unknown.text)
    assert "Aucune microcertification portant l’identifiant" in text_of(unknown.text)
    assert "<code>00000000-0000-4000-8000-000000000000</code>" in unknown.text
    assert invalid.status_code == 400
    assert f"«{NBSP}pas-un-identifiant{NBSP}» ne ressemble pas" in invalid.text


# -- The answer first, the QR code, the download, print -------------------------------


def test_a_shared_link_answers_before_the_form(client: TestClient, demo: DemoSummary) -> None:
    for path in (
        f"/verify/{demo.valid_award}",
        "/verify/00000000-0000-4000-8000-000000000000",
        "/verify/not-an-id",
        f"/verify/{demo.valid_award}?on=yesterday-ish",
    ):
        html = client.get(path).text
        assert html.index('<section class="result') < html.index("<form"), path
    valid = client.get(f"/verify/{demo.valid_award}").text
    assert valid.index('class="certifies"') < valid.index('class="qr"') < valid.index("<form")
    assert 'aria-labelledby="again"' in valid
    assert "Check another id or another day" in text_of(valid)
    # The form after the answer still works, and still holds the award's id.
    assert Elements(valid).find("input", id="award_id", value=str(demo.valid_award))
    # The bare form, and the form sent back with a mistake, are form first.
    for path in ("/verify", "/verify?award_id=12345"):
        html = client.get(path).text
        assert html.index("<form") < html.index("<section"), path


def test_the_download_link_is_the_signed_credential(client: TestClient, demo: DemoSummary) -> None:
    html = client.get(f"/verify/{demo.revoked_award}").text

    links = Elements(html).find("a", href=f"/v1/credentials/{demo.revoked_award}/credential")
    assert len(links) == 1
    assert "download" in links[0]
    assert links[0]["type"] == "application/vc"
    assert "Download the signed credential" in text_of(html)
    french = client.get(f"/verify/{demo.revoked_award}?lang=fr").text
    assert "Télécharger la microcertification signée" in text_of(french)
    # No award, nothing to download.
    assert "/credential" not in client.get("/verify/00000000-0000-4000-8000-000000000000").text


def svg_of(html: str) -> str:
    found = re.search(r"<svg\b.*?</svg>", html, re.DOTALL)
    assert found, "no inline SVG"
    return found.group(0)


def decode_qr(svg: str) -> list[str]:
    """The texts of the QR codes an SVG draws, read by zxing-cpp (pinned in the dev
    extras) from a raster this function paints itself from the SVG's path: horizontal
    runs of unit-wide strokes, ``M``/``m`` moves and ``h`` lines, as segno writes them."""
    width, height = map(int, re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).groups())  # type: ignore[union-attr]
    path = re.search(r'<path class="qr-modules"[^>]*\sd="([^"]+)"', svg)
    assert path, "no path of dark modules"
    assert 'stroke="#000"' in path.group(0)
    dark: set[tuple[int, int]] = set()
    x = y = 0.0
    for command, args in re.findall(r"([A-Za-z])([^A-Za-z]*)", path.group(1)):
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", args)]
        if command == "M":
            x, y = numbers
        elif command == "m":
            x, y = x + numbers[0], y + numbers[1]
        elif command == "h":
            dark |= {(int(x) + i, int(y)) for i in range(int(numbers[0]))}
            x += numbers[0]
        else:
            raise AssertionError(f"unexpected path command {command}")
    scale = 4
    row = width * scale
    pixels = bytearray(b"\xff" * (row * height * scale))
    for cx, cy in dark:
        for line in range(cy * scale, (cy + 1) * scale):
            start = line * row + cx * scale
            pixels[start : start + scale] = b"\x00" * scale
    image = memoryview(bytes(pixels)).cast("B", (height * scale, row))
    return [r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]


def test_the_qr_code_decodes_to_the_awards_link(
    client: TestClient, demo: DemoSummary, settings: Settings
) -> None:
    for award in (demo.valid_award, demo.revoked_award, demo.stacked_award):
        response = client.get(f"/verify/{award}", headers={"Accept-Language": "fr"})
        svg = svg_of(response.text)
        link = f"{settings.signing.public_url}/verify/{award}"

        assert decode_qr(svg) == [link]
        assert svg.startswith('<svg role="img"')
        title = re.search(r"<title>([^<]+)</title>", svg)
        assert title and title.group(1) == f"Code QR du lien de cette vérification, {link}"
        assert "<script" not in svg and "<style" not in svg and "href" not in svg
        assert Elements(response.text).find("a", href=link)  # the link also in words
    # The page's policy is the same as before the QR code: no image source, no script.
    assert response.headers["content-security-policy"] == PAGE_HEADERS["Content-Security-Policy"]
    assert "script-src" not in response.headers["content-security-policy"]


def test_the_qr_code_holds_whatever_link_it_is_given() -> None:
    link = "https://ledger.example.ie/verify/3f2a9c4e-1b7d-5e2a-9c4b-7d1e2f3a4b5c"
    svg = str(qr_svg(link, label='a "label" <with> & marks'))

    assert decode_qr(svg) == [link]
    assert '<title>a "label" &lt;with&gt; &amp; marks</title>' in svg


def test_the_link_is_built_from_the_public_url() -> None:
    award = UUID("3f2a9c4e-1b7d-5e2a-9c4b-7d1e2f3a4b5c")
    settings = SimpleNamespace(signing=SimpleNamespace(public_url="https://ledger.example.ie"))
    request: Any = SimpleNamespace(
        app=SimpleNamespace(state=SimpleNamespace(services=SimpleNamespace(settings=settings)))
    )

    assert verification_link(request, award) == f"https://ledger.example.ie/verify/{award}"


def print_rules(css: str) -> str:
    start = css.index("@media print")
    depth, end = 0, start
    for end in range(css.index("{", start), len(css)):
        depth += {"{": 1, "}": -1}.get(css[end], 0)
        if depth == 0:
            break
    return css[start : end + 1]


def test_print_hides_the_controls_and_keeps_the_answer(
    client: TestClient, demo: DemoSummary
) -> None:
    css = client.get("/verify/static/verify.css").text
    rules = print_rules(css)
    hidden = [
        selectors
        for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", rules.split("{", 1)[1])
        if re.search(r"display\s*:\s*none", body)
    ]
    hidden_selectors = {s.strip() for group in hidden for s in group.split(",")}

    assert {".skip", ".lookup", ".languages", ".download"} <= hidden_selectors
    assert not hidden_selectors & {".result", ".certifies", ".qr", ".keep", "main", "svg"}
    # The classes the rules name are the page's: the form, the switcher, the skip link and
    # the download link carry them; the answer, the elements and the QR code are outside.
    html = client.get(f"/verify/{demo.valid_award}").text
    page = Elements(html)
    assert page.find("form", class_="lookup")
    assert page.find("nav", class_="languages")
    assert page.find("a", class_="skip")
    assert page.find("p", class_="download")
    download = html[html.index('<p class="download">') :]
    assert download.index("/credential") < download.index("</p>")
    assert html.index('class="qr"') < html.index('<p class="download">')


def test_the_locales_are_packaged() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = project["tool"]["setuptools"]["package-data"]["api"]
    for lang in i18n.LANGUAGES:
        name = f"locales/{lang}.json"
        assert (ROOT / "api" / name).is_file()
        assert any(fnmatch(name, pattern) for pattern in patterns), name
    assert any(fnmatch("templates/_languages.html", p) for p in patterns)
