from marshmallow import Schema, fields


class ProblemSchema(Schema):
    code = fields.Integer()
    status = fields.String()
    message = fields.String()
    errors = fields.Dict()


class AwareDateTime(fields.AwareDateTime):
    """ISO 8601 with an offset on the wire; naive input is refused rather than guessed."""

    def __init__(self, **kwargs):
        super().__init__(format="iso", **kwargs)
