import json

from marshmallow import Schema, ValidationError, fields, validate

from triage.domain.birth import OLDEST_APPROXIMATE_AGE, BirthDateStatus
from triage.domain.codes import CensusSex, Disability, Ethnicity, UpnUnknown, ethnicity_code, split_codes
from triage.schemas.common import AwareDateTime
from triage.services.children import EDITABLE, SEXES
from triage.services.chronology import EventKind

# The record's words, or the census codes M / F / U (stored as male / female / unknown).
SEX_VALUES = tuple(SEXES) + tuple(s.value for s in CensusSex)
ETHNICITY_VALUES = [e.value for e in Ethnicity]


def _ethnicity_known(value) -> None:
    if value is not None and ethnicity_code(value) is None:
        raise ValidationError(f"Must be one of the DfE ethnicity codes: {', '.join(ETHNICITY_VALUES)}")


class DisabilityCodes(fields.List):
    """A list of DfE disability codes (or ["NONE"]); stored comma separated."""

    def __init__(self, **kwargs):
        super().__init__(fields.String(validate=validate.OneOf([d.value for d in Disability])), **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return split_codes(value) if isinstance(value, str) else super()._serialize(value, attr, obj, **kwargs)


class ChildFieldsSchema(Schema):
    first_name = fields.String(validate=validate.Length(min=1, max=100))
    last_name = fields.String(validate=validate.Length(min=1, max=100))
    other_names = fields.String(allow_none=True, validate=validate.Length(max=200))
    date_of_birth = fields.Date(allow_none=True)
    expected_date_of_birth = fields.Date(allow_none=True)
    birth_date_status = fields.String(validate=validate.OneOf([s.value for s in BirthDateStatus]), metadata={
        "description": "known; approximate (an estimate, to confirm); or not_known (no date of birth yet, to "
                       "complete). Giving a date of birth without this marks it known"})
    approximate_age = fields.Integer(load_only=True, allow_none=True,
                                     validate=validate.Range(min=0, max=OLDEST_APPROXIMATE_AGE), metadata={
        "description": "Instead of a date of birth: the child's age in whole years, as far as it is known. "
                       "The record gets an estimated date of birth, marked approximate"})
    sex = fields.String(validate=validate.OneOf(SEX_VALUES), metadata={
        "description": "female, male, unknown or not_stated; or the census codes F, M, U"})
    ethnicity = fields.String(allow_none=True, validate=_ethnicity_known, metadata={
        "description": "A DfE ethnicity code (WBRI, WIRI, ... REFU, NOBT), or its label; stored as the code"})
    disabilities = DisabilityCodes(allow_none=True, metadata={
        "description": "DfE disability codes, or [\"NONE\"]; null when not yet known"})
    upn_unknown_reason = fields.String(allow_none=True, validate=validate.OneOf([u.value for u in UpnUnknown]))
    former_upn = fields.String(allow_none=True, validate=validate.Length(max=15))
    date_of_death = fields.Date(allow_none=True)
    address_line_1 = fields.String(allow_none=True, validate=validate.Length(max=200))
    address_line_2 = fields.String(allow_none=True, validate=validate.Length(max=200))
    town = fields.String(allow_none=True, validate=validate.Length(max=100))
    postcode = fields.String(allow_none=True, validate=validate.Length(max=10))
    locality_id = fields.Integer(allow_none=True)
    nhs_number = fields.String(allow_none=True, validate=validate.Length(max=14))
    upn = fields.String(allow_none=True, validate=validate.Length(max=15))
    council_child_id = fields.String(allow_none=True, validate=[
        validate.Length(max=20), validate.Regexp(r"^[A-Za-z0-9]*$", error="Letters and digits only")])


class ChildCreateSchema(ChildFieldsSchema):
    first_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    last_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    sex = fields.String(required=True, validate=validate.OneOf(SEX_VALUES))
    confirmed_new = fields.Boolean(load_default=False, metadata={
        "description": "Set true to create the record although a possible match was found"})


class ChildUpdateSchema(ChildFieldsSchema):
    version = fields.Integer(required=True, metadata={
        "description": "The version you read; a different current version gives 409"})


class ChildSchema(ChildFieldsSchema):
    id = fields.Integer()
    locality = fields.Function(lambda c: c.locality.name if c.locality else None)
    is_unborn = fields.Boolean()
    created_at = AwareDateTime()
    updated_at = AwareDateTime()
    version = fields.Integer()


class ChildSearchArgs(Schema):
    name = fields.String(validate=validate.Length(min=2, max=100))
    date_of_birth = fields.Date()
    nhs_number = fields.String(validate=validate.Length(max=14))
    council_child_id = fields.String(validate=validate.Length(max=20))


class ChronologyArgs(Schema):
    kind = fields.List(fields.String(validate=validate.OneOf([k.value for k in EventKind])), metadata={
        "description": "Only these kinds of event (repeat the parameter for several)"})


class ChronologyEventSchema(Schema):
    at = AwareDateTime(metadata={"description": "When it happened; midday London for an event known by date only"})
    on = fields.Date(metadata={"description": "The London date"})
    kind = fields.String()
    title = fields.String()
    detail = fields.String(allow_none=True)
    record = fields.String(metadata={"description": "contact, referral or meeting: the record it is on"})
    record_id = fields.Integer()
    child_id = fields.Integer(metadata={"description": "The child record the event is on"})


class MergeSchema(Schema):
    duplicate_id = fields.Integer(required=True, metadata={"description": "The record to fold into this one"})
    version = fields.Integer(required=True, metadata={
        "description": "The version of this (the kept) record you compared; a different one gives 409"})
    take = fields.List(fields.String(validate=validate.OneOf(EDITABLE)), load_default=list, metadata={
        "description": "Fields to take from the duplicate; every other field keeps this record's value"})


class ChildMergeSchema(Schema):
    id = fields.Integer()
    kept_id = fields.Integer()
    duplicate_id = fields.Integer()
    merged_at = AwareDateTime()
    taken = fields.Function(lambda m: [f for f in m.taken.split(",") if f])
    moved = fields.Function(lambda m: {k: len(v) for k, v in json.loads(m.moved).items()}, metadata={
        "description": "How many rows of each kind moved to the kept record"})
    undone_at = AwareDateTime(allow_none=True)
