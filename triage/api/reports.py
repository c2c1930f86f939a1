"""The morning report over the API: a morning's report (optionally narrowed), builds, history."""
from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from triage.auth import current_actor, roles_required
from triage.clock import local_date, utcnow
from triage.schemas.reports import MorningReportArgs, MorningReportSchema, ReportListItemSchema
from triage.services.report.build import build_on_demand
from triage.services.report.reading import READERS, list_reports, read_report

blp = Blueprint("reports", __name__, url_prefix="/api/v1/reports",
                description="The morning timescale report: stored whole each morning, never changed")


@blp.route("/morning")
class MorningReport(MethodView):
    decorators = [roles_required(*READERS)]

    @blp.arguments(MorningReportArgs, location="query")
    @blp.response(200, MorningReportSchema)
    def get(self, args):
        """A morning's report (the latest build unless a version is given), optionally narrowed"""
        now = utcnow()
        served = read_report(current_actor(), now, args.get("date") or local_date(now), args.get("version"),
                             args.get("team_id"), args.get("locality_id"), served_as="json")
        about = {"report_date": served.report_date, "version": served.version, "built_at": served.built_at,
                 "trigger": served.trigger, "built_by": served.built_by}
        if served.text is not None:
            # The whole report as stored: its text is sent as it is, never re-encoded.
            head = MorningReportSchema(exclude=("content",)).dumps(about)
            return Response(head[:-1] + ',"content":' + served.text + "}", mimetype="application/json")
        return {**about, "content": served.content}

    @blp.response(201, ReportListItemSchema)
    def post(self):
        """Build this morning's report now; kept beside earlier builds as a new version"""
        return build_on_demand(current_actor(), utcnow())


@blp.route("/morning/history")
class History(MethodView):
    decorators = [roles_required(*READERS)]

    @blp.response(200, ReportListItemSchema(many=True))
    def get(self):
        """Past reports, newest first"""
        return list_reports(current_actor())
