"""meetings' location; person notes (tags and fields the owner sets) (issue 15)

Revision ID: 1501
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1501"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add `interactions.location` and the `person_notes` table."""
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("location", sa.Text(), nullable=False, server_default=""))
    op.create_table(
        "person_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=320), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_notes")),
        sa.UniqueConstraint("target", "kind", "name", name=op.f("uq_person_notes_target")),
    )
    with op.batch_alter_table("person_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_notes_target"), ["target"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("person_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_notes_target"))
    op.drop_table("person_notes")
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_column("location")
