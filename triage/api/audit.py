from flask.views import MethodView
from flask_smorest import Blueprint

from triage.auth import current_actor, roles_required
from triage.clock import utcnow
from triage.schemas.people import AuditEventSchema, TrailArgs
from triage.services import audit

blp = Blueprint("audit", __name__, url_prefix="/api/v1/audit",
                description="The audit trail of a child's record or of a user (managers, administrators)")


@blp.route("/children/<int:child_id>")
class ChildTrail(MethodView):
    decorators = [roles_required(*audit.TRAIL_READERS)]

    @blp.arguments(TrailArgs, location="query")
    @blp.response(200, AuditEventSchema(many=True))
    def get(self, args, child_id):
        """Newest first, 100 at a time; page back with before_id"""
        return audit.child_trail(current_actor(), utcnow(), child_id, before_id=args.get("before_id"))


@blp.route("/users/<int:user_id>")
class UserTrail(MethodView):
    decorators = [roles_required(*audit.TRAIL_READERS)]

    @blp.arguments(TrailArgs, location="query")
    @blp.response(200, AuditEventSchema(many=True))
    def get(self, args, user_id):
        """Newest first, 100 at a time; page back with before_id"""
        return audit.user_trail(current_actor(), utcnow(), user_id, before_id=args.get("before_id"))
