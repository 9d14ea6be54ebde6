"""The confirmed weighting set-up stays in force while a new one is edited.

Adds ``weighting_setup.in_force`` (a copy of the confirmed set-up),
``in_force_number`` and ``in_force_at``. Set-ups confirmed before this revision
are copied into ``in_force`` as number 1, so their outputs stay weighted.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

FIELDS = (
    'method', 'source', 'mappings', 'cross_with_district', 'lower_bound',
    'upper_bound', 'min_cell_size', 'collapse', 'margins', 'margins_filename',
)

TYPES = {
    'mappings': sa.JSON(), 'collapse': sa.JSON(), 'margins': sa.JSON(),
    'cross_with_district': sa.Boolean(), 'lower_bound': sa.Float(),
    'upper_bound': sa.Float(), 'min_cell_size': sa.Integer(),
}


def upgrade():
    with op.batch_alter_table('weighting_setup', schema=None) as batch_op:
        batch_op.add_column(sa.Column('in_force', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column(
            'in_force_number', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column(
            'in_force_at', sa.DateTime(timezone=True), nullable=True))
    table = sa.table(
        'weighting_setup',
        sa.column('id', sa.Integer()),
        sa.column('confirmed', sa.Boolean()),
        sa.column('updated_at', sa.DateTime(timezone=True)),
        sa.column('in_force', sa.JSON()),
        sa.column('in_force_number', sa.Integer()),
        sa.column('in_force_at', sa.DateTime(timezone=True)),
        *(sa.column(name, TYPES.get(name, sa.String())) for name in FIELDS),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(table).where(table.c.confirmed == sa.true())
    ).mappings().all()
    for row in rows:
        snapshot = {name: row[name] for name in FIELDS}
        connection.execute(
            table.update().where(table.c.id == row['id']).values(
                in_force=snapshot, in_force_number=1, in_force_at=row['updated_at'])
        )


def downgrade():
    with op.batch_alter_table('weighting_setup', schema=None) as batch_op:
        batch_op.drop_column('in_force_at')
        batch_op.drop_column('in_force_number')
        batch_op.drop_column('in_force')
