"""marshmallow schemas, one module per resource. Unknown fields are refused, by name."""
