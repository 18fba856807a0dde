"""The OpenAPI document is complete enough for a provider to generate a client from it."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from ledger.config import DatabaseSettings, Settings
from ledger.domain import limits
from ledger.policy import IRELAND

OPERATION_ID = re.compile(r"^[a-z][A-Za-z]+$")


@pytest.fixture(scope="module")
def client() -> TestClient:
    """The app without its lifespan: the document needs no store (nothing is opened)."""
    settings = Settings(database=DatabaseSettings(url="sqlite:///never-opened"), policy=IRELAND)
    return TestClient(create_app(settings))


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def test_every_operation_has_a_unique_generator_friendly_id_and_a_summary(
    client: TestClient,
) -> None:
    document = client.get("/openapi.json").json()
    ids = [op["operationId"] for _, _, op in operations(document)]
    assert len(ids) == len(set(ids))
    assert all(OPERATION_ID.match(i) for i in ids), ids
    assert all(op.get("summary") for _, _, op in operations(document))


def test_keys_are_a_declared_security_scheme_on_every_protected_operation(
    client: TestClient,
) -> None:
    document = client.get("/openapi.json").json()
    scheme = document["components"]["securitySchemes"]["ApiKey"]
    assert scheme == {"type": "http", "scheme": "bearer", "description": scheme["description"]}
    for method, path, op in operations(document):
        protected = path.startswith(("/v1/providers/", "/v1/authority/"))
        assert (op.get("security") == [{"ApiKey": []}]) == protected, (method, path)
        if protected:
            assert "401" in op["responses"] and "403" in op["responses"], (method, path)


def test_writes_document_idempotency_problems_and_example_bodies(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    for method, path, op in operations(document):
        if method not in ("post", "patch") or not path.startswith("/v1/"):
            continue
        if path.startswith("/v1/authority/keys/"):
            continue  # rotation and revocation of a key take no body and write no event
        if path == "/v1/verifications":
            continue  # a presented credential is open JSON-LD (the verifier judges it), no write
        body = resolve(document, op["requestBody"]["content"]["application/json"]["schema"])
        assert body.get("additionalProperties") is False, path  # unknown fields refused
        if path.endswith("/keys"):
            continue  # issuing a key is not an event write
        if path.startswith("/v1/credentials/"):
            continue  # a read that takes a body
        headers = [p["name"] for p in op.get("parameters", []) if p["in"] == "header"]
        assert "Idempotency-Key" in headers, path
        assert "application/problem+json" in op["responses"]["422"]["content"], path


def test_every_error_answer_is_documented_as_a_problem_under_problem_json(
    client: TestClient,
) -> None:
    document = client.get("/openapi.json").json()
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    errors = 0
    for method, path, op in operations(document):
        for status, response in op["responses"].items():
            if status.startswith(("4", "5")):
                errors += 1
                assert response["content"] == problem, (method, path, status)
    assert errors > 50
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert "ValidationError" not in schemas
    assert set(resolve(document, {"$ref": "#/components/schemas/Problem"})["properties"]) == {
        "type",
        "title",
        "status",
        "detail",
        "errors",
    }


def test_a_route_that_declares_no_problems_still_documents_its_422_as_a_problem() -> None:
    settings = Settings(database=DatabaseSettings(url="sqlite:///never-opened"), policy=IRELAND)
    app = create_app(settings)

    @app.get("/extra/{number}", operation_id="extra", summary="An added route")
    def extra(number: int) -> dict[str, int]:
        return {"number": number}

    document = TestClient(app).get("/openapi.json").json()  # no lifespan: nothing opened
    responses = document["paths"]["/extra/{number}"]["get"]["responses"]
    assert responses["422"]["content"] == {
        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
    }
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_request_models_carry_examples(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    for name in (
        "RegisterProvider",
        "AccreditProvider",
        "DefineMicroCredential",
        "SpecificationIn",
        "IssueAward",
        "AssessmentIn",
        "RevokeAward",
    ):
        properties = schemas[name]["properties"]
        assert any("examples" in p for p in properties.values()), name


class _References(HTMLParser):
    """Every URL a page makes the browser fetch: ``src``, ``href``, ReDoc's
    ``spec-url``, and the document Swagger UI's inline script loads."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [v for k, v in attrs if k in ("src", "href", "spec-url") and v]

    def handle_data(self, data: str) -> None:
        self.urls += re.findall(r"\burl: '([^']*)'", data)


CONTENT_TYPES = {
    ".js": ("text/javascript", "application/javascript"),
    ".css": ("text/css",),
    ".png": ("image/png",),
    ".json": ("application/json",),
}


@pytest.mark.parametrize(("page", "marker"), [("/docs", "SwaggerUIBundle"), ("/redoc", "<redoc")])
def test_the_documentation_pages_need_nothing_from_another_origin(
    client: TestClient, page: str, marker: str
) -> None:
    response = client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert marker in response.text
    assert "://" not in response.text  # no absolute URL at all, so no CDN
    references = _References()
    references.feed(response.text)
    assert len(references.urls) >= 3, references.urls  # script or document, style, icon
    for url in references.urls:
        assert url.startswith("/") and not url.startswith("//"), url
        asset = client.get(url)
        assert asset.status_code == 200, url
        expected = CONTENT_TYPES[url[url.rindex(".") :]]
        assert asset.headers["content-type"].split(";")[0] in expected, url
        assert len(asset.content) > 1000, url


def test_the_documented_limits_are_the_domains_limits(client: TestClient) -> None:
    """Every provider code and learner id the API takes is bounded by the domain's constant,
    so the document and the domain cannot disagree about what a code may be."""
    document = client.get("/openapi.json").json()
    bounded = {"provider_code": limits.CODE_MAX, "learner_id": limits.LEARNER_ID_MAX}
    seen: set[str] = set()
    for _, path, operation in operations(document):
        for parameter in operation.get("parameters", []):
            if parameter["name"] in bounded:
                schema = parameter["schema"].get("anyOf", [parameter["schema"]])[0]
                assert schema["maxLength"] == bounded[parameter["name"]], (path, parameter)
                seen.add(parameter["name"])
    assert seen == set(bounded)
    register = document["components"]["schemas"]["RegisterProvider"]["properties"]
    assert register["code"]["maxLength"] == limits.CODE_MAX
