"""Unlinkable invitation codes, random response ids, opaque respondent cookie.

- ``spent_code``: submitted invitation codes, rewritten in shuffled batches
  (umfrage/spent_codes.py); the codes marked ``used`` so far are copied into it in
  random order, and ``invitation_code.used`` goes (a code row never changes again).
- ``response.id`` becomes a random 62-bit BIGINT. Existing responses are kept and
  renumbered in random order: their old sequential ids told the order of arrival
  and, on PostgreSQL, matched the transaction ids of the old code use; nothing
  else refers to a response id, so answers and foreign keys stay as they are.
- ``respondent_session``: the server side of the cookie's random handle.
- ``invitation_batch.withdrawn``.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

import secrets

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    random = secrets.SystemRandom()

    op.create_table('spent_code',
    sa.Column('code_hash', sa.String(length=128), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('pending', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['invitation_batch.id'], name=op.f('fk_spent_code_batch_id_invitation_batch'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_spent_code_survey_id_survey'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('code_hash', name=op.f('pk_spent_code'))
    )
    with op.batch_alter_table('spent_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spent_code_survey_id'), ['survey_id'], unique=False)

    used = bind.execute(sa.text(
        "select code_hash, survey_id, batch_id from invitation_code where used = :t"
    ), {"t": True}).all()
    used = list(used)
    random.shuffle(used)
    for row in used:
        bind.execute(sa.text(
            "insert into spent_code (code_hash, survey_id, batch_id, pending) "
            "values (:h, :s, :b, :p)"
        ), {"h": row.code_hash, "s": row.survey_id, "b": row.batch_id, "p": False})
    with op.batch_alter_table('invitation_code', schema=None) as batch_op:
        batch_op.drop_column('used')

    with op.batch_alter_table('invitation_batch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn', sa.Boolean(), nullable=False, server_default=sa.false()))

    # random response ids
    if bind.dialect.name == 'postgresql':
        op.execute("alter table response alter column id drop default")
        op.execute("alter table response alter column id type bigint")
        op.execute("drop sequence if exists response_id_seq")
    else:
        with op.batch_alter_table('response', schema=None) as batch_op:
            batch_op.alter_column('id', existing_type=sa.Integer(), type_=sa.BigInteger(), autoincrement=False, existing_nullable=False)
    ids = [row[0] for row in bind.execute(sa.text("select id from response")).all()]
    random.shuffle(ids)
    taken = set(ids)
    for old in ids:
        new = 0
        while new == 0 or new in taken:
            new = secrets.randbits(62)
        taken.add(new)
        bind.execute(sa.text("update response set id = :new where id = :old"), {"new": new, "old": old})

    op.create_table('respondent_session',
    sa.Column('handle_hash', sa.String(length=64), nullable=False),
    sa.Column('response_id', sa.BigInteger(), nullable=False),
    sa.Column('created_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['response_id'], ['response.id'], name=op.f('fk_respondent_session_response_id_response'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('handle_hash', name=op.f('pk_respondent_session'))
    )
    with op.batch_alter_table('respondent_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_respondent_session_response_id'), ['response_id'], unique=False)


def downgrade():
    with op.batch_alter_table('respondent_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_respondent_session_response_id'))
    op.drop_table('respondent_session')
    with op.batch_alter_table('invitation_batch', schema=None) as batch_op:
        batch_op.drop_column('withdrawn')
    with op.batch_alter_table('invitation_code', schema=None) as batch_op:
        batch_op.add_column(sa.Column('used', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(
        "update invitation_code set used = true where code_hash in "
        "(select code_hash from spent_code)"
    )
    with op.batch_alter_table('spent_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_spent_code_survey_id'))
    op.drop_table('spent_code')
    # Response ids stay random (BIGINT); sequential ids cannot be restored.
