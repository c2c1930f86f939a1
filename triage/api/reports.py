from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from triage.auth import current_actor, roles_required
from triage.clock import local_date, utcnow
from triage.schemas.reports import MorningReportArgs, MorningReportSchema, ReportListItemSchema
from triage.services import morning_report, report_audit, report_privacy

blp = Blueprint("reports", __name__, url_prefix="/api/v1/reports",
                description="The morning timescale report: stored whole each morning, never changed")


@blp.route("/morning")
class MorningReport(MethodView):
    decorators = [roles_required(*morning_report.READERS)]

    @blp.arguments(MorningReportArgs, location="query")
    @blp.response(200, MorningReportSchema)
    def get(self, args):
        """A morning's report (the latest build unless a version is given), optionally narrowed"""
        now, actor = utcnow(), current_actor()
        report = morning_report.get_report(actor, now, args.get("date") or local_date(now), args.get("version"))
        about = {"report_date": report.report_date, "version": report.version, "built_at": report.built_at,
                 "trigger": report.trigger, "built_by": report.built_by}
        team_id, locality_id = args.get("team_id"), args.get("locality_id")
        if not (team_id or locality_id) and report_privacy.sees_names(actor):
            # The whole report as stored: its text is sent as it is, never re-encoded; it is
            # parsed once only to audit each child it names.
            report_audit.record_shown(actor, now, report, report.content, "json")
            head = MorningReportSchema(exclude=("content",)).dumps(about)
            return Response(head[:-1] + ',"content":' + report.body + "}", mimetype="application/json")
        content = report_privacy.for_reader(actor, morning_report.filtered(report.content, team_id, locality_id))
        report_audit.record_shown(actor, now, report, content, "json")
        return {**about, "content": content}

    @blp.response(201, ReportListItemSchema)
    def post(self):
        """Build this morning's report now; kept beside earlier builds as a new version"""
        return morning_report.build_on_demand(current_actor(), utcnow())


@blp.route("/morning/history")
class History(MethodView):
    decorators = [roles_required(*morning_report.READERS)]

    @blp.response(200, ReportListItemSchema(many=True))
    def get(self):
        """Past reports, newest first"""
        return morning_report.list_reports(current_actor())
