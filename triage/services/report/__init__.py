"""The morning timescale report.

* `build`: building this morning's report and storing it whole (scheduled or on demand).
* `sections` and `measures`: what goes in it, each a set-based query or a fixed few.
* `sql`: the parts the database writes as JSON itself (the case list) and the trend.
* `reading`: `read_report`, the one way to serve a stored report (filters, privacy, audit).
* `privacy`, `audit`, `exports`: names withheld from performance officers, the trail of who
  saw which children, and the CSV and workbook downloads.
"""
