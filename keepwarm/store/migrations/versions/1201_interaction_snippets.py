"""interaction snippets: the first words of a message, when `[privacy] snippets` allows (issue 12)

Revision ID: 1201
Revises: 1501
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1201"
# Written against 0005; chained after issue 15's 1501 when main was merged into issue-12.
down_revision: str | Sequence[str] | None = "1501"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add `interactions.snippet`."""
    with op.batch_alter_table("interactions") as batch:
        batch.add_column(sa.Column("snippet", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    """Drop what upgrade added."""
    with op.batch_alter_table("interactions") as batch:
        batch.drop_column("snippet")
