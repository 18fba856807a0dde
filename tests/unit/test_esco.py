"""Learning outcomes name the ESCO skills they develop: URIs of ESCO's form, lined up
with the outcomes, and not material to the accreditation (issue 18, item 7)."""

from __future__ import annotations

from uuid import UUID

import orjson
import pytest
from eventsourcing.persistence import Mapper, StoredEvent

from ledger.domain.esco import MAX_SKILLS_PER_OUTCOME, check_skill_uri, same_skill
from ledger.domain.micro_credential import MicroCredential
from ledger.errors import InvalidSkillTagging, InvalidSkillUri, MaterialChangeNotAllowed
from ledger.policy import IRELAND
from ledger.transcoding import OrjsonTranscoder
from tests.conftest import PROVIDER_ACTOR, spec
from tests.unit.builders import accredited_credential, defined_credential

SPREADSHEETS = "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"
STATISTICS = "http://data.europa.eu/esco/skill/0005c151-5b5a-4a66-8aac-60e734beb1ab"


def skill(n: int) -> str:
    return f"http://data.europa.eu/esco/skill/{UUID(int=n)}"


class TestTheUriForm:
    @pytest.mark.parametrize(
        "uri",
        [SPREADSHEETS, STATISTICS, SPREADSHEETS.replace("http:", "https:"), f"  {STATISTICS} "],
    )
    def test_an_esco_skill_uri_is_accepted_without_surrounding_spaces(self, uri: str) -> None:
        assert check_skill_uri(uri) == uri.strip()

    @pytest.mark.parametrize(
        "uri",
        [
            "",
            "use spreadsheets software",
            SPREADSHEETS.upper(),
            SPREADSHEETS.replace("afda", "AFDA"),  # ESCO publishes its UUIDs in lower case
            SPREADSHEETS.replace("/skill/", "/occupation/"),  # the occupations pillar
            SPREADSHEETS.replace("data.europa.eu", "data.europa.eu.example.com"),
            SPREADSHEETS.replace("http://", "ftp://"),
            SPREADSHEETS.replace("-", ""),
            SPREADSHEETS + "/",
            SPREADSHEETS + "?x=1",
            SPREADSHEETS[:-1],
            SPREADSHEETS.replace("afda-", "afda-\n"),
            "http://data.europa.eu/esco/skill/S1.2.3",
        ],
    )
    def test_anything_else_is_refused(self, uri: str) -> None:
        with pytest.raises(InvalidSkillUri, match="not an ESCO skill URI"):
            check_skill_uri(uri)


class TestTagsOnADefinition:
    def test_a_definition_tags_its_outcomes_in_order_and_keeps_the_uris_as_given(self) -> None:
        tags = ((SPREADSHEETS, STATISTICS), (STATISTICS.replace("http:", "https:"),))
        credential = defined_credential(esco_skills=tags)
        assert credential.specification.esco_skills == tags

    def test_fewer_tag_lists_than_outcomes_leave_the_last_outcomes_untagged(self) -> None:
        assert defined_credential(esco_skills=((SPREADSHEETS,),)).specification.esco_skills == (
            (SPREADSHEETS,),
        )
        assert defined_credential().specification.esco_skills == ()

    def test_more_tag_lists_than_outcomes_are_refused(self) -> None:
        with pytest.raises(InvalidSkillTagging, match="3 lists for 2 learning outcomes"):
            defined_credential(esco_skills=((SPREADSHEETS,), (), (STATISTICS,)))

    def test_at_most_twenty_skills_tag_one_outcome(self) -> None:
        most = tuple(skill(n) for n in range(MAX_SKILLS_PER_OUTCOME))
        assert len(defined_credential(esco_skills=((), most)).specification.esco_skills[1]) == 20
        with pytest.raises(InvalidSkillTagging, match="21 ESCO skills"):
            defined_credential(esco_skills=((), (*most, skill(99))))

    def test_one_skill_twice_on_one_outcome_is_refused_but_on_two_outcomes_is_fine(
        self,
    ) -> None:
        with pytest.raises(InvalidSkillTagging, match="tagged twice"):
            defined_credential(esco_skills=((SPREADSHEETS, STATISTICS, SPREADSHEETS),))
        with pytest.raises(InvalidSkillTagging, match="tagged twice"):
            defined_credential(
                esco_skills=((SPREADSHEETS, SPREADSHEETS.replace("http:", "https:")),)
            )
        defined_credential(esco_skills=((SPREADSHEETS,), (SPREADSHEETS,)))

    @pytest.mark.parametrize("uri", ["spreadsheets", f" {SPREADSHEETS}", SPREADSHEETS.upper()])
    def test_a_malformed_uri_in_a_definition_is_refused(self, uri: str) -> None:
        with pytest.raises(InvalidSkillUri):
            defined_credential(esco_skills=((STATISTICS, uri),))


