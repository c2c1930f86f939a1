"""Contacts through the API: intake (people and partner systems), each step from screening to
decision, and the referrals a decision made. One service call per route."""
from flask import jsonify, request
from flask.views import MethodView
from flask_smorest import Blueprint

from triage.auth import current_actor, roles_required
from triage.clock import utcnow
from triage.domain.contact_states import DECIDERS, INTAKE, SCREENERS, STAFF
from triage.domain.roles import Role
from triage.schemas import contacts as s
from triage.services import contacts
from triage.services import information_requests as requests_service
from triage.services.referrals import referrals_for_contact

blp = Blueprint("contacts", __name__, url_prefix="/api/v1/contacts",
                description="Contacts from intake to decision. Every read and write is audited.")

@blp.route("")
class Contacts(MethodView):
    decorators = [roles_required(*INTAKE)]

    @blp.arguments(s.ContactCreateSchema())  # one instance: a class is built (nested schemas too) per request
    @blp.response(201, s.ContactReceiptSchema)
    @blp.alt_response(200, schema=s.ContactReceiptSchema,
                      description="A retry (same Idempotency-Key or partner_reference, same body): the original contact")
    @blp.doc(parameters=[{
        "in": "header", "name": contacts.IDEMPOTENCY_KEY_HEADER,
        "schema": {"type": "string", "minLength": 1, "maxLength": contacts.IDEMPOTENCY_KEY_MAX},
        "description": "Retrying with the same key and body returns the first result (200), whichever of your "
                       "agency's tokens sends it; the same key with a different body is a 409. Trimmed; a blank "
                       f"or longer than {contacts.IDEMPOTENCY_KEY_MAX} characters is a 422 naming the header"}])
    def post(self, data):
        """Record a contact (page users and partner systems such as police notification feeds)"""
        receipt, created = contacts.receive_contact(current_actor(), utcnow(), data,
                                                    idempotency_key=request.headers.get(contacts.IDEMPOTENCY_KEY_HEADER))
        return receipt, 201 if created else 200


@blp.route("/batch")
class ContactBatch(MethodView):
    decorators = [roles_required(*contacts.FEEDS)]

    @blp.arguments(s.BatchSchema())
    @blp.response(200, s.BatchResultSchema)
    def post(self, data):
        """Record up to 500 contacts from a partner system's feed in one request, each with its own
        idempotency key and its own answer: created, replayed, or refused with the fields to correct"""
        items = [contacts.BatchItem(*s.load_batch_item(raw)) for raw in data["contacts"]]
        return contacts.receive_batch(current_actor(), utcnow(), items)


@blp.route("/<int:contact_id>")
class ContactResource(MethodView):
    decorators = [roles_required(*STAFF, Role.PARTNER)]

    @blp.response(200, s.ContactSchema)
    # Two views under one status: the document says "either", not the partner view alone (an
    # alt_response with the same status replaced the staff view in the document).
    @blp.doc(responses={"200": {
        "description": "The contact as staff see it, or what a partner agency sees of it",
        "content": {"application/json": {"schema": {"anyOf": [
            {"$ref": "#/components/schemas/Contact"}, {"$ref": "#/components/schemas/PartnerContact"}]}}}}})
    def get(self, contact_id):
        """Read a contact (partners: only contacts that asked something of their agency)"""
        actor = current_actor()
        if actor.role is Role.PARTNER:
            contact = requests_service.contact_for_partner(actor, utcnow(), contact_id)
            return jsonify(s.PartnerContactSchema().dump(contact))  # a Response skips ContactSchema
        return contacts.get_contact(actor, utcnow(), contact_id)


def _action(path, schema, roles, call, doc):
    """One POST endpoint per step: load the body, call the service, return the contact."""

    @blp.route(f"/<int:contact_id>/{path}", endpoint=path.replace("-", "_"))
    class Step(MethodView):
        decorators = [roles_required(*roles)]

        @blp.arguments(schema)
        @blp.response(200, s.ContactSchema)
        def post(self, data, contact_id):
            return call(current_actor(), utcnow(), contact_id, data)

    Step.post.__doc__ = doc
    return Step


_action("screening", s.VersionSchema, SCREENERS,
        lambda a, n, cid, d: contacts.start_screening(a, n, cid, d["version"]),
        "Start screening the contact")
_action("rag", s.RagSchema, SCREENERS,
        lambda a, n, cid, d: contacts.set_rag(a, n, cid, d["rag"], d["reason"], d["version"]),
        "Set or change the RAG rating, with a reason (every change is kept)")
_action("consent", s.ConsentSchema, SCREENERS,
        lambda a, n, cid, command: contacts.record_consent(a, n, cid, command),
        "Record or correct the consent position (before asking partners)")
_action("put-forward", s.PutForwardSchema, SCREENERS,
        lambda a, n, cid, d: contacts.put_forward(a, n, cid, d["put_forward"], d["version"]),
        "Put the contact forward to the next multi-agency triage meeting")
_action("recommendation", s.RecommendationSchema, SCREENERS,
        lambda a, n, cid, d: contacts.recommend(a, n, cid, d["outcome"], d["rationale"], d["version"]),
        "Recommend an outcome to the manager")
_action("decision", s.DecisionSchema, DECIDERS,
        lambda a, n, cid, command: contacts.record_decision(a, n, cid, command),
        "Decide (Front Door managers): an outcome and rationale for every child")
_action("acknowledgement", s.VersionSchema, STAFF,
        lambda a, n, cid, d: contacts.acknowledge(a, n, cid, d["version"]),
        "Record that the referrer was acknowledged")
_action("feedback", s.FeedbackSchema, STAFF,
        lambda a, n, cid, d: contacts.record_feedback(a, n, cid, d["note"], d["version"]),
        "Record that the outcome was fed back to the referrer")


@blp.route("/<int:contact_id>/information-requests")
class ContactRequests(MethodView):
    decorators = [roles_required(*SCREENERS)]

    @blp.arguments(s.RequestInformationSchema)
    @blp.response(201, s.RequestSummarySchema(many=True))
    def post(self, data, contact_id):
        """Ask partner agencies what they hold (needs a RAG rating, and consent where required)"""
        return requests_service.request_information(current_actor(), utcnow(), contact_id,
                                                    data["agencies"], data["question"], data["version"])


@blp.route("/<int:contact_id>/referrals")
class ContactReferrals(MethodView):
    decorators = [roles_required(*STAFF)]

    @blp.response(200, s.ReferralSchema(many=True))
    def get(self, contact_id):
        """Referrals the decision created"""
        return referrals_for_contact(current_actor(), utcnow(), contact_id)


@blp.route("/<int:contact_id>/open-cases")
class ContactOpenCases(MethodView):
    decorators = [roles_required(*STAFF)]

    @blp.response(200, s.ReferralSchema(many=True))
    def get(self, contact_id):
        """The open cases of the children the contact names: a decision of `add_to_open_case` adds the
        contact to the child's case instead of making a second referral"""
        return contacts.read_open_cases(current_actor(), utcnow(), contact_id)
