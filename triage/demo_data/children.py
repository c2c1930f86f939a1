"""The demo's children, planned before any is written: pure (a seeded generator in, plain dicts
out), so the same seed gives the same council."""
from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from triage.clock import LONDON, UTC, local_date
from triage.demo_data import names, places
from triage.domain.identifiers import UPN_LETTERS, nhs_check_digit, nhs_number_is_valid, upn_check_letter

# Demo children carry council ids DEMO00001, DEMO00002 ...: how a re-run knows what it made.
DEMO_ID_PREFIX = "DEMO"

# Oldest child: 17 years and about 10 months on the day recorded, so still under 18 today.
_MAX_AGE_DAYS = 17 * 365 + 4 + 300
_UNBORN_SHARE = 0.03
_NHS_SHARE = 0.75
_UPN_SHARE = 0.7
_SIBLING_SHARE = 0.3
_FLAT_SHARE = 0.15
_MIDDLE_NAME_SHARE = 0.3
# UPNs: a pseudo local authority number (001, which the census accepts and no council's pupils
# carry) and made-up schools (primary 2xxx, secondary 4xxx).
_UPN_LA = "001"
# Disabilities in the census: most children none; a few with one or two (codes from the DfE list).
_DISABILITIES = (("NONE", 86), ("LD", 3), ("COMM", 2), ("BEH", 2), ("AUT", 3), ("MOB", 1), ("HEAR", 1),
                 ("VIS", 1), ("PC", 0.5), ("HAND", 0.5), ("CON", 0.5), ("INC", 0.5), ("DDA", 1))
_UPN_SCHOOLS = tuple(f"{n:04d}" for n in (*range(2001, 2031), *range(4001, 4011)))


def plan_children(rng: random.Random, count: int, now: datetime,
                  working_days: list[date]) -> list[dict]:
    """`count` children as create_child fields plus created_at and locality name.

    Child i is the same whatever `count` is (the generator is consumed child by child), so
    asking for more children later only adds to the end. Names, dates of birth, NHS numbers and
    UPNs never collide within the demo, so create_child sees no duplicates among them.
    """
    if not working_days:
        raise ValueError("No working days to spread the records over")
    today = local_date(now)
    groups = names.ETHNIC_GROUPS
    group_weights = [g.weight for g in groups]
    locality_weights = [loc.weight for loc in places.LOCALITIES]
    seen_people: set[tuple[str, str, date | None]] = set()
    seen_nhs: set[str] = set()
    seen_upn: set[str] = set()
    plans: list[dict] = []
    household: dict | None = None
    for i in range(1, count + 1):
        day = rng.choice(working_days)
        minute = rng.randrange(9 * 60)  # 08:30 to 17:29 London time
        created_at = (datetime.combine(day, time(8, 30), tzinfo=LONDON)
                      + timedelta(minutes=minute)).astimezone(UTC)
        if household is not None and rng.random() < _SIBLING_SHARE:
            home = household  # a brother or sister: same surname, address and ethnicity
        else:
            home = household = _new_household(rng, groups, group_weights, locality_weights)
        group = home["group"]
        unborn = rng.random() < _UNBORN_SHARE
        plan: dict = {
            "council_child_id": f"{DEMO_ID_PREFIX}{i:05d}",
            "created_at": created_at,
            "last_name": home["surname"],
            "ethnicity": group.code,
            "address_line_1": home["line1"],
            "address_line_2": home["line2"],
            "town": places.TOWN,
            "postcode": home["postcode"],
            "locality": home["locality"],
        }
        if unborn:
            # How front doors record a baby not yet born: "Unborn" and the mother's surname.
            plan.update(first_name="Unborn", sex="unknown", date_of_birth=None,
                        expected_date_of_birth=today + timedelta(days=rng.randint(14, 160)),
                        ethnicity=None, upn_unknown_reason="UN1")
        else:
            sex = rng.choice(("female", "male"))
            pool = group.female if sex == "female" else group.male
            dob = day - timedelta(days=rng.randint(0, _MAX_AGE_DAYS))
            first = rng.choice(pool)
            while (first.lower(), home["surname"].lower(), dob) in seen_people:
                first = rng.choice(pool)
            seen_people.add((first.lower(), home["surname"].lower(), dob))
            plan.update(first_name=first, sex=sex, date_of_birth=dob)
            if rng.random() < _MIDDLE_NAME_SHARE:
                middle = rng.choice(pool)
                if middle != first:
                    plan["other_names"] = middle
            if rng.random() < _NHS_SHARE:
                plan["nhs_number"] = _unique(seen_nhs, lambda: test_nhs_number(rng))
            age = _age(dob, today)
            if 4 <= age <= 16 and rng.random() < _UPN_SHARE:
                plan["upn"] = _unique(seen_upn, lambda dob=dob: demo_upn(rng, dob))
            else:
                # Too young for school, or a school-age child whose UPN the council does not hold.
                plan["upn_unknown_reason"] = "UN1" if age < 5 else rng.choice(("UN2", "UN3", "UN4", "UN5"))
            plan["disabilities"] = _pick_disabilities(rng)
        plans.append(plan)
    return plans


