"""Feedback to referrers over the API: send, list what was sent, the council's wording, and
who a token acts for."""
from dataclasses import asdict

from flask.views import MethodView
from flask_smorest import Blueprint

from triage.auth import current_actor, roles_required
from triage.clock import utcnow
from triage.models.feedback import FeedbackKind, FeedbackMethod
from triage.schemas import feedback as s
from triage.services import feedback, token_holders
from triage.services.errors import Invalid
from triage.settings import front_door_settings

blp = Blueprint("referrer_feedback", __name__, url_prefix="/api/v1",
                description="Acknowledgement and decision feedback to referrers, by email or letter. Audited.")


def _sent(sent) -> dict:
    data = {name: getattr(sent, name) for name in s.SentSchema().fields if name != "delivery"}
    return {**data, "delivery": feedback.delivery(sent)}


def _wording(words) -> dict:
    return {**asdict(words), "kind": words.kind.value, "placeholders": feedback.placeholders(words.kind)}


@blp.route("/contacts/<int:contact_id>/referrer-feedback")
class ContactFeedback(MethodView):
    decorators = [roles_required(*feedback.SENDERS)]

    @blp.response(200, s.SentSchema(many=True))
    @blp.paginate()
    def get(self, contact_id, pagination_parameters):
        """What the contact's referrer has been sent, newest first"""
        _, page = feedback.sends_for(current_actor(), utcnow(), contact_id, pagination_parameters.page,
                                     pagination_parameters.page_size)
        pagination_parameters.item_count = page.total
        return [_sent(sent) for sent in page.items]

    @blp.arguments(s.SendSchema)
    @blp.response(201, s.SentSchema)
    def post(self, data, contact_id):
        """Send an acknowledgement or the decision to the referrer; the first acknowledgement meets its clock"""
        sent = feedback.send(current_actor(), utcnow(), contact_id, FeedbackKind(data["kind"]),
                             FeedbackMethod(data["method"]), data["version"], front_door_settings().council_name,
                             data["email"])
        return _sent(sent)


@blp.route("/feedback-wording")
class Wordings(MethodView):
    decorators = [roles_required(*feedback.EDITORS)]

    @blp.response(200, s.WordingSchema(many=True))
    def get(self):
        """The wording for each kind of feedback, and the placeholders it may use"""
        return [_wording(words) for words in feedback.all_wording()]


@blp.route("/feedback-wording/<kind>")
class Wording(MethodView):
    decorators = [roles_required(*feedback.EDITORS)]

    @blp.arguments(s.WordingUpdateSchema)
    @blp.response(200, s.WordingSchema)
    def put(self, data, kind):
        """Change the council's wording (managers and administrators)"""
        return _wording(feedback.save_wording(current_actor(), utcnow(), _kind(kind), data["subject"],
                                              data["body"], data["version"]))


@blp.route("/tokens/<int:token_id>/holder")
class TokenHolder(MethodView):
    decorators = [roles_required(*token_holders.NAMERS)]

    @blp.arguments(s.HolderSchema)
    @blp.response(200, s.TokenHolderSchema)
    def put(self, data, token_id):
        """Name the person a token acts for: what it records is signed with their name"""
        return token_holders.name_holder(current_actor(), utcnow(), token_id, data["holder"])


def _kind(text: str) -> FeedbackKind:
    try:
        return FeedbackKind(text)
    except ValueError:
        raise Invalid("No such kind of feedback", {"kind": ["acknowledgement or decision"]}) from None
