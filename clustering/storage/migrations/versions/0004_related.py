"""Related stories: each working story's related stories (``stories.related``), in rank order, replaced by
every run as the map positions are. A store from before has none until its next run."""

from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.execute(
        "CREATE TABLE IF NOT EXISTS related (story_id TEXT NOT NULL, rank INTEGER NOT NULL, other TEXT NOT NULL,"
        " PRIMARY KEY (story_id, rank))"
    )