def _pick_disabilities(rng: random.Random) -> str:
    codes = [c for c, _ in _DISABILITIES]
    weights = [w for _, w in _DISABILITIES]
    first = rng.choices(codes, weights=weights)[0]
    if first != "NONE" and rng.random() < 0.25:
        second = rng.choices(codes[1:], weights=weights[1:])[0]
        if second != first:
            return f"{first},{second}"
    return first


def _new_household(rng: random.Random, groups, group_weights, locality_weights) -> dict:
    group = rng.choices(groups, weights=group_weights)[0]
    locality = rng.choices(places.LOCALITIES, weights=locality_weights)[0]
    if rng.random() < _FLAT_SHARE:
        line1 = f"Flat {rng.randint(1, 40)}, {rng.choice(places.BLOCKS)}"
        line2 = rng.choice(locality.streets)
    else:
        line1 = f"{rng.randint(1, 180)} {rng.choice(locality.streets)}"
        line2 = rng.choice(locality.neighbourhoods)
    inward = f"{rng.randint(1, 9)}{rng.choice(places.INWARD_LETTERS)}{rng.choice(places.INWARD_LETTERS)}"
    return {"group": group, "surname": rng.choice(group.surnames), "locality": locality.name,
            "line1": line1, "line2": line2, "postcode": f"{locality.district} {inward}"}


def _unique(seen: set[str], make: Callable[[], str]) -> str:
    value = make()
    while value in seen:
        value = make()
    seen.add(value)
    return value


def _age(dob: date, today: date) -> int:
    return today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))


def test_nhs_number(rng: random.Random) -> str:
    """A valid NHS number in the 999 range, which the NHS reserves for testing: no real person's."""
    while True:
        first_nine = "999" + f"{rng.randrange(1_000_000):06d}"
        check = nhs_check_digit(first_nine)
        if check is not None:  # a remainder of 10 means no valid number with these digits
            number = first_nine + str(check)
            assert nhs_number_is_valid(number)
            return number


test_nhs_number.__test__ = False  # not a pytest test, whatever its name


def demo_upn(rng: random.Random, dob: date) -> str:
    """A UPN shaped like a real one (LA, school, year allocated, serial) with a valid check letter.

    The pseudo LA number 001 is no council's, so no real pupil's UPN is produced.
    """
    # Allocated when the child started reception: the September after they turned four.
    start_year = dob.year + (5 if (dob.month, dob.day) >= (9, 1) else 4)
    body = f"{_UPN_LA}{rng.choice(_UPN_SCHOOLS)}{start_year % 100:02d}{rng.randrange(1000):03d}"
    letter = upn_check_letter(body)
    assert letter in UPN_LETTERS
    return letter + body


