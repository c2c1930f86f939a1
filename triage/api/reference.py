"""Reference lists for forms and partner systems: agencies, teams, localities, codes, closure days."""
from flask.views import MethodView
from flask_smorest import Blueprint

from triage.auth import current_actor, roles_required
from triage.clock import utcnow
from triage.domain.codes import ReferralSource
from triage.domain.roles import Role
from triage.schemas.reference import (
    AgencySchema,
    ClosureChangeSchema,
    ClosureDaySchema,
    CodeSchema,
    LocalitySchema,
    TeamSchema,
)
from triage.services import calendar, reference

blp = Blueprint("reference", __name__, url_prefix="/api/v1/reference",
                description="Agencies, teams, localities, codes and closure days")


@blp.route("/agencies")
class Agencies(MethodView):
    decorators = [roles_required()]

    @blp.response(200, AgencySchema(many=True))
    def get(self):
        return reference.list_agencies()


@blp.route("/localities")
class Localities(MethodView):
    decorators = [roles_required()]

    @blp.response(200, LocalitySchema(many=True))
    def get(self):
        return reference.list_localities()


@blp.route("/teams")
class Teams(MethodView):
    decorators = [roles_required()]

    @blp.response(200, TeamSchema(many=True))
    def get(self):
        return reference.list_teams()


@blp.route("/referral-sources")
class ReferralSources(MethodView):
    decorators = [roles_required()]

    @blp.response(200, CodeSchema(many=True))
    def get(self):
        """The DfE Children in Need census referral source codes"""
        return [{"code": s.value, "label": s.label} for s in ReferralSource]


@blp.route("/closure-days")
class ClosureDays(MethodView):
    decorators = [roles_required()]

    @blp.response(200, ClosureDaySchema(many=True))
    def get(self):
        """Days the council is closed, besides weekends and bank holidays"""
        return calendar.list_closure_days()

    @blp.arguments(ClosureDaySchema)
    @blp.response(201, ClosureChangeSchema)
    def post(self, data):
        """Add a closure day (administrators); running working-day clocks across it move, listed"""
        return calendar.add_closure_day(current_actor(), utcnow(), data["day"], data["reason"])


@blp.route("/closure-days/<isodate:day>")
class ClosureDayResource(MethodView):
    decorators = [roles_required(Role.ADMIN)]

    @blp.response(200, ClosureChangeSchema)
    def delete(self, day):
        """Remove a closure day (administrators); the running clocks it moves back are listed"""
        return calendar.remove_closure_day(current_actor(), utcnow(), day)
