"""Invitation letter template per survey (issue 14): letterhead image, sender,
texts per language, optional second language.

Only a new table: surveys without a row print the default letter.

Revision ID: 0010_letter_template
Revises: 0010_population_upload
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa


revision = '0010_letter_template'
down_revision = '0010_population_upload'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('letter_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('common', sa.JSON(), nullable=False),
    sa.Column('texts', sa.JSON(), nullable=False),
    sa.Column('second_language', sa.String(length=16), nullable=True),
    sa.Column('letterhead', sa.LargeBinary(), nullable=True),
    sa.Column('letterhead_type', sa.String(length=20), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_letter_template_survey_id_survey'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_template')),
    sa.UniqueConstraint('survey_id', name=op.f('uq_letter_template_survey_id'))
    )


def downgrade():
    op.drop_table('letter_template')
