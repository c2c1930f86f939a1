from marshmallow import Schema, fields, validate

from triage.schemas.common import AwareDateTime
from triage.services.children import SEXES


class ChildFieldsSchema(Schema):
    first_name = fields.String(validate=validate.Length(min=1, max=100))
    last_name = fields.String(validate=validate.Length(min=1, max=100))
    other_names = fields.String(allow_none=True, validate=validate.Length(max=200))
    date_of_birth = fields.Date(allow_none=True)
    expected_date_of_birth = fields.Date(allow_none=True)
    sex = fields.String(validate=validate.OneOf(SEXES))
    ethnicity = fields.String(allow_none=True, validate=validate.Length(max=80))
    address_line_1 = fields.String(allow_none=True, validate=validate.Length(max=200))
    address_line_2 = fields.String(allow_none=True, validate=validate.Length(max=200))
    town = fields.String(allow_none=True, validate=validate.Length(max=100))
    postcode = fields.String(allow_none=True, validate=validate.Length(max=10))
    locality_id = fields.Integer(allow_none=True)
    nhs_number = fields.String(allow_none=True, validate=validate.Length(max=14))
    upn = fields.String(allow_none=True, validate=validate.Length(max=15))
    council_child_id = fields.String(allow_none=True, validate=validate.Length(max=20))


class ChildCreateSchema(ChildFieldsSchema):
    first_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    last_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    sex = fields.String(required=True, validate=validate.OneOf(SEXES))
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
