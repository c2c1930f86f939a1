"""The caller's own notifications: clocks on their cases that are due soon or breached, in plain
words with the record each is about."""
from flask.views import MethodView
from flask_smorest import Blueprint

from triage.auth import current_actor, roles_required
from triage.clock import utcnow
from triage.schemas.notifications import NotificationArgs, NotificationSchema
from triage.services import inbox

blp = Blueprint("notifications", __name__, url_prefix="/api/v1/notifications",
                description="Your notifications, newest first (people only: a token has none)")


@blp.route("")
class Notifications(MethodView):
    decorators = [roles_required()]

    @blp.arguments(NotificationArgs, location="query")
    @blp.response(200, NotificationSchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """Your notifications; `unread=true` for those not yet read"""
        page = inbox.notices_for(current_actor(), utcnow(), unread_only=args["unread"],
                                 page=pagination_parameters.page, per_page=pagination_parameters.page_size)
        pagination_parameters.item_count = page.total
        return page.items


@blp.route("/<int:notification_id>/read")
class MarkRead(MethodView):
    decorators = [roles_required()]

    @blp.response(200, NotificationSchema)
    def post(self, notification_id):
        """Mark one of your notifications as read"""
        return inbox.open_notice(current_actor(), utcnow(), notification_id)
