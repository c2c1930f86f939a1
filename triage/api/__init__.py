"""JSON API under /api/v1: load with a schema, call one service, dump."""
from flask import Flask

from triage.api import (
    audit,
    cases,
    children,
    contacts,
    feedback,
    health,
    information_requests,
    me,
    meetings,
    notifications,
    out_of_hours,
    queue,
    reference,
    reports,
    retention,
    tracker_review,
)
from triage.converters import IsoDateConverter
from triage.extensions import api, csrf

PAGINATION_HEADER = {
    "description": "Pagination, as a JSON object in the header's text: total, total_pages, first_page, "
                   "last_page, page, and previous_page / next_page where there is one",
    "schema": {"type": "string"},
    "example": '{"total": 42, "total_pages": 2, "first_page": 1, "last_page": 2, "page": 1, "next_page": 2}',
}


def register(app: Flask) -> None:
    app.url_map.converters["isodate"] = IsoDateConverter
    api.register_converter(IsoDateConverter, lambda _: {"type": "string", "format": "date"})

    # X-Pagination holds JSON text: say so. flask-smorest documents it as an object, which no
    # header can be, so clients and schema checkers reading the document were misled.
    api.spec.components.header("PAGINATION", PAGINATION_HEADER, lazy=True)

    app.register_blueprint(health.bp)
    for module in (me, children, contacts, queue, information_requests, reference, audit, reports,
                   meetings):
        # CSRF is checked in triage.security for cookie-authenticated API calls only.
        csrf.exempt(module.blp)
        api.register_blueprint(module.blp)
    # Referrals, assessments and oversight; notifications; the tracker import's review list; retention.
    # Referrer feedback and the out-of-hours handover.
    for blueprint in (*cases.BLUEPRINTS, notifications.blp, tracker_review.blp, retention.blp,
                      feedback.blp, out_of_hours.blp):
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint)
