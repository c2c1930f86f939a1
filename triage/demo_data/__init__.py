"""Made-up data for `flask triage seed-demo`: names, streets and staff of a fictional council.

Nothing here describes a real person. Names are common given names and surnames; streets,
neighbourhoods and the town are invented; postcodes use the ZZ area, which Royal Mail does
not use for any real address (the NHS uses ZZ99 only as a pseudo-postcode).
"""
