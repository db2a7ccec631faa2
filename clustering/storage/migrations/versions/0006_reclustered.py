"""Which runs clustered the open window again (``runs.reclustered``, 1 or 0): a run asks how many articles
the runs since the last of them assigned one by one, as assignment drifts run after run as much as at once.
A store from before is read from its runs' reports, which have said so from the first."""

from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    op.execute("ALTER TABLE runs ADD COLUMN reclustered INTEGER NOT NULL DEFAULT 0")
    op.execute("""UPDATE runs SET reclustered = 1 WHERE report LIKE '%"reclustered": true%'""")
