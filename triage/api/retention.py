"""Retention: the monthly review list, legal holds and erasure (Front Door managers).

Each endpoint loads with a schema, calls one service and dumps; every read and write is audited.
"""
from flask.views import MethodView
from flask_smorest import Blueprint

from triage.auth import current_actor, roles_required
from triage.clock import utcnow
from triage.schemas import retention as s
from triage.services import retention
from triage.services.retention import RETENTION_ROLES

blp = Blueprint("retention", __name__, url_prefix="/api/v1/retention",
                description="Retention of children's records: review, legal holds, erasure. Every read and write "
                            "is audited.")


@blp.route("/review")
class ReviewList(MethodView):
    decorators = [roles_required(*RETENTION_ROLES)]

    @blp.response(200, s.RetentionReviewEntrySchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """Children whose records fall due by the end of this month and no hold protects, soonest first"""
        found = retention.review(current_actor(), utcnow(), page=pagination_parameters.page,
                                 per_page=pagination_parameters.page_size)
        pagination_parameters.item_count = found.total
        return found.items


@blp.route("/holds")
class StandingHolds(MethodView):
    decorators = [roles_required(*RETENTION_ROLES)]

    @blp.response(200, s.LegalHoldSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """Legal holds standing now, oldest first"""
        found = retention.active_holds(current_actor(), utcnow(), page=pagination_parameters.page,
                                       per_page=pagination_parameters.page_size)
        pagination_parameters.item_count = found.total
        return found.items


@blp.route("/children/<int:child_id>")
class ChildRetention(MethodView):
    decorators = [roles_required(*RETENTION_ROLES)]

    @blp.response(200, s.ChildRetentionSchema)
    def get(self, child_id):
        """When a child's records fall due and why, their legal holds, and any erasure"""
        return retention.child_retention(current_actor(), utcnow(), child_id)


@blp.route("/children/<int:child_id>/holds")
class Holds(MethodView):
    decorators = [roles_required(*RETENTION_ROLES)]

    @blp.arguments(s.PlaceHoldSchema)
    @blp.response(201, s.LegalHoldSchema)
    @blp.alt_response(409, description="A hold already stands, or the records were erased")
    def post(self, data, child_id):
        """Place a legal hold: nothing is erased while it stands"""
        return retention.place_hold(current_actor(), utcnow(), child_id, data["reason"])


@blp.route("/holds/<int:hold_id>/lift")
class LiftHold(MethodView):
    decorators = [roles_required(*RETENTION_ROLES)]

    @blp.arguments(s.LiftHoldSchema)
    @blp.response(200, s.LegalHoldSchema)
    @blp.alt_response(409, description="The hold changed since you read it, or was already lifted")
    def post(self, data, hold_id):
        """Lift a legal hold, saying why; the hold stays on record"""
        return retention.lift_hold(current_actor(), utcnow(), hold_id, data["reason"], data["version"])


@blp.route("/children/<int:child_id>/erase")
class Erase(MethodView):
    decorators = [roles_required(*RETENTION_ROLES)]

    @blp.arguments(s.EraseSchema)
    @blp.response(200, s.RetentionErasureSchema)
    @blp.alt_response(409, description="Changed since you read it, on hold, not yet due, or already erased")
    def post(self, data, child_id):
        """Erase the child's personal data (the manager confirms); dates and codes stay for the returns"""
        return retention.erase_child(current_actor(), utcnow(), child_id, data["version"])
