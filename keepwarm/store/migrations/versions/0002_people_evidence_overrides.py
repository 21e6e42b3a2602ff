"""people: counts, evidence ids, baseline flag; address order; user overrides of detection

Revision ID: 0002
Revises: 0008
Create Date: 2026-11-29 22:05:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("counts", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("evidence", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("known", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("addresses", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("position", sa.Integer(), nullable=False, server_default="0")
        )
    op.create_table(
        "overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("target", sa.String(length=320), nullable=False),
        sa.Column("other", sa.String(length=320), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_overrides")),
    )
    with op.batch_alter_table("overrides", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_overrides_target"), ["target"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("overrides", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_overrides_target"))
    op.drop_table("overrides")
    with op.batch_alter_table("addresses", schema=None) as batch_op:
        batch_op.drop_column("position")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("known")
        batch_op.drop_column("evidence")
        batch_op.drop_column("counts")
