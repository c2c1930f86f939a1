"""The people and places a synthetic Front Door needs: localities, teams, staff, a police feed.

Names are derived from the preset, so a second run (--append) finds what the first one made
and reuses it instead of creating a second workforce.
"""
from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType

from triage.demo_data import names as name_data
from triage.demo_data import places
from triage.domain.codes import AgencyKind
from triage.domain.pathways import RoutingRule
from triage.generate.presets import COUNCIL_NAMES, Preset

# Generated accounts cannot sign in: this is not a hash any password matches.
NO_SIGN_IN = "!generated-account-no-sign-in"
USER_PREFIX = "gen."
LOCALITY_NAMES = tuple(loc.name for loc in places.LOCALITIES)
LOCALITY_WEIGHTS = tuple(loc.weight for loc in places.LOCALITIES)
# The area each early help team covers; a child's locality k goes to team k * 2 // localities.
EARLY_HELP_AREAS = (" and ".join(LOCALITY_NAMES[:len(LOCALITY_NAMES) // 2]),
                    " and ".join(LOCALITY_NAMES[len(LOCALITY_NAMES) // 2:]))


@dataclass
class Council:
    index: int
    name: str
    slug: str
    locality_ids: list[int] = field(default_factory=list)
    districts: list[str] = field(default_factory=list)
    streets: list[tuple[str, ...]] = field(default_factory=list)
    mash_team: int = 0
    locality_teams: list[int] = field(default_factory=list)  # parallel to locality_ids
    older_team: int = 0  # the 14+ team
    eras: list[int] = field(default_factory=list)
    practitioners: list[int] = field(default_factory=list)
    managers: list[int] = field(default_factory=list)  # Front Door managers: decide contacts
    workers: dict[int, list[int]] = field(default_factory=dict)  # team id -> social workers
    team_manager: dict[int, int] = field(default_factory=dict)  # team id -> manager user id
    token_id: int = 0  # the police notification feed
    early_help: list[int] = field(default_factory=list)  # agency ids of its early help teams
    manager_names: list[str] = field(default_factory=list)  # usernames, parallel to managers

    @property
    def meeting_locality(self) -> int | None:
        """A council on its own meets as 'all'; councils in a region meet per council."""
        return None if self.index < 0 else self.locality_ids[0]


def token_hash_for(name: str) -> str:
    return hashlib.sha256(f"generated-token:{name}".encode()).hexdigest()


def build(sink, preset: Preset, next_id, created_at: datetime, seed: int,
          meeting_agencies: Mapping[str, tuple[str, str]] = MappingProxyType({})) -> list[Council]:
    """Find or create the councils' localities, teams, staff and feeds, and the agencies the
    meeting types name (CAMHS, youth justice ...); returns the councils' ids. Everything goes
    through the sink, so a mirror database gets the very same rows."""
    rng = random.Random(f"{seed}:world")
    existing_localities = dict(sink.execute("SELECT name, id FROM locality"))
    existing_teams = dict(sink.execute("SELECT name, id FROM team"))
    existing_users = dict(sink.execute(f"SELECT username, id FROM \"user\" WHERE username LIKE '{USER_PREFIX}%'"))
    existing_tokens = dict(sink.execute("SELECT token_hash, id FROM api_token"))
    agencies = dict(sink.execute("SELECT code, id FROM agency"))
    new_localities, new_teams, new_users, new_tokens, new_agencies = [], [], [], [], []

    def agency(code: str, name: str, kind: str = AgencyKind.EARLY_HELP.value) -> int:
        if code not in agencies:
            agencies[code] = next_id("agency")
            new_agencies.append((agencies[code], code, name, kind))
        return agencies[code]

    for code, (agency_name, kind) in meeting_agencies.items():
        agency(code, agency_name, kind)

    def locality(name: str) -> int:
        if name not in existing_localities:
            existing_localities[name] = next_id("locality")
            new_localities.append((existing_localities[name], name))
        return existing_localities[name]

    def team(name: str, locality_id: int | None) -> int:
        if name not in existing_teams:
            existing_teams[name] = next_id("team")
            new_teams.append((existing_teams[name], name, locality_id))
        return existing_teams[name]

    def person() -> str:
        group = rng.choices(name_data.ETHNIC_GROUPS, weights=[g.weight for g in name_data.ETHNIC_GROUPS])[0]
        first = rng.choice(group.female + group.male)
        return f"{first} {rng.choice(group.surnames)}"

    def user(username: str, role: str, team_id: int | None, manager_id: int | None = None,
             agency_code: str | None = None) -> int:
        display = person()  # drawn whether or not the user exists, so names never shift
        if username not in existing_users:
            existing_users[username] = next_id("user")
            new_users.append((existing_users[username], username, display, None, NO_SIGN_IN, role,
                              agencies.get(agency_code) if agency_code else None, team_id, manager_id,
                              True, 0, created_at, 1))
        return existing_users[username]

    councils = []
    for index in range(preset.councils):
        name = COUNCIL_NAMES[index % len(COUNCIL_NAMES)] + (f" {index // len(COUNCIL_NAMES) + 1}"
                                                             if index >= len(COUNCIL_NAMES) else "")
        slug = name.lower().replace(" ", "-")
        council = Council(index=-1 if preset.councils == 1 else index, name=name, slug=slug)
        for k, loc in enumerate(places.LOCALITIES):
            council.locality_ids.append(locality(f"{name} {loc.name}"))
            council.districts.append(f"ZZ{index * len(places.LOCALITIES) + k + 1}")
            council.streets.append(loc.streets)
        council.mash_team = team(f"{name} MASH", None)
        council.locality_teams = [team(f"{name} assessment {loc.name}", council.locality_ids[k])
                                  for k, loc in enumerate(places.LOCALITIES)]
        council.older_team = team(f"{name} 14+ team", None)
        prefix = f"{USER_PREFIX}{slug}."
        council.manager_names = [f"{prefix}manager.{n}" for n in range(1, 5)]
        council.managers = [user(name, "manager", council.mash_team) for name in council.manager_names]
        council.eras = [user(f"{prefix}era.{n}", "era", council.mash_team) for n in range(1, 7)]
        council.practitioners = [user(f"{prefix}practitioner.{n}", "practitioner", council.mash_team,
                                      council.managers[n % len(council.managers)]) for n in range(1, 13)]
        for team_id in (*council.locality_teams, council.older_team):
            head = user(f"{prefix}team{team_id}.manager", "manager", team_id)
            council.team_manager[team_id] = head
            size = preset.workers_per_team if team_id != council.older_team else max(2, preset.workers_per_team // 2)
            council.workers[team_id] = [user(f"{prefix}team{team_id}.worker.{n}", "practitioner", team_id, head)
                                        for n in range(1, size + 1)]
        # Families step down to one of two early help teams, each covering half the localities.
        council.early_help = [agency(f"early_help_{slug}_{k + 1}"[:40], f"{name} early help ({area})")
                              for k, area in enumerate(EARLY_HELP_AREAS)]
        token_name = f"{name} police notification feed (generated)"
        digest = token_hash_for(token_name)
        if digest not in existing_tokens:
            # A token names the person it acts for: what it decides or accepts is signed by them.
            existing_tokens[digest] = next_id("api_token")
            new_tokens.append((existing_tokens[digest], token_name, digest, "partner", agencies["police"],
                               created_at, None, None, None, created_at + timedelta(days=365), created_at,
                               council.managers[0]))
        council.token_id = existing_tokens[digest]
        councils.append(council)

    sink.write("agency", ("id", "code", "name", "kind"), new_agencies)
    sink.write("locality", ("id", "name"), new_localities)
    sink.write("team", ("id", "name", "locality_id"), new_teams)
    sink.write("user", ("id", "username", "display_name", "email", "password_hash", "role", "agency_id",
                        "team_id", "manager_id", "active", "failed_logins", "created_at", "version"),
               _managers_first(new_users))
    sink.write("api_token", ("id", "name", "token_hash", "role", "agency_id", "created_at", "created_by_id",
                             "revoked_at", "last_used_at", "expires_at", "approved_at", "holder_id"), new_tokens)
    return councils


def _managers_first(rows: list[tuple]) -> list[tuple]:
    """A worker's manager_id points at another generated user: load managers before workers."""
    return sorted(rows, key=lambda row: (row[8] is not None, row[0]))


# The routing rules an administrator would write for the pathways' meetings: name, meeting type,
# youngest age, concern categories.
PATHWAY_RULES = (("Young people 14+ at risk of exploitation or missing", "team_14_plus", 14, "exploitation,missing"),
                 ("Emotional health concerns", "emotional_health_weekly", None, "emotional_health"))


def routing_rules(sink, next_id, created_at: datetime, meeting_types) -> tuple[RoutingRule, ...]:
    """Find or create the pathways' routing rules for the meeting types configured; returns every
    active rule for those types (an administrator's own among them), as the agenda reads them."""
    configured = {kind.code for kind in meeting_types}
    existing = {name for (name,) in sink.execute("SELECT name FROM pathway_rule")}
    new = [(next_id("pathway_rule"), name, type_code, min_age, None, categories, None, None, True, created_at, None,
            created_at, 1)
           for name, type_code, min_age, categories in PATHWAY_RULES
           if type_code in configured and name not in existing]
    sink.write("pathway_rule", ("id", "name", "meeting_type", "min_age", "max_age", "concern_categories",
                                "source_codes", "locality_id", "active", "created_at", "created_by_id", "updated_at",
                                "version"), new)
    rules = []
    for type_code, min_age, max_age, categories, sources, locality_id, active in sink.execute(
            "SELECT meeting_type, min_age, max_age, concern_categories, source_codes, locality_id, active "
            "FROM pathway_rule ORDER BY id"):
        if active and type_code in configured:
            rules.append(RoutingRule(meeting_type=type_code, min_age=min_age, max_age=max_age,
                                     categories=frozenset(filter(None, (categories or "").split(","))),
                                     source_codes=frozenset(filter(None, (sources or "").split(","))),
                                     locality_id=locality_id))
    return tuple(rules)
