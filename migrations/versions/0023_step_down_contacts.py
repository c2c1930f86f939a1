"""step-down from a contact: a contact decided "step down to early help" hands the family over too

step_down        contact_id: the contact whose decision handed the child over (a foreign key);
                 referral_id may now be empty, and exactly one of the two is set (a check).
                 One handover per child a contact names (a unique constraint, which also finds a
                 contact's handovers).

Existing handovers all came from cases: they keep their referral and get no contact.

The downgrade refuses while handovers from contacts exist: the older schema has nowhere to
keep them, and deleting them would lose early help's answers.

Revision ID: 0023
Revises: 0022
"""
import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('step_down', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_id', sa.Integer(), nullable=True))
        batch_op.alter_column('referral_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(op.f('fk_step_down_contact_id_contact'), 'contact', ['contact_id'], ['id'])
        batch_op.create_unique_constraint(op.f('uq_step_down_contact_id_child_id'), ['contact_id', 'child_id'])
        batch_op.create_check_constraint(op.f('ck_step_down_one_source'), '(referral_id IS NULL) <> (contact_id IS NULL)')


def downgrade():
    bind = op.get_bind()
    from_contacts = bind.execute(sa.text("SELECT count(*) FROM step_down WHERE contact_id IS NOT NULL")).scalar()
    if from_contacts:
        raise RuntimeError(f"{from_contacts} handovers to early help came from contacts; the schema before 0023 "
                           "cannot hold them. Keep 0023, or remove those handovers deliberately first.")
    with op.batch_alter_table('step_down', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_step_down_one_source'), type_='check')
        batch_op.drop_constraint(op.f('uq_step_down_contact_id_child_id'), type_='unique')
        batch_op.drop_constraint(op.f('fk_step_down_contact_id_contact'), type_='foreignkey')
        batch_op.alter_column('referral_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('contact_id')
