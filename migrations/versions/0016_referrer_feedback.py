"""referrer feedback: templates a council edits, every send, email to addresses outside, token holders

feedback_template   one row per kind (acknowledgement, decision) once a council changes the wording
referrer_feedback   each acknowledgement or decision feedback sent, by email or letter, as worded
notification        user_id may be empty: an email to a referrer carries its own address
                    (email_to), subject and body, and goes out through the same outbox
api_token           holder_id: the person a token acts for, so "decided by" names someone

Revision ID: 0016
Revises: 0015
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'feedback_template',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['updated_by_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('kind'),
    )
    op.create_table(
        'referrer_feedback',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('contact_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('method', sa.String(length=30), nullable=False),
        sa.Column('recipient', sa.String(length=254), nullable=True),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_by_id', sa.Integer(), nullable=True),
        sa.Column('sent_by_token_id', sa.Integer(), nullable=True),
        sa.Column('notification_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['contact_id'], ['contact.id']),
        sa.ForeignKeyConstraint(['sent_by_id'], ['user.id']),
        sa.ForeignKeyConstraint(['sent_by_token_id'], ['api_token.id']),
        sa.ForeignKeyConstraint(['notification_id'], ['notification.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_referrer_feedback_contact', 'referrer_feedback', ['contact_id', 'sent_at'])
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('email_to', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('email_subject', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('email_body', sa.Text(), nullable=True))
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('holder_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_api_token_holder_id_user', 'user', ['holder_id'], ['id'])


def downgrade():
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_constraint('fk_api_token_holder_id_user', type_='foreignkey')
        batch_op.drop_column('holder_id')
    op.drop_index('ix_referrer_feedback_contact', table_name='referrer_feedback')
    op.drop_table('referrer_feedback')
    op.drop_table('feedback_template')
    op.execute("DELETE FROM notification WHERE user_id IS NULL")  # referrers' email has nowhere to go
    with op.batch_alter_table('notification', schema=None) as batch_op:
        for column in ('email_body', 'email_subject', 'email_to'):
            batch_op.drop_column(column)
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=False)
