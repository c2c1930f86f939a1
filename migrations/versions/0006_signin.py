"""signin: sign-in that cannot be turned against staff, sessions that end, tokens that expire

- user.locked_until goes: five wrong passwords from anyone no longer lock an account. Wrong
  passwords slow down the place they come from instead (sign_in_delay, keyed by the username as
  typed and the address), and addresses an account has signed in from are remembered
  (known_address) so the account-wide attempt limit never stops the real person at their desk.
- user.session_epoch is part of every session's id; raising it ends every session of the account.
- api_token.expires_at: every token expires. Existing tokens get the default 90 days from now.
- api_token.approved_at / approved_by_id: a token for a role that reads children works only once
  a manager or a second administrator approves it. Existing tokens for those roles (ERA,
  practitioner, manager, performance) wait for approval like new ones: one may be exactly the
  kind of token this change is about. Other existing tokens count as approved when created.

Revision ID: 0006
Revises: 0005
"""
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

READS_CHILDREN = ("era", "practitioner", "manager", "performance")


def upgrade():
    from triage.clock import utcnow

    op.create_table('sign_in_delay',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('remote_addr', sa.String(length=45), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('wait_until', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_delay')),
    sa.UniqueConstraint('username', 'remote_addr', name=op.f('uq_sign_in_delay_username_remote_addr'))
    )
    op.create_index('ix_sign_in_delay_last_failure_at', 'sign_in_delay', ['last_failure_at'], unique=False)
    op.create_table('known_address',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('remote_addr', sa.String(length=45), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_known_address_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_known_address')),
    sa.UniqueConstraint('user_id', 'remote_addr', name=op.f('uq_known_address_user_id_remote_addr'))
    )
    op.add_column('user', sa.Column('session_epoch', sa.Integer(), nullable=False, server_default='0'))
    # Both databases drop a column in place (SQLite since 3.35), without rebuilding "user",
    # which every other table refers to.
    op.execute('ALTER TABLE "user" DROP COLUMN locked_until')

    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('approved_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_api_token_approved_by_id_user'), 'user', ['approved_by_id'], ['id'])
    token = sa.table('api_token', sa.column('role', sa.String), sa.column('created_at', sa.DateTime(timezone=True)),
                     sa.column('expires_at', sa.DateTime(timezone=True)),
                     sa.column('approved_at', sa.DateTime(timezone=True)))
    expires = utcnow() + timedelta(days=90)
    if op.get_bind().dialect.name == "sqlite":
        expires = expires.replace(tzinfo=None)  # stored as UTC without a zone, as UTCDateTime does
    op.execute(token.update().values(expires_at=expires))
    op.execute(token.update().where(token.c.role.notin_(READS_CHILDREN)).values(approved_at=token.c.created_at))
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.alter_column('expires_at', existing_type=sa.DateTime(timezone=True), nullable=False)


def downgrade():
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_api_token_approved_by_id_user'), type_='foreignkey')
        batch_op.drop_column('approved_by_id')
        batch_op.drop_column('approved_at')
        batch_op.drop_column('expires_at')
    op.add_column('user', sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))
    op.execute('ALTER TABLE "user" DROP COLUMN session_epoch')
    op.drop_table('known_address')
    op.drop_index('ix_sign_in_delay_last_failure_at', table_name='sign_in_delay')
    op.drop_table('sign_in_delay')
