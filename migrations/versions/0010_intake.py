"""intake: the council's child id set by the database

A child recorded without a council id gets "T" and its record id, zero-padded to 7 digits,
as the service used to write with a second statement (an UPDATE after the INSERT). Now the
database sets it as the row goes in: on PostgreSQL a BEFORE INSERT trigger (the id default has
been applied by then, so the INSERT's RETURNING already carries the value); on SQLite, which
cannot change NEW in a BEFORE trigger, an AFTER INSERT trigger in the same statement.

Revision ID: 0010
Revises: 0009
"""
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE OR REPLACE FUNCTION child_council_child_id() RETURNS trigger AS $$
            BEGIN
                IF NEW.council_child_id IS NULL THEN
                    NEW.council_child_id := 'T' || repeat('0', greatest(0, 7 - length(NEW.id::text)))
                                                || NEW.id::text;
                END IF;
                RETURN NEW;
            END;
            $$ LANGUAGE plpgsql""")
        op.execute("""
            CREATE TRIGGER child_council_child_id BEFORE INSERT ON child
            FOR EACH ROW EXECUTE FUNCTION child_council_child_id()""")
    else:
        op.execute("""
            CREATE TRIGGER child_council_child_id AFTER INSERT ON child
            FOR EACH ROW WHEN NEW.council_child_id IS NULL
            BEGIN
                UPDATE child SET council_child_id = 'T' || printf('%07d', NEW.id) WHERE id = NEW.id;
            END""")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS child_council_child_id ON child")
        op.execute("DROP FUNCTION IF EXISTS child_council_child_id()")
    else:
        op.execute("DROP TRIGGER IF EXISTS child_council_child_id")
