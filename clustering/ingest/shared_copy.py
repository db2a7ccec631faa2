"""What of the text an outlet repeats is copy: pieces that other outlets print too.

Furniture is what only its own outlet prints (``furniture``). Newsrooms paste background paragraphs of an
agency story they printed into their reports on other events: such a block recurs in two of the outlet's
articles about different things, yet it is copy. Two kinds of evidence say so:
- **the same words**: a segment another outlet prints in one of its articles, word for word (by key);
- **other words**: an outlet that copy-edits every sentence of an agency paragraph (a word cut, "said"
  made "told reporters") and pastes it elsewhere holds no segment anyone else prints. Its words still
  stand in the agency's article, which the outlet's reprint shares whole paragraphs with. So a paragraph
  is near copy when an article of another outlet that shares ``min_words`` words of segments with its
  article (a *partner*: the two are copy of one another) holds most of the paragraph's word trigrams and
  most of its rare words, two at least, in text its own outlet does not repeat. Both guards are against
  templates: sites built on one template word their newsletter boxes and footers nearly alike, each its
  own furniture, but a box names its own site where a copy-edit keeps the story's names. A paragraph
  right beside copy continues it (a pasted block of quotes, one of them edited, names little): there, one
  name or rare word standing in the partner will do. Only partners are read, so the cost follows the
  copy there is, not the corpus.
"""

from __future__ import annotations

import functools
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Container, Iterable, Mapping, Sequence
from typing import TypeVar

from clustering.ingest.segments import Segment
from clustering.records import Article
from clustering.words import frequent_words, zipf

_WORD = re.compile(r"\w+")
# Word trigrams: a one-word edit breaks three of them, so an edited sentence keeps most of its own.
_GRAM = 3
# "Most of": more than half a paragraph's trigrams stand in one partner.
_MOST = 0.5
# The partners read for an article, those sharing most with it first: a paragraph of an agency's story
# stands in the agency's article and every reprint, so a few tell; a story fifty outlets reprint would
# otherwise have each of them read the other forty-nine.
_MAX_PARTNERS = 8
# Partners' words and trigrams kept, the most recently read (in a batch's fit, and in a stream): a partner
# of several articles is read once, and memory stays bounded (a 640-word text's take 66 KB: 66 MB in all).
CACHED_PARTNERS = 1024

_LETTERS = re.compile(r"[^\W\d_]{3,}")
# What a capitalised word that opens a sentence follows: its capital says nothing of a name.
_OPENS_SENTENCE = frozenset(".!?:;\"'“”‘’(")


def rare_words(text: str, rare_zipf: float) -> set[str]:
    """The words of ``text`` (lower-cased) with a ``zipf`` below ``rare_zipf``."""
    if rare_zipf <= 0:
        return set()  # no word is below 0
    # Frequent plain words are taken out by one set difference, not looked up one by one (half the
    # streaming rule's time went on it); interned: the rare words of thousands of held articles repeat.
    candidates = set(_LETTERS.findall(text.lower())) - frequent_words(rare_zipf)
    return {sys.intern(word) for word in candidates if word.isascii() or zipf(word) < rare_zipf}


Paragraph = tuple[tuple[int, int], list[int]]
Partner = TypeVar("Partner")  # an article's index in a batch, its id in a stream


def paragraph_keys(article: Article) -> list[Paragraph]:
    """Each body paragraph of ``article`` that holds a segment (its span), with its segment keys in order."""
    spans, paragraphs = article.body_spans, []
    paragraph, keys = 0, []
    for start, _, key in article.segments:  # in the order of the paragraphs they are in
        while paragraph < len(spans) - 1 and start >= spans[paragraph][1]:
            if keys:
                paragraphs.append((spans[paragraph], keys))
            paragraph, keys = paragraph + 1, []
        keys.append(key)
    if keys:
        paragraphs.append((spans[paragraph], keys))
    return paragraphs


def unshared_paragraphs(
    article: Article, is_unshared: Callable[[list[int]], bool], shared: Container[int]
) -> list[tuple[Paragraph, bool]]:
    """The paragraphs of ``article`` whose keys ``is_unshared`` picks, each with whether a paragraph right
    beside it (nothing between them) holds a ``shared`` key: a paragraph of a pasted block that copy-editing
    changed stands beside the block's other paragraphs."""
    paragraphs = paragraph_keys(article)
    holds_shared = [any(key in shared for key in keys) for _, keys in paragraphs]

    def adjacent(first: int, second: int) -> bool:
        return _side_by_side(article.text, paragraphs[first][0][1], paragraphs[second][0][0])

    picked = []
    for index, (span, keys) in enumerate(paragraphs):
        if is_unshared(keys):
            before = index > 0 and holds_shared[index - 1] and adjacent(index - 1, index)
            after = index + 1 < len(paragraphs) and holds_shared[index + 1] and adjacent(index, index + 1)
            picked.append(((span, keys), before or after))
    return picked


