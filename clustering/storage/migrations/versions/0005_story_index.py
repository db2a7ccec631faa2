"""Stories listed a page at a time: the columns and tables a request queries a story by
(``storage.story_index``), so the dashboard reads one page of a store of millions of articles, not the
store. A store from before is indexed here, from its stories and articles (its reprints' originals are
known again from its next run on, for the working stories)."""

import sqlalchemy as sa
from alembic import op

from clustering.storage.record_json import story_from_json
from clustering.storage.story_index import index_stories

revision = "0005"
down_revision = "0004"

_COLUMNS = (
    ("first_published", sa.Text()),
    ("last_published", sa.Text()),
    ("size", sa.Integer()),
    ("thread_id", sa.Text()),
    ("words", sa.Text()),
)
_TABLES = (
    "story_articles (article_id TEXT PRIMARY KEY, story_id TEXT NOT NULL, duplicate_of TEXT, published TEXT)",
    "story_outlets (story_id TEXT NOT NULL, outlet TEXT NOT NULL)",
    "story_languages (story_id TEXT NOT NULL, language TEXT NOT NULL, articles INTEGER NOT NULL)",
    "story_events (event_id TEXT PRIMARY KEY, story_id TEXT NOT NULL)",
)
_INDEXES = (
    "stories_by_last ON stories (last_published)",
    "stories_by_size ON stories (size)",
    "stories_by_thread ON stories (thread_id)",
    "story_articles_by_story ON story_articles (story_id)",
    "story_outlets_by_story ON story_outlets (story_id)",
    "story_outlets_by_outlet ON story_outlets (outlet, story_id)",
    "story_languages_by_story ON story_languages (story_id)",
    "story_languages_by_language ON story_languages (language, story_id)",
    "story_events_by_story ON story_events (story_id)",
    # A story page reads the pairs its articles are in.
    "pairs_by_a ON pairs (a)",
    "pairs_by_b ON pairs (b)",
)
# Stories read per batch.
_BATCH = 2_000


def upgrade() -> None:
    for name, kind in _COLUMNS:
        op.add_column("stories", sa.Column(name, kind))
    for table in _TABLES:
        op.execute(f"CREATE TABLE IF NOT EXISTS {table}")
    for index in _INDEXES:
        op.execute(f"CREATE INDEX IF NOT EXISTS {index}")
    connection = op.get_bind()
    batch = sa.text("SELECT story_id, story FROM stories WHERE story_id > :after ORDER BY story_id LIMIT :size")
    after = ""
    while rows := connection.execute(batch, {"after": after, "size": _BATCH}).all():
        index_stories(connection, [story_from_json(story) for _, story in rows], {})
        after = rows[-1][0]
