"""Small-area (Fay–Herriot) model set-up per survey and indicator (issue 15).

Only a new table: existing responses are kept as they are.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('small_area_setup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('indicator_key', sa.String(length=200), nullable=False),
    sa.Column('covariates', sa.JSON(), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_small_area_setup_survey_id_survey'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_small_area_setup_updated_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_small_area_setup')),
    sa.UniqueConstraint('survey_id', 'indicator_key', name=op.f('uq_small_area_setup_survey_id_indicator_key'))
    )
    with op.batch_alter_table('small_area_setup', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_small_area_setup_survey_id'), ['survey_id'], unique=False)


def downgrade():
    with op.batch_alter_table('small_area_setup', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_small_area_setup_survey_id'))

    op.drop_table('small_area_setup')
