"""flow runs and the kind of an account's last error (sync health, issue 8)

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-29 22:10:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Add `runs` (one row per flow run with its counts) and `accounts.last_error_kind`."""
    op.create_table('runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('flow', sa.String(length=40), nullable=False),
    sa.Column('flow_run_id', sa.String(length=64), nullable=True),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('synced', sa.Integer(), nullable=False),
    sa.Column('detected', sa.Integer(), nullable=False),
    sa.Column('drafted', sa.Integer(), nullable=False),
    sa.Column('delivered', sa.Integer(), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_runs'))
    )
    op.create_index('ix_runs_started_at', 'runs', ['started_at'], unique=False)
    op.add_column('accounts', sa.Column('last_error_kind', sa.String(length=40), nullable=True))


def downgrade() -> None:
    """Drop what upgrade added."""
    with op.batch_alter_table('accounts') as batch:
        batch.drop_column('last_error_kind')
    op.drop_index('ix_runs_started_at', table_name='runs')
    op.drop_table('runs')
