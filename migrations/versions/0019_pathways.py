"""pathways: routing rules that put contacts on a meeting type's agenda

pathway_rule   name, meeting_type, min_age, max_age, concern_categories, source_codes, locality_id,
               active, created_at, created_by_id, updated_at, version; indexed by (meeting_type, active)

No existing row changes: until an administrator writes a rule, every agenda builds as before.

Revision ID: 0019
Revises: 0018
"""
import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "pathway_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("meeting_type", sa.String(length=40), nullable=False),
        sa.Column("min_age", sa.Integer(), nullable=True),
        sa.Column("max_age", sa.Integer(), nullable=True),
        sa.Column("concern_categories", sa.String(length=200), nullable=True),
        sa.Column("source_codes", sa.String(length=100), nullable=True),
        sa.Column("locality_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["locality_id"], ["locality.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_pathway_rule_type", "pathway_rule", ["meeting_type", "active"], unique=False)


def downgrade():
    op.drop_index("ix_pathway_rule_type", table_name="pathway_rule")
    op.drop_table("pathway_rule")
