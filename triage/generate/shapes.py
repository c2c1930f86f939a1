"""The shapes of the synthetic Front Door: how often each source, RAG, outcome and closure
occurs, and the fast weighted choices the generator draws them with."""
from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Sequence
from datetime import date, timedelta
from itertools import accumulate
from zoneinfo import ZoneInfo

from triage.demo_data import names as name_data

OPEN = date.max  # work still going on at as_of
LONDON = ZoneInfo("Europe/London")
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)


def pick_one(rng: random.Random, items: Sequence):
    """rng.choice without its overhead: one random() call (the generator's hot path)."""
    return items[int(rng.random() * len(items))]


def below(rng: random.Random, a: int, b: int | None = None) -> int:
    """rng.randrange(a) or rng.randrange(a, b), the fast way."""
    if b is None:
        return int(rng.random() * a)
    return a + int(rng.random() * (b - a))


class Weighted:
    """A fast weighted choice: one random number and a bisect."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, pairs: Sequence[tuple[object, float]]):
        self.items = [item for item, _ in pairs]
        self.cum = list(accumulate(weight for _, weight in pairs))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random):
        return self.items[bisect(self.cum, rng.random() * self.total)]


# ------------------------------------------------------------------ shapes

# Census referral source codes: police about 30%, schools 20%, health 15% ...
SOURCES = Weighted([("6", 27), ("2A", 17), ("2B", 3), ("3A", 4), ("3B", 3), ("3C", 1), ("3D", 2), ("3E", 3),
                    ("3F", 2), ("1A", 6), ("1B", 1.5), ("1C", 1), ("1D", 1.5), ("4", 2), ("5A", 2), ("5B", 2),
                    ("5C", 2), ("5D", 4), ("7", 4), ("8", 3), ("9", 3), ("10", 2)])
SOURCE_KIND = {"6": "police", "2A": "school", "2B": "school", "4": "la", "5A": "la", "5B": "la", "5C": "la",
               "5D": "la", "7": "legal", "8": "other", "9": "anonymous", "10": "other",
               **{c: "health" for c in ("3A", "3B", "3C", "3D", "3E", "3F")},
               **{c: "individual" for c in ("1A", "1B", "1C", "1D")}}
CHANNELS = {
    "police": Weighted([("police_notification", 85), ("phone", 10), ("email", 5)]),
    "school": Weighted([("portal", 50), ("marf", 30), ("email", 15), ("phone", 5)]),
    "health": Weighted([("marf", 60), ("phone", 25), ("portal", 15)]),
    "individual": Weighted([("phone", 80), ("portal", 20)]),
    "anonymous": Weighted([("phone", 90), ("portal", 10)]),
    "la": Weighted([("email", 50), ("marf", 40), ("phone", 10)]),
    "legal": Weighted([("email", 60), ("phone", 40)]),
    "other": Weighted([("phone", 60), ("email", 40)]),
}
REFERRERS = {
    "police": ("Police officer", "Constabulary public protection unit"),
    "school": ("Designated safeguarding lead", "School"),
    "health": ("Health professional", "NHS trust"),
    "individual": ("Member of the public", None),
    "anonymous": (None, None),
    "la": ("Council officer", "Council"),
    "legal": ("Probation officer", "Probation service"),
    "other": ("Other professional", None),
}
CONCERNS = {
    "police": ("Domestic abuse incident at the home address; children present",
               "Child reported missing overnight; returned by police",
               "Police attended a disturbance; concerns about supervision of the children",
               "Concern about exploitation: child found with older adults"),
    "school": ("Unexplained bruising noticed at school", "Persistent absence and concerns about neglect",
               "Child disclosed a worry about home to a teacher", "Deterioration in presentation and hygiene"),
    "health": ("Injury inconsistent with the account given", "Missed health appointments; weight concerns",
               "Parental mental health crisis; children at home", "Self-harm presentation at hospital"),
    "individual": ("Family member worried about care of the children", "Neighbour reports children left alone",
                   "Young person asking for help"),
    "anonymous": ("Anonymous report of children left alone", "Anonymous report of shouting and violence"),
    "la": ("Housing officer concerned about home conditions", "Early help plan not progressing; escalation",
           "Adult services: parent's needs affecting the children"),
    "legal": ("Probation: offender with access to children", "Court welfare concern"),
    "other": ("Concern about the welfare of a child", "Voluntary sector worker raises a concern"),
}
DASH = Weighted([("standard", 60), ("medium", 30), ("high", 10)])
RAGS = Weighted([("red", 14), ("amber", 41), ("green", 45)])
RAG_HOURS_ORDER = ("green", "amber", "red")
SCREENED_AS = {"red": "significant harm possible", "amber": "significant concern", "green": "wellbeing concern"}
OUTCOMES = {  # about 26% of contacts become referrals overall
    "red": Weighted([("no_further_action", 6), ("information_advice", 4), ("early_help", 6), ("assessment", 42),
                     ("strategy_s47", 34), ("immediate_protection", 6), ("transfer", 2)]),
    "amber": Weighted([("no_further_action", 18), ("information_advice", 17), ("early_help", 30),
                       ("assessment", 31), ("strategy_s47", 2), ("transfer", 2)]),
    "green": Weighted([("no_further_action", 36), ("information_advice", 30), ("early_help", 30),
                       ("assessment", 3), ("transfer", 1)]),
}
REFERRAL_OUTCOMES = frozenset({"assessment", "strategy_s47", "immediate_protection"})
CHILDREN_PER_CONTACT = Weighted([(1, 78), (2, 15), (3, 5), (4, 2)])
CONSENT_POLICE = Weighted([(("not_sought", "prejudice_investigation"), 30), (("not_sought", "would_increase_risk"), 25),
                           (("not_required", None), 35), ((None, None), 10)])
CONSENT_OTHER = Weighted([(("given", None), 62), (("refused", None), 8), (("not_sought", "undue_delay"), 6),
                          (("not_required", None), 14), ((None, None), 10)])
PARTNER_AGENCIES = ("police", "health", "education", "early_help")
ASSESSMENT_OUTCOMES = Weighted([("no_further_action", 35), ("child_in_need_plan", 35), ("early_help", 22),
                                ("s47", 8)])
ASSESSMENT_OUTCOMES_AFTER_S47 = Weighted([("no_further_action", 20), ("child_in_need_plan", 40), ("early_help", 10),
                                          ("s47", 30)])
FACTORS = Weighted([("3B", 18), ("4B", 14), ("16A", 10), ("17A", 10), ("2B", 7), ("1B", 6), ("3A", 6), ("4A", 6),
                    ("18C", 4), ("19C", 2), ("10A", 3), ("11A", 2), ("24A", 2), ("14A", 3), ("15A", 3), ("6A", 2),
                    ("5A", 2), ("7A", 1), ("20", 4)])
LATE_REASONS = ("Waiting for a partner agency's information", "Worker absence; case reallocated",
                "Family not available to be seen", "Complex case: extended with manager agreement",
                "Awaiting a medical assessment")
DECISION_DELAY_REASONS = ("Waiting for police checks", "Weekend contact: decided on the next working day",
                          "Awaiting information from health", "High volume of contacts that day")
LATER_CLOSURES = Weighted([("RC7", 80), ("RC3", 5), ("RC4", 2), ("RC5", 8), ("RC6", 5)])
S47_OUTCOMES = Weighted([("substantiated_icpc", 45), ("not_substantiated", 40), ("substantiated_no_icpc", 15)])
S47_LABELS = {"not_substantiated": "Concerns not substantiated",
              "substantiated_no_icpc": "Concerns substantiated: no conference needed"}
CONTRIBUTIONS = {
    "police": "Police hold previous incidents at the address; no current bail conditions",
    "health": "Health: immunisations up to date; one missed appointment this year",
    "education": "Education: attendance 86% this term; no exclusions",
    "early_help": "Early help: family previously supported; case closed last year",
}
ATTENDING = ("childrens_social_care", "police", "health", "education", "early_help")
# Sex not known is rare (the census queries more than 2%: 2886Q).
SEXES = Weighted([("female", 49.5), ("male", 49.5), ("unknown", 0.5), ("not_stated", 0.5)])
# Census disability codes: most children none, some one, a few two (shares roughly England's).
DISABILITIES = Weighted([("NONE", 86), ("LD", 3), ("COMM", 2), ("BEH", 2), ("AUT", 3), ("MOB", 1), ("HEAR", 0.7),
                         ("VIS", 0.7), ("PC", 0.4), ("HAND", 0.3), ("CON", 0.3), ("INC", 0.3), ("DDA", 1),
                         ("AUT,COMM", 0.8), ("LD,BEH", 0.6), ("MOB,PC", 0.3)])
PRIMARY_NEEDS = Weighted([("N1", 55), ("N2", 4), ("N3", 4), ("N4", 9), ("N5", 16), ("N6", 2), ("N7", 0.5),
                          ("N8", 3), ("N9", 6), ("N0", 0.5)])
CATEGORIES = Weighted([("NEG", 50), ("EMO", 37), ("PHY", 7), ("SAB", 4), ("MUL", 2)])
GROUPS = Weighted([(g, g.weight) for g in name_data.ETHNIC_GROUPS])
_WEEKDAYS = (1.15, 1.10, 1.10, 1.05, 1.10, 0.55, 0.45)  # Monday first
WEEKDAY_FACTOR = tuple(7 * f / sum(_WEEKDAYS) for f in _WEEKDAYS)  # averaging exactly 1
RE_REFERRAL_PICK = 0.20  # chance a referral's first child is one referred in the last 12 months
REPEAT_CONTACT_PICK = 0.30  # chance another contact's first child is one recently in a contact
