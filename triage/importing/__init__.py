"""Importing the old Front Door tracker spreadsheet.

`readers` turns a CSV or XLSX file into rows of cell values; `triage.domain.tracker` gives
them meaning (header, dates, codes, rejections, duplicates). Writing to the database is a
service's job.
"""
from triage.importing.readers import TrackerFileError, TrackerTable, read_rows, read_table

__all__ = ["TrackerFileError", "TrackerTable", "read_rows", "read_table"]