def _side_by_side(text: str, end: int, start: int) -> bool:
    """Whether nothing but white space stands between a paragraph ending at ``end`` and one starting at
    ``start`` (nothing cleaned out between them)."""
    return not text[end:start].strip()


def words_of(article: Article) -> dict[int, int]:
    """How many words each segment key of ``article`` holds (summed where a key recurs)."""
    words: dict[int, int] = defaultdict(int)
    for start, end, key in article.segments:
        words[key] += len(_WORD.findall(article.text, start, end))
    return words


def _keys(article: Article) -> set[int]:
    return {key for _, _, key in article.segments}


def copy_and_given_up(
    articles: Sequence[Article],
    repeated: Mapping[str, set[int]],
    learned: Mapping[str, set[int]],
    min_words: int,
    rare_zipf: float,
) -> tuple[dict[str, set[int]], dict[str, set[int]]]:
    """Per outlet: the ``repeated`` keys that are copy, and the ``learned`` furniture keys to give up (both
    take ``min_words`` words shared with other outlets; the ``furniture`` module). Only the articles holding
    a repeated or a learned key, and their partners, are tokenised."""
    holding = [a for a in articles if not repeated.get(a.outlet or "", set()).isdisjoint(_keys(a))]
    copy = _copy(articles, holding, repeated, min_words, rare_zipf)
    return copy, _given_up(articles, learned, min_words)


def _given_up(articles: Sequence[Article], learned: Mapping[str, set[int]], min_words: int) -> dict[str, set[int]]:
    """Per outlet, the ``learned`` furniture keys another outlet's article prints ``min_words`` words of."""
    owners: dict[int, list[str]] = defaultdict(list)  # learned furniture: each key's outlets
    for outlet, keys in learned.items():
        for key in keys:
            owners[key].append(outlet)
    given_up: dict[str, set[int]] = defaultdict(set)
    for article in articles:
        keys = _keys(article)
        if not article.outlet or owners.keys().isdisjoint(keys):
            continue
        owned: dict[str, int] = defaultdict(int)  # words of other outlets' furniture this article prints
        for key, words in words_of(article).items():
            for owner in owners.get(key, ()):
                if owner != article.outlet:
                    owned[owner] += words
        for owner, words in owned.items():
            if words >= min_words:
                given_up[owner].update(learned[owner] & keys)
    return given_up


def _copy(
    articles: Sequence[Article],
    holding: Sequence[Article],
    repeated: Mapping[str, set[int]],
    min_words: int,
    rare_zipf: float,
) -> dict[str, set[int]]:
    """Per outlet, the ``repeated`` keys of the ``holding`` articles that are copy, by key or in other words."""
    looked_for = {key for article in holding for key in _keys(article)}
    printers: dict[int, Counter[str]] = defaultdict(Counter)  # how many articles of each outlet print a piece
    printed_in: dict[int, list[int]] = defaultdict(list)  # the articles that print it
    outlet_of = [article.outlet for article in articles]
    for index, article in enumerate(articles):
        if article.outlet:
            for key in _keys(article) & looked_for:
                printers[key][article.outlet] += 1
                printed_in[key].append(index)

    @functools.lru_cache(maxsize=CACHED_PARTNERS)
    def words_of_partner(index: int) -> set[int]:
        # A partner's words less what its own outlet repeats: sites built on one template print boxes
        # and footers in nearly the same words, each its own furniture.
        partner = articles[index]
        return words_and_trigrams(partner.text, partner.segments, repeated.get(partner.outlet or "", set()))

    copy: dict[str, set[int]] = defaultdict(set)
    for article in holding:
        outlet = article.outlet or ""
        shared = {key for key in _keys(article) if printed_once_elsewhere(printers[key], outlet)}
        if not shared:
            continue  # no partner either: a partner prints some of its segments
        words = words_of(article)
        repeated_only = repeated[outlet] - shared
        unshared = unshared_paragraphs(article, lambda keys, own=repeated_only: not own.isdisjoint(keys), shared)
        if unshared:  # a repeated paragraph no other outlet prints by key: read the partners

            def printed_as_copy(key: int, outlet: str = outlet) -> list[int]:
                printed = printers[key]
                return [i for i in printed_in[key] if outlet_of[i] != outlet and printed[outlet_of[i]] == 1]

            partners = partners_of(shared, words, printed_as_copy, min_words)
            shared |= near_copied(unshared, article.text, partners, words_of_partner, rare_zipf)
        copy[outlet].update(copy_paragraphs(article, words, shared, min_words))
    return copy


def partners_of(
    shared: Iterable[int],
    words: Mapping[int, int],
    printed_as_copy: Callable[[int], Iterable[Partner]],
    min_words: int,
) -> list[Partner]:
    """An article's partners: the articles of other outlets that print ``min_words`` words of its
    ``shared`` pieces (``words``: each piece's), each piece's given by ``printed_as_copy`` (those whose
    outlet prints it once); the ``_MAX_PARTNERS`` sharing most."""
    printed: Counter[Partner] = Counter()
    for key in shared:
        for partner in printed_as_copy(key):
            printed[partner] += words[key]
    return [partner for partner, count in printed.most_common(_MAX_PARTNERS) if count >= min_words]


