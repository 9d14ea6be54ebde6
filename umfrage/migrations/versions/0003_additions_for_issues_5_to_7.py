"""Respondent, designer, admin and analyst additions.

Resume codes (hashed) on responses; survey operator, contact, duration, privacy
notice and deletion date; invitation code batches; street directory; pending layer
uploads; weighting set-up per survey. Only new tables and nullable columns: existing
responses are kept as they are.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('layer_upload',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_layer_upload_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_layer_upload'))
    )
    with op.batch_alter_table('layer_upload', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_layer_upload_user_id'), ['user_id'], unique=False)

    op.create_table('street',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('layer_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_street_district_id_district'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['layer_id'], ['district_layer.id'], name=op.f('fk_street_layer_id_district_layer'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_street')),
    sa.UniqueConstraint('layer_id', 'name', 'district_id', name=op.f('uq_street_layer_id_name_district_id'))
    )
    with op.batch_alter_table('street', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_street_district_id'), ['district_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_street_name'), ['name'], unique=False)

    op.create_table('invitation_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('per_district', sa.Boolean(), nullable=False),
    sa.Column('seed', sa.String(length=64), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('csv_downloaded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('pdf_downloaded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_invitation_batch_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_invitation_batch_district_id_district'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_invitation_batch_survey_id_survey'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation_batch'))
    )
    with op.batch_alter_table('invitation_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitation_batch_survey_id'), ['survey_id'], unique=False)

    op.create_table('weighting_setup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('mappings', sa.JSON(), nullable=False),
    sa.Column('cross_with_district', sa.Boolean(), nullable=False),
    sa.Column('lower_bound', sa.Double(), nullable=True),
    sa.Column('upper_bound', sa.Double(), nullable=True),
    sa.Column('min_cell_size', sa.Integer(), nullable=False),
    sa.Column('collapse', sa.JSON(), nullable=False),
    sa.Column('margins', sa.JSON(), nullable=True),
    sa.Column('margins_filename', sa.String(length=255), nullable=True),
    sa.Column('confirmed', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_weighting_setup_survey_id_survey'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_weighting_setup_updated_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_weighting_setup')),
    sa.UniqueConstraint('survey_id', name=op.f('uq_weighting_setup_survey_id'))
    )
    with op.batch_alter_table('invitation_code', schema=None) as batch_op:
        batch_op.add_column(sa.Column('batch_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_invitation_code_batch_id'), ['batch_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_invitation_code_batch_id_invitation_batch'), 'invitation_batch', ['batch_id'], ['id'], ondelete='CASCADE')

    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resume_code_hash', sa.String(length=128), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_response_resume_code_hash'), ['resume_code_hash'])

    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.add_column(sa.Column('operator_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('contact_email', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('duration_minutes', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('privacy_notice', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('deletion_date', sa.Date(), nullable=True))



def downgrade():
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.drop_column('deletion_date')
        batch_op.drop_column('privacy_notice')
        batch_op.drop_column('duration_minutes')
        batch_op.drop_column('contact_email')
        batch_op.drop_column('operator_name')

    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_response_resume_code_hash'), type_='unique')
        batch_op.drop_column('resume_code_hash')

    with op.batch_alter_table('invitation_code', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_invitation_code_batch_id_invitation_batch'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_invitation_code_batch_id'))
        batch_op.drop_column('batch_id')

    op.drop_table('weighting_setup')
    with op.batch_alter_table('invitation_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitation_batch_survey_id'))

    op.drop_table('invitation_batch')
    with op.batch_alter_table('street', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_street_name'))
        batch_op.drop_index(batch_op.f('ix_street_district_id'))

    op.drop_table('street')
    with op.batch_alter_table('layer_upload', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_layer_upload_user_id'))

    op.drop_table('layer_upload')
