"""incremental detection and drafting: pending changes, links, units, wake-ups, state

Revision ID: 1601
Revises: 1201

Existing stores get empty caches and no detection fingerprint, so the first cycle after the
upgrade does one full pass; `state.links_missing` asks it to file the interactions already
stored under their links (new ones are filed at ingest).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1601"
down_revision: str | Sequence[str] | None = "1201"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pending_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interaction_id", sa.Integer(), nullable=False),
        sa.Column("old_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_changes")),
    )
    op.create_table(
        "interaction_links",
        sa.Column("link", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("interaction_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint(
            "link", "kind", "at", "interaction_id", name=op.f("pk_interaction_links")
        ),
    )
    op.create_index(
        "ix_interaction_links_interaction_id", "interaction_links", ["interaction_id"]
    )
    op.create_table(
        "list_names",
        sa.Column("key", sa.String(length=320), nullable=False),
        sa.Column("interaction_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint("key", "interaction_id", "position", name=op.f("pk_list_names")),
    )
    op.create_index("ix_list_names_interaction_id", "list_names", ["interaction_id"])
    op.create_table(
        "known_lists",
        sa.Column("key", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_known_lists")),
    )
    op.create_table(
        "list_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=320), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_changes")),
    )
    op.create_table(
        "units",
        sa.Column("key", sa.String(length=320), nullable=False),
        sa.Column("bucket", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("evidence", sa.LargeBinary(), nullable=True),
        sa.Column("touches", sa.LargeBinary(), nullable=True),
        sa.Column("touch_count", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key", "bucket", name=op.f("pk_units")),
    )
    op.create_index("ix_units_due_at", "units", ["due_at"])
    op.create_table(
        "unit_members",
        sa.Column("key", sa.String(length=320), nullable=False),
        sa.Column("bucket", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("interaction_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("key", "bucket", "interaction_id", name=op.f("pk_unit_members")),
    )
    op.create_index("ix_unit_members_interaction_id", "unit_members", ["interaction_id"])
    op.create_table(
        "address_keys",
        sa.Column("key", sa.String(length=320), nullable=False),
        sa.Column("organisation", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_address_keys")),
    )
    op.create_index("ix_address_keys_organisation", "address_keys", ["organisation"])
    op.create_table(
        "redraft",
        sa.Column("person_key", sa.String(length=320), nullable=False),
        sa.PrimaryKeyConstraint("person_key", name=op.f("pk_redraft")),
    )
    op.create_table(
        "rule_wakeups",
        sa.Column("person_key", sa.String(length=320), nullable=False),
        sa.Column("rule", sa.String(length=200), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("person_key", "rule", name=op.f("pk_rule_wakeups")),
    )
    op.create_index("ix_rule_wakeups_due_at", "rule_wakeups", ["due_at"])
    op.create_table(
        "state",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_state")),
    )
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("due_at", sa.DateTime(), nullable=True))
        batch.create_index("ix_people_due_at", ["due_at"])
    # Data: interactions stored before this revision have no links yet; the first full pass
    # files them (it reads every interaction anyway).
    op.execute(
        "INSERT INTO state (name, value) SELECT 'links_missing', 'true' "
        "WHERE EXISTS (SELECT 1 FROM interactions)"
    )


def downgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.drop_index("ix_people_due_at")
        batch.drop_column("due_at")
    for table in (
        "state", "rule_wakeups", "redraft", "address_keys", "unit_members", "units",
        "list_changes", "known_lists", "list_names", "interaction_links", "pending_changes",
    ):  # fmt: skip
        op.drop_table(table)
