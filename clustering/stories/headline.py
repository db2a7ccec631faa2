"""A story's headline: the title most like its articles' other titles, cleaned of labels and site names.

Titles as scraped carry a label ("BREAKING NEWS: …", "WATCH: …") or the site's name ("… | NPR", "… - Reuters",
"… - The New York Times"), and a scraper sometimes takes the site's own title for the article's
("NPR Search : NPR", "ABC News"). The label and the name are cut; a title that is only a site name is never
chosen. Among what is left, the headline is the title closest to the others (TF-IDF cosine of their words),
so one outlet's angle does not speak for the story.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from sklearn.preprocessing import normalize

from clustering.agencies import names as agency_names
from clustering.records import Article, Reject
from clustering.stories.sentences import is_furniture, sentences_of
from clustering.stories.term_matrix import smooth_idf, sublinear_tfidf, term_matrix, words_of

_LABEL = re.compile(
    r"^\s*(?:breaking(?: news)?|update[d]?|watch|video|live|exclusive|opinion|analysis|just in|developing|"
    r"photos?|in pictures|editorial|explainer|factbox)\s*[:|–—-]+\s*",
    re.IGNORECASE,
)
# A trailing " | Site", " - Site", " : Site", " – Site": cut when the part after it names the outlet.
_TAIL = re.compile(r"\s+[|:–—-]\s+([^|:–—]{1,60})$")
_AGENCIES = agency_names()
_GENERIC_SITE_WORDS = {"the", "search", "home", "news", "homepage", "latest", "breaking", "video", "live", "online"}
# A site's sections: a title of nothing but these and the site's name is a section page's ("World news - RT").
_GENERIC_SITE_WORDS |= {"world", "international", "national", "local", "politics", "business", "sport", "sports"}
_GENERIC_SITE_WORDS |= {"entertainment", "technology", "tech", "science", "health", "opinion", "and"}


def _outlet_words(outlet: str | None) -> set[str]:
    """The words that name an outlet: "www.nytimes.com" → {"nytimes"}; "The New York Times" → its words."""
    if not outlet:
        return set()
    name = outlet.lower().removeprefix("www.")
    if "." in name and " " not in name:
        name = name.rsplit(".", 1)[0].replace(".", " ")
    return {word for word in re.findall(r"[a-z0-9]+", name) if word not in {"the", "com", "co", "uk", "edition"}}


# The words news outlets name themselves with: a short capitalised tail holding one is a masthead.
_MASTHEAD = re.compile(
    r"\b(?:Times|Post|News|Herald|Guardian|Journal|Tribune|Telegraph|Daily|Mail|Independent|Gazette|Observer|"
    r"Chronicle|Express|Mirror|Sun|Today|Network|TV|Radio|Press|Wire|Agency|Online|Magazine|Review|Standard|"
    r"Globe|Courier|Reporter|Inquirer|Examiner|Dispatch|Bulletin|Insider|Weekly)\b"
)


def _names_outlet(part: str, outlet_words: set[str]) -> bool:
    words = set(re.findall(r"[a-z0-9]+", part.lower()))
    squeezed = "".join(sorted(words))
    capitalised = all(word[:1].isupper() or not word[:1].isalpha() for word in part.split())
    return (
        (capitalised and len(part.split()) <= 5 and _MASTHEAD.search(part) is not None)
        or part.strip().lower() in _AGENCIES
        or (bool(words) and words <= outlet_words | {"the", "news", "com", "online", "search"})
        or any(name and name in part.lower().replace(" ", "") for name in outlet_words if len(name) >= 3)
        or squeezed in outlet_words
    )


def clean_title(title: str, outlet: str | None) -> str:
    """``title`` without a leading label or a trailing site name."""
    cleaned = _LABEL.sub("", title).strip()
    outlet_words = _outlet_words(outlet)
    while (found := _TAIL.search(cleaned)) is not None and _names_outlet(found.group(1), outlet_words):
        cleaned = cleaned[: found.start()].rstrip()
    return cleaned


def is_site_name(title: str, outlet: str | None) -> bool:
    """Whether ``title`` (cleaned) names the site rather than the news: "NPR Search : NPR", "ABC News"."""
    words = re.findall(r"[a-z0-9]+", title.lower())
    outlet_words = _outlet_words(outlet)
    joined = "".join(word for word in words if word not in {"the", "search", "home"})
    if len(words) <= 4 and joined and any(len(name) >= 3 and name in joined for name in outlet_words):
        return True
    rest = [word for word in words if word not in outlet_words and word not in _GENERIC_SITE_WORDS]
    return not rest


NOT_AN_ARTICLE = (
    "not an article: no title but the site's name or a widget's label, and nothing but page furniture in its body"
)


def is_widget_label(title: str) -> bool:
    """Whether ``title`` is a widget's label scraped for a headline ("Share this on:"): furniture by its
    shape and ending on the colon that introduces the widget. Either alone is a headline's shape too
    ("Video Footage Shows Justin Bieber …", "Miley Cyrus Performing In Underwear:")."""
    return title.rstrip().endswith(":") and is_furniture(title)


def not_an_article(article: Article) -> bool:
    """Whether a cleaned ``article`` reports nothing: no title, or only the site's name, over a body of
    nothing but furniture (a notice-only page, a subscribe box, a share bar). A headline delivered alone, an
    aggregator's item, is an article, unless it is a widget's label ("Share this on:"); so is a real headline
    over a page whose body is all furniture (a video page: the headline tells the story)."""
    title = clean_title(article.title or "", article.outlet)
    # A title is taken for a headline unless it is the site's name or a widget's label: furniture's shapes
    # alone catch real headlines ("Video footage shows …", "… must sign up for the euro").
    if title and not is_site_name(title, article.outlet) and not is_widget_label(title):
        return False
    return all(is_furniture(sentence) or sentence == title for sentence in sentences_of(article.body))


def split_articles(articles: Sequence[Article]) -> tuple[list[Article], list[Reject]]:
    """The ``articles`` that report something, and a reject for each of the others (``not_an_article``)."""
    kept: list[Article] = []
    rejects: list[Reject] = []
    for article in articles:
        if not_an_article(article):
            rejects.append(Reject(origin=article.origin, reason=NOT_AN_ARTICLE, id=article.id))
        else:
            kept.append(article)
    return kept, rejects


def choose_headline(originals: Sequence[Article], fallback: Article) -> str:
    """The cleaned title most like the other cleaned titles of ``originals``; ``fallback``'s headline when
    none is a title of the news (a site's name, or a widget's "Share this on:")."""
    titled = [(clean_title(article.title, article.outlet), article) for article in originals if article.title]
    candidates = [
        (title, article.language)
        for title, article in titled
        if not is_site_name(title, article.outlet) and not is_furniture(title)
    ]
    if not candidates:
        return clean_title(fallback.headline, fallback.outlet)
    if len(candidates) <= 2:
        return candidates[0][0]
    counts, _ = term_matrix([words_of(title, language) for title, language in candidates])
    if counts.nnz == 0:
        return candidates[0][0]
    vectors = normalize(sublinear_tfidf(counts, smooth_idf(counts)))
    similarity = (vectors @ vectors.T).toarray()
    np.fill_diagonal(similarity, 0.0)
    # The most typical title; among equals, the first (the earliest article's).
    return candidates[int(np.argmax(similarity.sum(axis=1).round(9)))][0]
