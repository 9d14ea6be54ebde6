"""Pending population table uploads between upload, column mapping and confirm
(issue 14).

Only a new table: nothing existing changes. Weighting set-ups keep their stored
structure (question, variable, code → level), which the dropdown form reads and
writes as before, so they need no migration.

Revision ID: 0010_population_upload
Revises: 0010_jobs
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa


revision = '0010_population_upload'
down_revision = '0010_jobs'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('population_upload',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('layer_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['layer_id'], ['district_layer.id'], name=op.f('fk_population_upload_layer_id_district_layer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_population_upload_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_population_upload'))
    )
    with op.batch_alter_table('population_upload', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_population_upload_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('population_upload', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_population_upload_user_id'))
    op.drop_table('population_upload')
