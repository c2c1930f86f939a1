"""The tracker import's review list (Front Door managers): doubtful imported cases to look at."""
from flask.views import MethodView
from flask_smorest import Blueprint

from triage.auth import current_actor, roles_required
from triage.clock import utcnow
from triage.schemas.tracker_review import ResolvedSchema, ResolveSchema, ReviewItemSchema, ReviewListArgs
from triage.services import tracker_import

blp = Blueprint("tracker_review", __name__, url_prefix="/api/v1/tracker-review",
                description="Cases imported from the old tracker that a manager should review")


@blp.route("")
class ReviewList(MethodView):
    decorators = [roles_required(*tracker_import.REVIEWERS)]

    @blp.arguments(ReviewListArgs, location="query")
    @blp.response(200, ReviewItemSchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """Imported cases to review, oldest first (`resolved=true` for those already reviewed)"""
        page = tracker_import.review_list(current_actor(), utcnow(), resolved=args["resolved"],
                                          page=pagination_parameters.page,
                                          per_page=pagination_parameters.page_size)
        pagination_parameters.item_count = page.total
        return page.items


@blp.route("/<int:item_id>/resolve")
class Resolve(MethodView):
    decorators = [roles_required(*tracker_import.REVIEWERS)]

    @blp.arguments(ResolveSchema)
    @blp.response(200, ResolvedSchema)
    def post(self, data, item_id):
        """Mark an item reviewed; an outcome_needed item needs the outcome, which authorises the assessment"""
        return tracker_import.resolve_review(current_actor(), utcnow(), item_id, data["outcome"], data["note"])
