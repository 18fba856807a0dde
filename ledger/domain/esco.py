"""ESCO, the European classification of skills, competences and occupations: a
micro-credential's learning outcomes may each name the skills they develop.

A skill or competence is a concept of ESCO's skills pillar, named by its URI
(:data:`SKILL_URI_PATTERN`): ``http://data.europa.eu/esco/skill/`` and a UUID in lower
case, as ESCO publishes them (``https`` is accepted too, since browsers and copied links
often carry it). The ledger checks the form only: it does not hold the ESCO
classification, and a URI is stored as the provider gave it (without surrounding
spaces), so that it links to ESCO's own page for the concept.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ledger.errors import InvalidSkillTagging, InvalidSkillUri

SKILL_URI_PATTERN = (
    r"^https?://data\.europa\.eu/esco/skill/"
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)
"""The form of an ESCO skill or competence URI (as the OpenAPI states it)."""

SKILL_URI_MAX = 80
"""The longest URI of that form (``https``: 77 characters)."""

MAX_SKILLS_PER_OUTCOME = 20
"""More than this many skills on one outcome says it is a list, not a tag."""

_SKILL_URI = re.compile(SKILL_URI_PATTERN)


def check_skill_uri(uri: str, what: str = "an ESCO skill") -> str:
    """``uri`` without surrounding spaces, if it has the form of an ESCO skill URI; else
    refuse it."""
    stripped = uri.strip()
    if not _SKILL_URI.fullmatch(stripped):
        msg = (
            f"{what} {uri[:100]!r} is not an ESCO skill URI: one is "
            "http://data.europa.eu/esco/skill/ followed by a UUID in lower case, as ESCO "
            "publishes it (e.g. http://data.europa.eu/esco/skill/"
            "ccd0a1d9-afda-43d9-b901-96344886e14d)"
        )
        raise InvalidSkillUri(msg)
    return stripped


def same_skill(uri: str) -> str:
    """The one form by which two URIs of a skill compare: ESCO's own ``http`` one (a tag
    given with ``https`` names the same concept)."""
    if uri.startswith("https://"):
        return "http://" + uri[len("https://") :]
    return uri


def skill_tags(tags: Sequence[Sequence[str]]) -> tuple[tuple[str, ...], ...]:
    """The tags in the form a specification holds them: tuples of stripped URIs (the
    form itself is judged by :func:`check_skill_tags`)."""
    return tuple(tuple(uri.strip() for uri in outcome) for outcome in tags)


def check_skill_tags(tags: Sequence[Sequence[str]], outcomes: int) -> None:
    """The i-th list tags the i-th of ``outcomes`` learning outcomes: no more lists than
    outcomes (fewer leave the last outcomes untagged), at most
    :data:`MAX_SKILLS_PER_OUTCOME` URIs each, none twice on one outcome (with ``http``
    or ``https``), each of the form of an ESCO skill URI (as stored: without surrounding
    spaces)."""
    if len(tags) > outcomes:
        msg = (
            f"esco_skills has {len(tags)} lists for {outcomes} learning outcomes: the i-th "
            "list tags the i-th outcome, so there are at most as many lists as outcomes"
        )
        raise InvalidSkillTagging(msg)
    for index, uris in enumerate(tags):
        if len(uris) > MAX_SKILLS_PER_OUTCOME:
            msg = (
                f"learning outcome {index} is tagged with {len(uris)} ESCO skills; at most "
                f"{MAX_SKILLS_PER_OUTCOME} per outcome"
            )
            raise InvalidSkillTagging(msg)
        for uri in uris:
            if check_skill_uri(uri, f"esco_skills[{index}]") != uri:
                msg = f"esco_skills[{index}] holds {uri!r} with surrounding spaces"
                raise InvalidSkillUri(msg)
        same = [same_skill(uri) for uri in uris]
        if len(set(same)) != len(same):
            twice = sorted({uri for uri in same if same.count(uri) > 1})
            msg = f"learning outcome {index} is tagged twice with {', '.join(twice)}"
            raise InvalidSkillTagging(msg)
