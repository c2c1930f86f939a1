"""Fixtures shared by the service tests of cases: a team, its manager, a worker and an ERA."""
import pytest

from triage.extensions import db
from triage.services.reference import ensure_team


@pytest.fixture
def staff(make_user, actor_for):
    team = ensure_team("Front Door assessment North")
    manager = make_user("manager")
    worker = make_user("practitioner")
    worker.manager_id, worker.team_id = manager.id, team.id
    db.session.commit()
    return {"manager": actor_for(manager), "worker": actor_for(worker), "era": actor_for(make_user("era")),
            "team": team, "worker_user": worker}
