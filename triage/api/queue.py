"""The queue through the API: contacts awaiting decision, and how many are in each clock state."""
from flask.views import MethodView
from flask_smorest import Blueprint

from triage.auth import current_actor, roles_required
from triage.clock import utcnow
from triage.domain.contact_states import STAFF
from triage.schemas.contacts import QueueArgs, QueueCountsSchema, QueueItemSchema
from triage.services import queue

blp = Blueprint("queue", __name__, url_prefix="/api/v1/queue",
                description="Contacts awaiting decision: breached first, then by time left")


@blp.route("")
class Queue(MethodView):
    decorators = [roles_required(*STAFF)]

    @blp.arguments(QueueArgs, location="query")
    @blp.response(200, QueueItemSchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """The queue, filtered by RAG, source, locality, team or an agency whose answer is awaited"""
        result = queue.awaiting_decision(current_actor(), utcnow(), queue.QueueFilters(**args),
                                         page=pagination_parameters.page,
                                         per_page=pagination_parameters.page_size)
        pagination_parameters.item_count = result.total
        return result.items


@blp.route("/counts")
class QueueCounts(MethodView):
    decorators = [roles_required(*STAFF)]

    @blp.arguments(QueueArgs, location="query")
    @blp.response(200, QueueCountsSchema)
    def get(self, args):
        """How many contacts await decision by decision clock (breached, due soon, running), filtered as the queue"""
        return queue.queue_counts(current_actor(), utcnow(), queue.QueueFilters(**args))
