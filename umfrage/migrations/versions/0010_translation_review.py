"""Review flags of questionnaire translations (issue 16): a translation whose
source text changed is marked until a translator or the designer confirms it.

Only a new table: existing questionnaires have no flags.

Revision ID: 0010_translation_review
Revises: 0009
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa


revision = '0010_translation_review'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'translation_review',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=300), nullable=False),
        sa.Column('language', sa.String(length=35), nullable=False),
        sa.ForeignKeyConstraint(
            ['version_id'],
            ['questionnaire_version.id'],
            name=op.f('fk_translation_review_version_id_questionnaire_version'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_translation_review')),
        sa.UniqueConstraint(
            'version_id',
            'key',
            'language',
            name=op.f('uq_translation_review_version_id_key_language'),
        ),
    )
    with op.batch_alter_table('translation_review', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_translation_review_version_id'),
            ['version_id'],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table('translation_review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_translation_review_version_id'))
    op.drop_table('translation_review')
