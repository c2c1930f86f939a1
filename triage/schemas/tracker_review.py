"""The tracker import's review list: imported cases a manager should look at."""
from marshmallow import Schema, fields, validate

from triage.domain.codes import AssessmentOutcome
from triage.domain.tracker import REVIEW_KINDS
from triage.schemas.common import AwareDateTime


class ReviewListArgs(Schema):
    resolved = fields.Boolean(load_default=False, metadata={"description": "true: those already reviewed"})


class ReviewItemSchema(Schema):
    id = fields.Integer()
    referral_id = fields.Integer()
    child_id = fields.Integer()
    child_name = fields.String()
    council_child_id = fields.String(allow_none=True)
    referral_date = fields.Date()
    row_number = fields.Integer(metadata={"description": "The row in the file that first imported it"})
    kinds = fields.List(fields.String(validate=validate.OneOf(list(REVIEW_KINDS))), metadata={
        "description": "Why: " + "; ".join(f"{k}: {v}" for k, v in REVIEW_KINDS.items())})
    message = fields.String(metadata={"description": "The import's warnings for the row"})
    noted_completion = fields.Date(allow_none=True, metadata={
        "description": "The completion date the tracker gave and the import did not use"})
    needs_outcome = fields.Boolean(metadata={"description": "Resolve it by recording the outcome"})
    created_at = AwareDateTime()
    resolved_at = AwareDateTime(allow_none=True)
    resolution = fields.String(allow_none=True)


class ResolveSchema(Schema):
    outcome = fields.String(load_default=None, allow_none=True,
                            validate=validate.OneOf([o.value for o in AssessmentOutcome]),
                            metadata={"description": "Needed when the item is outcome_needed: the assessment "
                                                     "is then authorised on the tracker's completion date"})
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=250))


class ResolvedSchema(Schema):
    id = fields.Integer()
    referral_id = fields.Integer()
    resolved_at = AwareDateTime()
    resolution = fields.String()
