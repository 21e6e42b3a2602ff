"""interaction snippets; the thread and References chain of a reply draft (issue 12)

Revision ID: 1201
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1201"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add `interactions.snippet`, `drafts.thread_id` and `drafts.references`."""
    with op.batch_alter_table("interactions") as batch:
        batch.add_column(sa.Column("snippet", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("drafts") as batch:
        batch.add_column(sa.Column("thread_id", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("references", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Drop what upgrade added."""
    with op.batch_alter_table("drafts") as batch:
        batch.drop_column("references")
        batch.drop_column("thread_id")
    with op.batch_alter_table("interactions") as batch:
        batch.drop_column("snippet")