class TestAmendingTags:
    def test_an_accredited_credential_is_amended_to_tag_its_outcomes(self) -> None:
        credential = accredited_credential()
        credential.amend(
            changes={"esco_skills": ((), (STATISTICS,))},
            reason="ESCO tags",
            policy=IRELAND,
            actor=PROVIDER_ACTOR,
        )
        assert credential.specification.esco_skills == ((), (STATISTICS,))
        assert credential.specification.learning_outcomes == spec().learning_outcomes

    def test_an_amendment_is_held_to_the_same_rules(self) -> None:
        credential = accredited_credential()
        with pytest.raises(InvalidSkillTagging):
            credential.amend(
                changes={"esco_skills": ((), (), (STATISTICS,))},
                reason="ESCO tags",
                policy=IRELAND,
                actor=PROVIDER_ACTOR,
            )
        with pytest.raises(InvalidSkillUri):
            credential.amend(
                changes={"esco_skills": (("statistics",),)},
                reason="ESCO tags",
                policy=IRELAND,
                actor=PROVIDER_ACTOR,
            )
        assert credential.specification.esco_skills == ()

    def test_fewer_outcomes_than_tag_lists_is_refused_on_a_defined_credential(self) -> None:
        credential = defined_credential(esco_skills=((), (STATISTICS,)))
        with pytest.raises(InvalidSkillTagging):
            credential.amend(
                changes={"learning_outcomes": ("Clean a data set",)},
                reason="one outcome",
                policy=IRELAND,
                actor=PROVIDER_ACTOR,
            )

    def test_the_outcomes_themselves_stay_material(self) -> None:
        credential = accredited_credential()
        with pytest.raises(MaterialChangeNotAllowed):
            credential.amend(
                changes={"learning_outcomes": ("x",), "esco_skills": ((STATISTICS,),)},
                reason="r",
                policy=IRELAND,
                actor=PROVIDER_ACTOR,
            )


# What the ledger stored for a definition before ESCO tags: the specification without
# an ``esco_skills`` field.
def _stored_definition_without_tags() -> StoredEvent:
    mapper: Mapper[UUID] = Mapper(transcoder=OrjsonTranscoder())
    stored = mapper.to_stored_event(defined_credential().collect_events()[0])
    state = orjson.loads(stored.state)
    fields = state["specification"]["_data_"][1]
    del fields["esco_skills"]
    return StoredEvent(
        originator_id=stored.originator_id,
        originator_version=1,
        topic=stored.topic,
        state=orjson.dumps(state),
    )


def test_a_definition_stored_before_esco_tags_reads_back_with_none() -> None:
    stored = _stored_definition_without_tags()
    assert b"esco_skills" not in stored.state
    event = Mapper(transcoder=OrjsonTranscoder()).to_domain_event(stored)
    credential = event.mutate(None)
    assert isinstance(credential, MicroCredential)
    assert credential.specification == spec()
    assert credential.specification.esco_skills == ()


def test_tags_round_trip_through_the_store_as_tuples() -> None:
    mapper: Mapper[UUID] = Mapper(transcoder=OrjsonTranscoder())
    tags = ((SPREADSHEETS,), (STATISTICS, SPREADSHEETS))
    event = defined_credential(esco_skills=tags).collect_events()[0]
    back = mapper.to_domain_event(mapper.to_stored_event(event))
    assert back.specification.esco_skills == tags


def test_a_skill_given_with_https_is_the_same_skill() -> None:
    assert same_skill(SPREADSHEETS.replace("http:", "https:")) == SPREADSHEETS
    assert same_skill(SPREADSHEETS) == SPREADSHEETS
