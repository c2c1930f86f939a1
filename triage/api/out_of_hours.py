"""The out-of-hours handover over the API: the list the morning Front Door works through, and
accepting an item from it."""
from flask.views import MethodView
from flask_smorest import Blueprint

from triage.auth import current_actor, roles_required
from triage.clock import utcnow
from triage.schemas.out_of_hours import AcceptSchema, HandoverArgs, HandoverItemSchema
from triage.services import out_of_hours
from triage.services.calendar import working_day_calendar
from triage.settings import front_door_settings

blp = Blueprint("out_of_hours", __name__, url_prefix="/api/v1/out-of-hours",
                description="Contacts the Emergency Duty Team logged while the Front Door was closed, "
                            "for the morning to accept one by one. Audited.")


def _hours() -> out_of_hours.Hours:
    return out_of_hours.hours_from(front_door_settings(), working_day_calendar())


@blp.route("/handover")
class Handover(MethodView):
    decorators = [roles_required(*out_of_hours.STAFF)]

    @blp.arguments(HandoverArgs, location="query")
    @blp.response(200, HandoverItemSchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """The handover list: waiting items oldest first; accepted or all by morning, newest first"""
        page = out_of_hours.handover_list(current_actor(), utcnow(), _hours(), args["state"], args["date"],
                                          pagination_parameters.page, pagination_parameters.page_size)
        pagination_parameters.item_count = page.total
        return page.items


@blp.route("/handover/<int:contact_id>/accept")
class Accept(MethodView):
    decorators = [roles_required(*out_of_hours.STAFF)]

    @blp.arguments(AcceptSchema)
    @blp.response(200, HandoverItemSchema)
    def post(self, data, contact_id):
        """Accept one contact from the EDT: records who and when; a second accept is a 409"""
        return out_of_hours.accept(current_actor(), utcnow(), _hours(), contact_id, data["version"])
