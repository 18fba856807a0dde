"""The authority's historical import, on both stores: an earlier register's providers,
decisions, micro-credentials and awards enter the ledger whole or not at all, judged on
their own days, each event saying where it came from; a stopped import is resumed by
running it again."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest

from cli.import_rows import read_rows
from ledger.application import Ledger
from ledger.application.import_entries import ImportRefused
from ledger.domain import ids
from ledger.domain.accreditation import ProviderState, Standing
from ledger.domain.status import AwardStatus
from ledger.errors import NotYourObject
from scripts.history_file import history_rows
from tests.conftest import THE_AUTHORITY, provider_principal

SOURCE = "the 2016-2024 register (export of 2026-11-30)"


def write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(row) + b"\n" for row in rows))
    return path


def rows(awards: int = 40, providers: int = 3) -> list[dict[str, Any]]:
    return list(history_rows(awards=awards, providers=providers))


def import_file(ledger: Ledger, path: Path, **kwargs: Any) -> Any:
    entries, unreadable = read_rows(path)
    return ledger.import_history(
        entries, source=SOURCE, by=THE_AUTHORITY, unreadable=unreadable, **kwargs
    )


def log_size(ledger: Ledger) -> int:
    return ledger.recorder.max_notification_id() or 0


def award_rows(all_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [row for row in all_rows if row["type"] == "award"]


def test_an_earlier_register_enters_whole_each_event_naming_its_source(
    ledger: Ledger, tmp_path: Path
) -> None:
    history = rows()
    report = import_file(ledger, write(tmp_path / "h.jsonl", history))

    assert report.written == {
        "providers": 3,
        "decisions": 3 + 2 + 1,  # each accredited; one suspended and reinstated; one withdrawn
        "credentials": 12,
        "credential_accreditations": 12,
        "awards": 40,
    }
    assert report.already_present == {}
    provider = ledger.get_provider(ids.provider_id("H001"))
    events = ledger.history(provider.id)
    assert {event.imported_from for event in events} == {SOURCE}
    assert [d.effective_on for d in provider.timeline.decisions] == [
        date(2016, 9, 1),
        date(2019, 3, 1),
        date(2019, 6, 1),
    ]
    credential_id = ids.micro_credential_id(provider.id, "MC-0")
    assert {e.imported_from for e in ledger.history(credential_id)} == {SOURCE}
    first = award_rows(history)[0]
    record = ledger.get_learner_record(first["learner_id"])
    (award,) = [
        a for a in record.awards.values() if a.provider_reference == first["provider_reference"]
    ]
    assert award.imported_from == SOURCE
    assert award.issued_on == date.fromisoformat(first["issued_on"])
    issued_event = next(
        e for e in ledger.history(record.id) if getattr(e, "award_id", None) == award.award_id
    )
    assert issued_event.imported_from == SOURCE
    assert ledger.award_status(award.award_id).status is AwardStatus.VALID


def test_an_award_of_a_provider_withdrawn_since_stays_valid_for_its_day(
    ledger: Ledger, tmp_path: Path
) -> None:
    """H002 was withdrawn on 2022-01-01; its awards from before are imported and valid,
    the issuer shown withdrawn today."""
    history = rows()
    import_file(ledger, write(tmp_path / "h.jsonl", history))

    withdrawn = ids.provider_id("H002")
    row = next(r for r in award_rows(history) if r["provider"] == "H002")
    record = ledger.get_learner_record(row["learner_id"])
    award = next(
        a for a in record.awards.values() if a.provider_reference == row["provider_reference"]
    )
    report = ledger.award_status(award.award_id)
    assert report.status is AwardStatus.VALID  # Ireland keeps a withdrawn issuer's awards
    assert report.standing.state is ProviderState.WITHDRAWN
    on_its_day = ledger.get_provider(withdrawn).standing_on(award.issued_on)
    assert on_its_day.standing is Standing.ACCREDITED


@pytest.mark.parametrize(
    ("change", "problem", "words"),
    [
        (lambda r: r[0].update(country="ZZ"), "invalid-country", "ISO 3166-1"),
        (
            lambda r: award_rows(r)[0].update(issued_on="2015-06-01"),
            "provider-not-accredited",
            "not yet accredited on 2015-06-01",
        ),
        (
            lambda r: next(a for a in award_rows(r) if a["provider"] == "H001").update(
                issued_on="2019-04-01"
            ),
            "provider-not-accredited",
            "was suspended on 2019-04-01",
        ),
        (
            lambda r: award_rows(r)[1].update(credential="NO-SUCH"),
            "micro-credential-not-found",
            "no micro-credential 'NO-SUCH'",
        ),
        (
            lambda r: award_rows(r)[3].update(
                provider_reference=award_rows(r)[0]["provider_reference"]
            ),
            "provider-reference-conflict",
            "appears twice",
        ),
        (
            lambda r: award_rows(r)[2]["assessment"].update(method="oral examination"),
            "assessment-method-mismatch",
            "differs from the stated method",
        ),
        (lambda r: award_rows(r)[4].update(issued_on="2999-01-01"), "invalid-assessment", "future"),
    ],
    ids=[
        "unknown-country",
        "before-accreditation",
        "while-suspended",
        "unknown-credential",
        "reference-twice",
        "other-assessment-method",
        "future-date",
    ],
)
def test_one_refused_row_refuses_the_file_and_nothing_is_written(
    ledger: Ledger, tmp_path: Path, change: Any, problem: str, words: str
) -> None:
    history = rows()
    change(history)
    before = log_size(ledger)

    with pytest.raises(ImportRefused) as refused:
        import_file(ledger, write(tmp_path / "h.jsonl", history))

    assert problem in {entry.problem for entry in refused.value.refused}
    assert any(words in entry.message for entry in refused.value.refused), refused.value.refused
    assert log_size(ledger) == before


def test_every_refused_row_is_reported_with_its_line(ledger: Ledger, tmp_path: Path) -> None:
    history = rows()
    history[0]["country"] = "ZZ"
    history.insert(5, {"type": "award", "provider": "H001"})
    path = write(tmp_path / "h.jsonl", history)
    with path.open("ab") as file:
        file.write(b"{not json\n")

    with pytest.raises(ImportRefused) as refused:
        import_file(ledger, path)

    by_line = {entry.line: entry for entry in refused.value.refused}
    assert by_line[1].problem == "invalid-country"
    assert by_line[6].problem == "validation-error"
    assert "award.credential: Field required" in by_line[6].message
    assert by_line[len(history) + 1].problem == "not-json"
    # The rows that need the refused provider say why, with the line to look at.
    assert by_line[2].message == "provider H000 is not imported: its row (line 1) was refused"
    assert log_size(ledger) == 0


def test_an_import_stopped_half_way_is_resumed_by_running_it_again(
    ledger: Ledger, tmp_path: Path
) -> None:
    history = rows(awards=1200, providers=2)
    path = write(tmp_path / "h.jsonl", history)

    def stop_after_the_first_batch(phase: str, done: int, total: int) -> None:
        if phase == "writing":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_file(ledger, path, progress=stop_after_the_first_batch)
    written_before = log_size(ledger)
    assert written_before > 0

    report = import_file(ledger, path)

    assert report.already_present["providers"] == 2
    first_batch = min(600, ledger.policy.max_batch_size)  # of the first provider's 600
    assert report.already_present["awards"] == first_batch
    assert report.written == {"awards": 1200 - first_batch}
    again = import_file(ledger, path)
    assert again.written == {}
    assert again.already_present["awards"] == 1200
    references = set()
    for row in award_rows(history):
        record = ledger.get_learner_record(row["learner_id"])
        references.update(a.provider_reference for a in record.awards.values())
    assert references == {row["provider_reference"] for row in award_rows(history)}
    assert (
        sum(
            len(ledger.get_learner_record(learner).awards)
            for learner in {row["learner_id"] for row in award_rows(history)}
        )
        == 1200
    )


def test_a_reference_the_register_holds_for_another_learner_is_refused(
    ledger: Ledger, tmp_path: Path
) -> None:
    history = rows()
    import_file(ledger, write(tmp_path / "h.jsonl", history))
    award_rows(history)[0]["learner_id"] = "someone-else"
    before = log_size(ledger)

    with pytest.raises(ImportRefused) as refused:
        import_file(ledger, write(tmp_path / "again.jsonl", history))

    (entry,) = refused.value.refused
    assert entry.problem == "provider-reference-conflict"
    assert "another learner" in entry.message
    assert log_size(ledger) == before


def test_only_the_authority_imports(ledger: Ledger, tmp_path: Path) -> None:
    entries, _ = read_rows(write(tmp_path / "h.jsonl", rows()))
    provider = provider_principal(ids.provider_id("H000"))

    with pytest.raises(NotYourObject):
        ledger.import_history(entries, source=SOURCE, by=provider)
    assert log_size(ledger) == 0


def test_a_provider_cannot_issue_as_if_importing(ledger: Ledger, tmp_path: Path) -> None:
    """The sibling door: ``issue_awards(imported_from=...)`` skips the backdating bound,
    so it is the authority's alone too."""
    history = rows()
    import_file(ledger, write(tmp_path / "h.jsonl", history))
    entries, _ = read_rows(write(tmp_path / "more.jsonl", award_rows(rows(awards=45))[40:]))
    provider_id = ids.provider_id("H000")
    before = log_size(ledger)

    with pytest.raises(NotYourObject):
        ledger.issue_awards(
            provider_id=provider_id,
            requests=[],
            by=provider_principal(provider_id),
            imported_from="my own old files",
        )
    assert entries
    assert log_size(ledger) == before