def words_and_trigrams(text: str, segments: Iterable[Segment], repeated: Container[int]) -> set[int]:
    """The words and word trigrams of a partner's ``segments`` of ``text`` less those its outlet ``repeated``,
    hashed as ``trigrams`` hashes them (a word as a one-word tuple)."""
    own = " ".join(text[start:end] for start, end, key in segments if key not in repeated)
    return trigrams(own) | {hash((word.lower(),)) for word in _WORD.findall(own)}


def trigrams(text: str, start: int = 0, end: int | None = None) -> set[int]:
    """The word trigrams of ``text[start:end]``, lower-cased, each by its hash within this process (a text
    of fewer words: its words as one): compared only with others made here, a fifth of the tuples' memory."""
    words = [word.lower() for word in _WORD.findall(text, start, len(text) if end is None else end)]
    if len(words) < _GRAM:
        return {hash(tuple(words))} if words else set()
    return {hash(tuple(words[index : index + _GRAM])) for index in range(len(words) - _GRAM + 1)}


def names(text: str, start: int = 0, end: int | None = None) -> set[str]:
    """The capitalised words of ``text[start:end]`` that do not open a sentence (lower-cased, digits kept:
    "Outlet7" is not "Outlet2"): the people, places and sites a paragraph names, common words or not
    ("Thomas", "Saints"); not the pronoun "I"."""
    found = set()
    for match in _WORD.finditer(text, start, len(text) if end is None else end):
        word = match.group()
        before = text[max(start, match.start() - 3) : match.start()].rstrip()
        if word[0].isupper() and word != "I" and before and before[-1] not in _OPENS_SENTENCE:
            found.add(word.lower())
    return found


def near_copied(
    paragraphs: Iterable[tuple[Paragraph, bool]],
    text: str,
    partners: Sequence[Partner],
    partner_words: Callable[[Partner], set[int]],
    rare_zipf: float,
) -> set[int]:
    """The keys of the ``paragraphs`` (span in ``text``, segment keys; whether it stands beside copy, as
    ``unshared_paragraphs`` gives them) of which one of the ``partners`` holds most of the word trigrams and
    most of the distinctive words: its rare words and its names, two at least, one of them rare
    (``partner_words`` gives each one's ``words_and_trigrams``). Distinctive words as well: a box or a footer
    worded like another site's shares its template's trigrams and maybe a word of it ("briefing"), but not
    its own name; a copy-edit keeps the story's names, common words among them ("Chris", "Saints", "Thomas"
    beside the one rare "Ivory"). A rare one: a line every site prints ("Follow us on Twitter and
    Facebook") names things, none of them rare. Beside copy, a paragraph continues it and may name little
    (a quote: "… said Amina"): there one distinctive word will do, rare or not."""
    found: set[int] = set()
    for ((start, end), keys), beside_copy in paragraphs if partners else ():
        rare = rare_words(text[start:end], rare_zipf)
        if not (rare or beside_copy):
            continue  # one rare at least
        distinctive = rare | names(text, start, end)
        if len(distinctive) < 2 and not beside_copy:
            continue  # two at least must stand in a partner
        own = trigrams(text, start, end)
        for partner in partners:
            held = partner_words(partner)
            named = sum(hash((word,)) in held for word in distinctive)
            if len(own & held) > _MOST * len(own) and named > _MOST * len(distinctive):
                found.update(keys)
                break
    return found


def printed_once_elsewhere(printers: Mapping[str, int], outlet: str) -> bool:
    """Whether another outlet prints a piece in one article: as copy of a story. One that another outlet
    prints again and again ("Follow us on Twitter") is that outlet's furniture too, and tells nothing."""
    return any(count == 1 for other, count in printers.items() if other != outlet)


def copy_paragraphs(article: Article, words: Mapping[int, int], shared: Collection[int], min_words: int) -> set[int]:
    """The keys of the paragraphs of ``article`` that are copy: runs of adjacent paragraphs (nothing
    cleaned out between them) each holding a ``shared`` piece (one other outlets print as copy), with
    ``min_words`` words of such pieces or more a run (``words``: the words of each key, ``words_of``)."""
    copied: set[int] = set()
    run: list[int] = []
    run_words, run_end = 0, None
    for (start, end), keys in [*paragraph_keys(article), ((-1, -1), [])]:  # the last closes the last run
        held = sum(words[key] for key in keys if key in shared)
        holds_copy = held > 0
        adjacent = run_end is not None and _side_by_side(article.text, run_end, start)
        if not (holds_copy and (adjacent or not run)):
            if run_words >= min_words:
                copied.update(run)
            run, run_words = [], 0
        if holds_copy:
            run.extend(keys)
            run_words += held
        run_end = end
    return copied
