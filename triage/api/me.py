from flask.views import MethodView
from flask_smorest import Blueprint

from triage.auth import current_actor, roles_required
from triage.schemas.people import MeSchema

blp = Blueprint("me", __name__, url_prefix="/api/v1/me", description="Who the caller is")


@blp.route("")
class Me(MethodView):
    decorators = [roles_required()]

    @blp.response(200, MeSchema)
    def get(self):
        actor = current_actor()
        return {"principal": actor.label, "role": actor.role.value,
                "role_label": actor.role.label, "agency_id": actor.agency_id}
