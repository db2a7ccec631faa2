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


def test_agencies_are_credited_and_sign_datelines_in_other_scripts():
    """AFP, Reuters and Xinhua file in Arabic, Chinese and Russian: their names there credit them too."""
    arabic = "بيروت (أ ف ب) - أعلنت القوات السورية سيطرتها على البوكمال."
    assert find_agencies(arabic) == ("AFP",)
    assert without_dateline(arabic) == ("أعلنت القوات السورية سيطرتها على البوكمال.", "بيروت (أ ف ب) -")
    assert without_dateline("(رويترز) - قالت الحكومة إن الهجوم انتهى.")[0] == "قالت الحكومة إن الهجوم انتهى."
    # Chinese has no spaces: the name is found inside the sentence.
    assert find_agencies("新华社北京11月9日电 叙利亚军队宣布收复阿布卡迈勒。") == ("Xinhua",)
    assert find_agencies("МОСКВА, 9 ноября. /ТАСС/. Сирийская армия освободила Абу-Кемаль.") == ("TASS",)
    # An English dateline is read as before.
    assert without_dateline("BEIRUT (Reuters) - Syria said.") == ("Syria said.", "BEIRUT (Reuters) -")
