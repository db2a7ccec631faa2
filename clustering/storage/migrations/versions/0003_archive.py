"""Archived stories: a story silent past both the story window and the reuse lookback leaves the working set
with its articles, reuse pairs and lineage (``archived`` holds the run that archived the row, 0 while it
works), so a run reads what can still change. Indexed, so that a run reads the working rows without scanning
the archive, and asks whether a story id was ever given out without reading every id."""

from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    for table in ("articles", "stories", "pairs", "lineage"):
        op.execute(f"ALTER TABLE {table} ADD COLUMN archived INTEGER NOT NULL DEFAULT 0")
    op.execute("CREATE INDEX IF NOT EXISTS articles_by_archive ON articles (archived, seq)")
    op.execute("CREATE INDEX IF NOT EXISTS stories_by_archive ON stories (archived)")
    op.execute("CREATE INDEX IF NOT EXISTS pairs_by_archive ON pairs (archived)")
    op.execute("CREATE INDEX IF NOT EXISTS lineage_by_archive ON lineage (archived, id)")
    op.execute("CREATE INDEX IF NOT EXISTS lineage_by_story ON lineage (story_id)")
    op.execute("CREATE INDEX IF NOT EXISTS lineage_by_other ON lineage (other)")
