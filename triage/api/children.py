from flask import redirect, url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from triage.auth import current_actor, roles_required
from triage.clock import utcnow
from triage.schemas.children import (
    ChildCreateSchema,
    ChildMergeSchema,
    ChildSchema,
    ChildSearchArgs,
    ChildUpdateSchema,
    ChronologyArgs,
    ChronologyEventSchema,
    MergeSchema,
)
from triage.services import child_merge, children, chronology
from triage.services.children import CHILD_RECORD_ROLES

blp = Blueprint("children", __name__, url_prefix="/api/v1/children",
                description="Child records. Every read and write is audited.")


@blp.route("")
class Children(MethodView):
    decorators = [roles_required(*CHILD_RECORD_ROLES)]

    @blp.arguments(ChildSearchArgs, location="query")
    @blp.response(200, ChildSchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """Search by name, date of birth, NHS number or child id"""
        page = children.search_children(
            current_actor(), utcnow(), children.ChildSearch(**args),
            page=pagination_parameters.page, per_page=pagination_parameters.page_size)
        pagination_parameters.item_count = page.total
        return page.items

    @blp.arguments(ChildCreateSchema)
    @blp.response(201, ChildSchema)
    @blp.alt_response(409, description="A possible match exists; confirm with confirmed_new")
    def post(self, data):
        """Record a new child"""
        confirmed = data.pop("confirmed_new", False)
        return children.create_child(current_actor(), utcnow(), data, confirmed_new=confirmed)


@blp.route("/<int:child_id>")
class ChildResource(MethodView):
    decorators = [roles_required(*CHILD_RECORD_ROLES)]

    @blp.response(200, ChildSchema)
    @blp.alt_response(301, description="The record was merged into another: Location names the record kept")
    def get(self, child_id):
        """Read a child's record"""
        child = children.get_child(current_actor(), utcnow(), child_id)
        if child.is_tombstone:
            return redirect(url_for("children.ChildResource", child_id=child.merged_into_id), 301)
        return child

    @blp.arguments(ChildUpdateSchema)
    @blp.response(200, ChildSchema)
    def patch(self, data, child_id):
        """Correct a child's record (optimistic locking on `version`)"""
        version = data.pop("version")
        return children.update_child(current_actor(), utcnow(), child_id, data, version)


@blp.route("/<int:child_id>/chronology")
class ChildChronology(MethodView):
    decorators = [roles_required(*CHILD_RECORD_ROLES)]

    @blp.arguments(ChronologyArgs, location="query")
    @blp.response(200, ChronologyEventSchema(many=True))
    @blp.paginate()
    def get(self, args, child_id, pagination_parameters):
        """Every event about the child in time order, oldest first (audited as a read of the child)"""
        kinds = frozenset(chronology.EventKind(k) for k in args.get("kind") or ())
        _, page = chronology.read_chronology(current_actor(), utcnow(), child_id, kinds or None,
                                             page=pagination_parameters.page,
                                             per_page=pagination_parameters.page_size)
        pagination_parameters.item_count = page.total
        return page.items


@blp.route("/<int:child_id>/merge")
class ChildMerge(MethodView):
    decorators = [roles_required(*child_merge.MERGERS)]

    @blp.arguments(MergeSchema)
    @blp.response(201, ChildMergeSchema)
    @blp.alt_response(409, description="A stale version, a record already merged, or both on one contact")
    def post(self, data, child_id):
        """Merge a duplicate record into this one (managers); undoable by an administrator for 30 days"""
        return child_merge.merge(current_actor(), utcnow(), child_id, data["duplicate_id"], data["version"],
                                 frozenset(data["take"]))


@blp.route("/merges/<int:merge_id>/undo")
class ChildMergeUndo(MethodView):
    decorators = [roles_required(*child_merge.UNDOERS)]

    @blp.response(200, ChildMergeSchema)
    @blp.alt_response(409, description="Already undone, or made more than 30 days ago")
    def post(self, merge_id):
        """Undo a merge: both records as they were, the duplicate's rows moved back (administrators)"""
        return child_merge.undo(current_actor(), utcnow(), merge_id)
