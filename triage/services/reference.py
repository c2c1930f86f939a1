"""Reference data every deployment needs: the agencies that share information at the Front Door,
and the council's localities and teams; the lists forms and partner systems choose from."""
from __future__ import annotations

from sqlalchemy import select

from triage.domain.codes import AgencyKind
from triage.extensions import db
from triage.models import Agency, Locality, Team
from triage.services.unit_of_work import unit_of_work


@unit_of_work("agency")
def ensure_agencies() -> list[Agency]:
    """One agency per kind, created if missing; safe to run any number of times."""
    existing = {a.code: a for a in db.session.scalars(select(Agency))}
    for kind in AgencyKind:
        if kind.value not in existing:
            agency = Agency(code=kind.value, name=kind.label, kind=kind.value)
            db.session.add(agency)
            existing[kind.value] = agency
    return list(existing.values())


@unit_of_work("locality")
def ensure_locality(name: str) -> Locality:
    locality = db.session.scalar(select(Locality).where(Locality.name == name))
    if locality is None:
        locality = Locality(name=name)
        db.session.add(locality)
    return locality


@unit_of_work("team")
def ensure_team(name: str, locality: Locality | None = None) -> Team:
    team = db.session.scalar(select(Team).where(Team.name == name))
    if team is None:
        team = Team(name=name, locality_id=locality.id if locality else None)
        db.session.add(team)
    return team


def list_localities() -> list[Locality]:
    return list(db.session.scalars(select(Locality).order_by(Locality.name)))


def list_teams() -> list[Team]:
    return list(db.session.scalars(select(Team).order_by(Team.name)))


def list_agencies() -> list[Agency]:
    return list(db.session.scalars(select(Agency).order_by(Agency.name)))
