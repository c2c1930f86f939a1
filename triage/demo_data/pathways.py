"""The demo's pathways: the North and West virtual MASH meetings beside the county-wide one, the
administrator's routing rules (young people of 14 and over at risk of exploitation or missing to
the 14+ team; emotional-health concerns to the weekly emotional-health meeting), and this
morning's contacts those rules put on the meetings' agendas."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from triage.demo_data.week import age, new_contact
from triage.extensions import db
from triage.models import Child, ContactChild
from triage.services import meetings
from triage.services.calendar import working_day_calendar
from triage.services.meetings.pathways import RuleCommand, create_rule

RULES = (
    RuleCommand(name="Adolescents at risk outside the home", meeting_type="team_14_plus", min_age=14,
                concern_categories=("exploitation", "missing")),
    RuleCommand(name="Emotional health", meeting_type="emotional_health_weekly",
                concern_categories=("emotional_health",)),
)
# (meeting type, locality or None for the county, chair, attending (username, agency code))
MEETINGS = (
    ("mash_daily", "North", "practitioner2", (("practitioner2", "childrens_social_care"), ("partner.police", "police"),
                                              ("partner.health", "health"))),
    ("mash_daily", "West", "practitioner2", (("practitioner2", "childrens_social_care"), ("partner.police", "police"),
                                             ("partner.education", "education"))),
    ("team_14_plus", None, "sw.14plus1", (("sw.14plus1", "childrens_social_care"), ("partner.police", "police"))),
    ("emotional_health_weekly", "North", "practitioner", (("partner.early_help", "early_help"),)),
)


def meeting_day(today: date) -> date:
    """Today, or the next working day when the demo is opened on a weekend or bank holiday."""
    calendar = working_day_calendar()
    return today if calendar.is_working_day(today) else calendar.next_working_day(today)


def seed_pathways(ctx, week) -> int:
    """The rules, the meetings and the routed contacts; returns how many records were added."""
    added = 0
    for rule in RULES:
        create_rule(ctx.actor("admin"), ctx.history_start + timedelta(days=1), rule)
        added += 1
    day = meeting_day(ctx.today)
    for type_code, locality, chair, attending in MEETINGS:
        meeting = meetings.plan_meeting(ctx.actor(chair), ctx.now, type_code, day,
                                        locality_id=ctx.localities[locality].id if locality else None)
        for username, agency in attending:
            meetings.record_attendance(ctx.actor(chair), ctx.now, meeting.id, agency, "virtual",
                                       user_id=ctx.users[username].id)
        added += 1
    _routed_contacts(ctx, week)
    return added


def _children(week, aged: range, locality_id: int | None = None) -> Child | None:
    """A demo child of that age (and locality) with no contact yet."""
    query = select(Child).where(
        Child.council_child_id.like("DEMO%"), Child.date_of_birth.is_not(None), Child.merged_into_id.is_(None),
        Child.id.not_in(week.used or [-1]), ~Child.id.in_(select(ContactChild.child_id))).order_by(Child.id)
    if locality_id is not None:
        query = query.where(Child.locality_id == locality_id)
    return next((c for c in db.session.scalars(query) if age(c, week.today) in aged), None)


def _routed_contacts(ctx, week) -> None:
    """This morning: police worried about a teenager (county lines, missing overnight), and a school
    nurse about a North pupil's self-harm: the 14+ team's and the emotional-health meeting's rules
    take them onto those agendas."""
    teen = week.take(_children(week, range(14, 18)))
    if teen is not None:
        new_contact(ctx, week, max(ctx.now - timedelta(hours=2), teen.created_at), {
            "channel": "phone", "source_code": "6", "referrer_name": "DC Priya Mehta", "referrer_agency": "Police",
            "concern": "Young person missing overnight for the third time this month; found in another town with "
                       "older males. Police suspect county lines exploitation.",
            "children": [{"child_id": teen.id}]}, "priya.mehta@police.invalid")
    pupil = week.take(_children(week, range(11, 18), ctx.localities["North"].id))
    if pupil is not None:
        new_contact(ctx, week, max(ctx.now - timedelta(minutes=100), pupil.created_at), {
            "channel": "email", "source_code": "3C", "referrer_name": "Nurse Sarah Quinn", "referrer_role": "School nurse",
            "concern": "Pupil disclosed self-harm and panic attacks before exams; low mood for several weeks.",
            "children": [{"child_id": pupil.id}]}, "school.nursing@wrenfieldhealth.invalid")
