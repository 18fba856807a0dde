"""Reading an earlier register's export for ``ledger import``: JSON lines (one typed
row each: providers, their decisions, micro-credentials, their accreditations,
awards) or CSV (awards only). The rows take the same fields, limits and checks as the
API's request bodies; a row that does not parse is reported with its line, like a row
the domain refuses, and the whole file is read before anything is judged."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import orjson
from pydantic import Field, TypeAdapter, ValidationError

from api.models.authority import RegisterProvider, ScopeIn
from api.models.common import (
    AssessmentIn,
    Code,
    LearnerId,
    Name,
    Reason,
    Reference,
    RequestModel,
    SpecificationIn,
)
from ledger.application.import_entries import (
    AwardEntry,
    CredentialAccreditationEntry,
    CredentialEntry,
    DecisionKind,
    ImportEntry,
    ProviderDecisionEntry,
    ProviderEntry,
    RefusedEntry,
)

# A line longer than this is refused unread: a credential's definition, the longest
# row, is a few kilobytes.
MAX_LINE_BYTES = 256 * 1024

CSV_COLUMNS = (
    "provider",
    "credential",
    "learner_id",
    "provider_reference",
    "issued_on",
    "assessment_method",
    "assessed_on",
    "result",
)
CSV_OPTIONAL_COLUMNS = ("grade", "supervision", "identity_verified", "accommodation")


class ProviderRow(RegisterProvider):
    type: Literal["provider"]
    website: Name | None = Field(None, examples=["https://www.setu.ie"])

    def entry(self, line: int) -> ProviderEntry:
        return ProviderEntry(line, self.code, self.name, self.country, self.kind, self.website)


class ProviderDecisionRow(RequestModel):
    type: Literal["provider_decision"]
    provider: Code
    decision: DecisionKind
    decision_reference: Reference
    effective_on: date
    scope: ScopeIn | None = None
    valid_until: date | None = None
    reason: Reason | None = None

    def entry(self, line: int) -> ProviderDecisionEntry:
        return ProviderDecisionEntry(
            line,
            self.provider,
            self.decision,
            self.decision_reference,
            self.effective_on,
            None if self.scope is None else self.scope.to_domain(),
            self.valid_until,
            self.reason,
        )


class CredentialRow(RequestModel):
    type: Literal["credential"]
    provider: Code
    code: Code
    specification: SpecificationIn

    def entry(self, line: int) -> CredentialEntry:
        return CredentialEntry(line, self.provider, self.code, self.specification.to_domain())


class CredentialAccreditationRow(RequestModel):
    type: Literal["credential_accreditation"]
    provider: Code
    credential: Code
    decision_reference: Reference
    effective_on: date

    def entry(self, line: int) -> CredentialAccreditationEntry:
        return CredentialAccreditationEntry(
            line, self.provider, self.credential, self.decision_reference, self.effective_on
        )


class AwardRow(RequestModel):
    type: Literal["award"]
    provider: Code
    credential: Code
    learner_id: LearnerId
    provider_reference: Reference
    issued_on: date
    assessment: AssessmentIn

    def entry(self, line: int) -> AwardEntry:
        return AwardEntry(
            line,
            self.provider,
            self.credential,
            self.learner_id,
            self.provider_reference,
            self.issued_on,
            self.assessment.to_domain(),
        )


Row = Annotated[
    ProviderRow | ProviderDecisionRow | CredentialRow | CredentialAccreditationRow | AwardRow,
    Field(discriminator="type"),
]
_ROW: TypeAdapter[Row] = TypeAdapter(Row)


def read_rows(path: Path) -> tuple[list[ImportEntry], list[RefusedEntry]]:
    """The file's entries and the rows that do not parse; CSV by its ``.csv`` name."""
    if path.suffix.lower() == ".csv":
        return _parsed(_csv_rows(path))
    return _parsed(_json_lines(path))


def _parsed(
    rows: Iterator[tuple[int, Any | RefusedEntry]],
) -> tuple[list[ImportEntry], list[RefusedEntry]]:
    entries: list[ImportEntry] = []
    refused: list[RefusedEntry] = []
    for line, row in rows:
        if isinstance(row, RefusedEntry):
            refused.append(row)
            continue
        try:
            entries.append(_ROW.validate_python(row).entry(line))
        except ValidationError as error:
            refused.append(RefusedEntry(line, _explained(error), "validation-error"))
    return entries, refused


def _json_lines(path: Path) -> Iterator[tuple[int, Any | RefusedEntry]]:
    with path.open("rb") as file:
        for line, raw in enumerate(file, 1):
            if not raw.strip():
                continue
            if len(raw) > MAX_LINE_BYTES:
                yield line, RefusedEntry(line, "a row longer than 256 KiB", "row-too-long")
                continue
            try:
                yield line, orjson.loads(raw)
            except orjson.JSONDecodeError as error:
                yield line, RefusedEntry(line, f"not JSON: {error}", "not-json")


def _csv_rows(path: Path) -> Iterator[tuple[int, Any | RefusedEntry]]:
    """Awards, one per row, under a header naming `CSV_COLUMNS` (and any of
    `CSV_OPTIONAL_COLUMNS`); an empty optional cell is no value."""
    with path.open(encoding="utf-8-sig", newline="") as file:
        reader = csv.DictReader(file)
        missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or ())]
        if missing:
            message = f"the header lacks the column(s) {', '.join(missing)}"
            yield 1, RefusedEntry(1, message, "csv-header")
            return
        unknown = sorted(
            set(reader.fieldnames or ()) - set(CSV_COLUMNS) - set(CSV_OPTIONAL_COLUMNS)
        )
        if unknown:
            yield 1, RefusedEntry(1, f"unknown column(s) {', '.join(unknown)}", "csv-header")
            return
        for cells in reader:
            yield reader.line_num, _award_of_cells(cells)


def _award_of_cells(cells: dict[str, str | None]) -> dict[str, Any]:
    def cell(name: str) -> str | None:
        value = cells.get(name)
        return value if value not in (None, "") else None

    assessment: dict[str, Any] = {
        "method": cell("assessment_method"),
        "assessed_on": cell("assessed_on"),
        "result": cell("result"),
    }
    for optional in ("grade", "supervision", "accommodation"):
        if cell(optional) is not None:
            assessment[optional] = cell(optional)
    verified = cell("identity_verified")
    if verified is not None:
        assessment["identity_verified"] = verified
    return {
        "type": "award",
        **{name: cell(name) for name in CSV_COLUMNS[:5]},
        "assessment": assessment,
    }


def _explained(error: ValidationError) -> str:
    """Pydantic's errors as one line: each field's path and what is wrong with it."""
    parts = []
    for problem in error.errors(include_url=False):
        where = ".".join(str(step) for step in problem["loc"])
        parts.append(f"{where}: {problem['msg']}" if where else problem["msg"])
    return "; ".join(parts)
