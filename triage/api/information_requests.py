from flask.views import MethodView
from flask_smorest import Blueprint

from triage.auth import current_actor, roles_required
from triage.clock import utcnow
from triage.domain.roles import Role
from triage.schemas.contacts import AnswerSchema, InboxArgs, InformationRequestSchema
from triage.services import information_requests as service
from triage.services.contacts import SCREENERS

blp = Blueprint("information_requests", __name__, url_prefix="/api/v1/information-requests",
                description="Requests to partner agencies. Partners see only their own agency's.")

ROLES = (*SCREENERS, Role.PARTNER)


@blp.route("")
class Inbox(MethodView):
    decorators = [roles_required(*ROLES)]

    @blp.arguments(InboxArgs, location="query")
    @blp.response(200, InformationRequestSchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """Requests to your agency, soonest due first"""
        state = None if args["state"] == "all" else args["state"]
        result = service.requests_for(current_actor(), utcnow(), state=state,
                                      page=pagination_parameters.page,
                                      per_page=pagination_parameters.page_size)
        pagination_parameters.item_count = result.total
        return result.items


@blp.route("/<int:request_id>")
class RequestResource(MethodView):
    decorators = [roles_required(*ROLES)]

    @blp.response(200, InformationRequestSchema)
    def get(self, request_id):
        """One request, with what your agency needs to search its records"""
        return service.get_request(current_actor(), utcnow(), request_id)


@blp.route("/<int:request_id>/answer")
class Answer(MethodView):
    decorators = [roles_required(*ROLES)]

    @blp.arguments(AnswerSchema)
    @blp.response(200, InformationRequestSchema)
    def post(self, data, request_id):
        """Answer with what your agency holds; it stays marked as your agency's"""
        return service.answer_request(current_actor(), utcnow(), request_id, data["answer"],
                                      data.get("version"))


@blp.route("/<int:request_id>/withdraw")
class Withdraw(MethodView):
    decorators = [roles_required(*SCREENERS)]

    @blp.response(200, InformationRequestSchema)
    def post(self, request_id):
        """Withdraw an open request (no longer needed)"""
        return service.withdraw_request(current_actor(), utcnow(), request_id)
