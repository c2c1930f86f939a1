from flask.views import MethodView
from flask_smorest import Blueprint

from triage.auth import current_actor, roles_required
from triage.clock import utcnow
from triage.schemas.my_work import MyWorkSchema
from triage.schemas.people import MeSchema
from triage.services.my_work import my_work

blp = Blueprint("me", __name__, url_prefix="/api/v1/me", description="Who the caller is")


@blp.route("")
class Me(MethodView):
    decorators = [roles_required()]

    @blp.response(200, MeSchema)
    def get(self):
        actor = current_actor()
        return {"principal": actor.label, "role": actor.role.value,
                "role_label": actor.role.label, "agency_id": actor.agency_id}


@blp.route("/work")
class MyWork(MethodView):
    decorators = [roles_required()]

    @blp.response(200, MyWorkSchema)
    def get(self):
        """The caller's work in numbers: unread notifications, the queue, their cases, their team,
        requests awaiting their agency, the latest morning report; a part is null where the role has none."""
        return my_work(current_actor(), utcnow())
