"""Publication rules per survey (issue 11): minimum n, dominance rule, protection
of secondary suppression and precision limit, set by an analyst.

Only a new nullable column: existing surveys keep the config's rules.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.add_column(sa.Column('publication_rules', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.drop_column('publication_rules')
