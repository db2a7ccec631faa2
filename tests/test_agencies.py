"""One agency list, read by every rule that recognises an agency: a name added there is credited in text,
signs a dateline and is cut from a headline's tail, with no rule of its own."""

from __future__ import annotations

import pytest

from clustering.agencies import NEWS_AGENCIES, dateline_tags
from clustering.config import Config
from clustering.ingest.clean import find_agencies
from clustering.stories.headline import clean_title
from clustering.stories.sentences import without_dateline


@pytest.mark.parametrize("agency", sorted(NEWS_AGENCIES))
def test_every_agency_is_credited_signs_a_dateline_and_is_cut_from_a_headline(agency):
    tag = dict(zip(NEWS_AGENCIES, dateline_tags([NEWS_AGENCIES]), strict=True))[agency]
    report = f"BEIRUT ({tag}) - Troops advanced on the town on Sunday, officials said."
    assert find_agencies(report) == (agency,)
    assert without_dateline(report)[0] == "Troops advanced on the town on Sunday, officials said."
    assert clean_title(f"Troops advance on the town - {tag}", "example.com") == "Troops advance on the town"
    assert agency in Config().reuse.agencies


def test_credits_by_long_name_in_any_case_and_short_tags_only_as_credits():
    assert find_agencies("the Press Association news agency said") == ("PA Media",)
    assert find_agencies("State news agency SANA reported, AGENCE FRANCE-PRESSE said") == ("SANA", "AFP")
    # "AP" and "PA" are words and initials too: only a credit's shape counts.
    assert find_agencies("The PA system failed; see the map/route in AP style") == ()
    assert find_agencies("Photo: Jane Doe/AP") == ("AP",)
