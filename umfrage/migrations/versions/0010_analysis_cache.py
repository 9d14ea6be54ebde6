"""Analysis cache (issue 13): a data version per survey, raised with every change
to its complete responses, and stored analysis results keyed by it.

Only a new column with a default and a new table: existing surveys start at
data version 0 with an empty cache.

Revision ID: 0010_analysis_cache
Revises: 0010_report_indicators
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa


revision = '0010_analysis_cache'
down_revision = '0010_report_indicators'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.add_column(sa.Column('data_version', sa.BigInteger(), server_default='0', nullable=False))
    op.create_table(
        'analysis_cache_entry',
        sa.Column('survey_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('state_key', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('payload', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_analysis_cache_entry_survey_id_survey'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('survey_id', 'key', name=op.f('pk_analysis_cache_entry')),
    )


def downgrade():
    op.drop_table('analysis_cache_entry')
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.drop_column('data_version')
