"""returns: what the CIN census and Ofsted's Annex A need

child            upn_unknown_reason (UN1-UN7), former_upn, disabilities (codes or NONE), date_of_death;
                 ethnicity now holds the DfE code
referral         primary_need (N0-N9), nfa, closed_on, closed_by_id, closure_note
assessment       needs_support
strategy_discussion  resulted_in_plan, plan_start_date, plan_category (NEG/PHY/SAB/EMO/MUL), plan_end_date;
                 an index on (child_id, s47_started_on) for Annex A's counts in the 12 months before each

What it fills for rows that already exist, and what it cannot know (printed as it runs):
- child.ethnicity: a DfE label ("White: British") becomes its code (WBRI); text that is neither a
  code nor a label is left as it was and goes to the census as NOBT until someone records it.
- referral.closed_on: the London date of closed_at.
- referral.primary_need: N0 ("not stated") on every referral, since no need was ever recorded;
  managers should record the real need before a census is sent.
- assessment.needs_support: yes after a child in need plan or an s47 outcome, no after no
  further action or early help; unknown for assessments not yet authorised.
- strategy_discussion.resulted_in_plan: no where the conference was not needed; unknown where
  a conference was held (whether it made a plan was never recorded).
- child.disabilities and UPN-unknown reasons: never recorded before; left empty (the census
  validator will list those children, each linked to the record to complete).

Revision ID: 0012
Revises: 0011
"""
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

LONDON = ZoneInfo("Europe/London")
ETHNICITY = {
    "WBRI": "White: British", "WIRI": "White: Irish", "WOTH": "White: any other White background",
    "WIRT": "White: Traveller of Irish heritage", "WROM": "White: Gypsy/Roma",
    "MWBC": "Mixed: White and Black Caribbean", "MWBA": "Mixed: White and Black African",
    "MWAS": "Mixed: White and Asian", "MOTH": "Mixed: any other mixed background",
    "AIND": "Asian or Asian British: Indian", "APKN": "Asian or Asian British: Pakistani",
    "ABAN": "Asian or Asian British: Bangladeshi", "AOTH": "Asian or Asian British: any other Asian background",
    "BCRB": "Black or Black British: Caribbean", "BAFR": "Black or Black British: African",
    "BOTH": "Black or Black British: any other Black background", "CHNE": "Chinese",
    "OOTH": "Any other ethnic group", "REFU": "Refused", "NOBT": "Information not yet obtained",
}


def _say(message: str) -> None:
    print(f"0012_returns: {message}")


def upgrade():
    with op.batch_alter_table('child', schema=None) as batch_op:
        batch_op.add_column(sa.Column('upn_unknown_reason', sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column('former_upn', sa.String(length=13), nullable=True))
        batch_op.add_column(sa.Column('disabilities', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('date_of_death', sa.Date(), nullable=True))
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.add_column(sa.Column('primary_need', sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column('nfa', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('closed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('closed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('closure_note', sa.Text(), nullable=True))
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('needs_support', sa.Boolean(), nullable=True))
    with op.batch_alter_table('strategy_discussion', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resulted_in_plan', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('plan_start_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('plan_category', sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column('plan_end_date', sa.Date(), nullable=True))
    # Annex A counts each child's enquiries and conferences in the 12 months before each one.
    op.create_index('ix_strategy_discussion_child', 'strategy_discussion', ['child_id', 's47_started_on'])
    _fill()


def _fill():
    bind = op.get_bind()
    for code, label in ETHNICITY.items():
        bind.execute(sa.text("UPDATE child SET ethnicity = :code WHERE upper(ethnicity) IN (:code, :label)"),
                     {"code": code, "label": label.upper()})
    odd = bind.execute(sa.text("SELECT count(*) FROM child WHERE ethnicity IS NOT NULL AND ethnicity NOT IN :codes")
                       .bindparams(sa.bindparam("codes", expanding=True)), {"codes": list(ETHNICITY)}).scalar()
    if odd:
        _say(f"{odd} children's ethnicity is neither a DfE code nor its label: left as written, "
             "sent to the census as NOBT until recorded again")

    # Closure dates in London, a batch at a time (a UTC date is a day out around midnight in summer).
    referral = sa.table("referral", sa.column("id", sa.Integer()), sa.column("closed_at", sa.DateTime()))
    closed = bind.execute(sa.select(referral.c.id, referral.c.closed_at).where(referral.c.closed_at.is_not(None)))
    updates = []
    for ident, closed_at in closed:
        if closed_at.tzinfo is None:  # SQLite keeps UTC without a zone
            closed_at = closed_at.replace(tzinfo=ZoneInfo("UTC"))
        updates.append({"id": ident, "on": closed_at.astimezone(LONDON).date()})
    for start in range(0, len(updates), 5000):
        bind.execute(sa.text("UPDATE referral SET closed_on = :on WHERE id = :id"), updates[start:start + 5000])

    count = bind.execute(sa.text("UPDATE referral SET primary_need = 'N0' WHERE primary_need IS NULL")).rowcount
    if count:
        _say(f"{count} referrals had no primary need recorded: set to N0 (not stated); record the real need")
    bind.execute(sa.text("UPDATE assessment SET needs_support = :yes WHERE outcome IN ('child_in_need_plan', 's47')"),
                 {"yes": True})
    bind.execute(sa.text("UPDATE assessment SET needs_support = :no WHERE outcome IN ('no_further_action', "
                         "'early_help')"), {"no": False})
    bind.execute(sa.text("UPDATE strategy_discussion SET resulted_in_plan = :no WHERE icpc_held_on IS NULL "
                         "AND icpc_not_needed_reason IS NOT NULL"), {"no": False})
    unknown = bind.execute(sa.text("SELECT count(*) FROM strategy_discussion WHERE icpc_held_on IS NOT NULL")).scalar()
    if unknown:
        _say(f"{unknown} conferences were held but whether they made a child protection plan was never "
             "recorded: left unknown")
    missing = bind.execute(sa.text("SELECT count(*) FROM child")).scalar()
    if missing:
        _say(f"{missing} children have no disability information and no UPN-unknown reason recorded yet "
             "(never asked before): left empty")


def downgrade():
    op.drop_index('ix_strategy_discussion_child', table_name='strategy_discussion')
    with op.batch_alter_table('strategy_discussion', schema=None) as batch_op:
        for column in ('plan_end_date', 'plan_category', 'plan_start_date', 'resulted_in_plan'):
            batch_op.drop_column(column)
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_column('needs_support')
    with op.batch_alter_table('referral', schema=None) as batch_op:
        for column in ('closure_note', 'closed_by_id', 'closed_on', 'nfa', 'primary_need'):
            batch_op.drop_column(column)
    with op.batch_alter_table('child', schema=None) as batch_op:
        for column in ('date_of_death', 'disabilities', 'former_upn', 'upn_unknown_reason'):
            batch_op.drop_column(column)
