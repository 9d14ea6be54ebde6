"""Council-ready reports (issue 14): the analyst's key indicators per survey
(table report_setting; no row keeps the defaults) and a layer's word for its
areas with its plural (existing layers: Sozialraum/Sozialräume).

Revision ID: 0010_report_indicators
Revises: 0010_letter_template
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa


revision = '0010_report_indicators'
down_revision = '0010_letter_template'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'report_setting',
        sa.Column('survey_id', sa.Integer(), nullable=False),
        sa.Column('key_indicators', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_report_setting_survey_id_survey'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('survey_id', name=op.f('pk_report_setting')),
    )
    with op.batch_alter_table('district_layer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('area_term', sa.String(length=100), server_default='Sozialraum', nullable=False))
        batch_op.add_column(sa.Column('area_term_plural', sa.String(length=100), server_default='Sozialräume', nullable=False))


def downgrade():
    with op.batch_alter_table('district_layer', schema=None) as batch_op:
        batch_op.drop_column('area_term_plural')
        batch_op.drop_column('area_term')
    op.drop_table('report_setting')
