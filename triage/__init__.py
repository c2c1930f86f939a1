"""Front Door triage: the queue, the meetings, the decisions and the clocks of a council's MASH.

The web application is built by `triage.app.create_app`; this package itself imports nothing,
so the pure domain (`triage.domain`) can be used without loading Flask.
"""
