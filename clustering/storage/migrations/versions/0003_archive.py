"""Archived stories: a story silent past both the story window and the reuse lookback leaves the working set
with its articles and reuse pairs (``archived`` holds the run that archived the row, 0 while it works), so a
run reads what can still change. Indexed, so that a run reads the working rows without scanning the archive."""

from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    for table in ("articles", "stories", "pairs"):
        op.execute(f"ALTER TABLE {table} ADD COLUMN archived INTEGER NOT NULL DEFAULT 0")
    op.execute("CREATE INDEX IF NOT EXISTS articles_by_archive ON articles (archived, seq)")
    op.execute("CREATE INDEX IF NOT EXISTS stories_by_archive ON stories (archived)")
    op.execute("CREATE INDEX IF NOT EXISTS pairs_by_archive ON pairs (archived)")
