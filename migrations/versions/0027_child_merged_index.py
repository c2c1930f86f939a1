"""child merged index: the few merged duplicates found without reading every child

child(id) WHERE merged_into_id IS NOT NULL  partial: every list and return that keeps to live
                                            records asks which children were merged away. Without
                                            it each such question read the whole child table (a
                                            CIN census asks once per 1,000 children).

Nothing existing changes.

Revision ID: 0027
Revises: 0026
"""
import sqlalchemy as sa
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

MERGED = "merged_into_id IS NOT NULL"


def upgrade():
    op.create_index("ix_child_merged", "child", ["id"], unique=False,
                    postgresql_where=sa.text(MERGED), sqlite_where=sa.text(MERGED))


def downgrade():
    op.drop_index("ix_child_merged", table_name="child")
