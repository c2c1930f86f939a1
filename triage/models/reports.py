"""Each built morning report, stored whole and never changed; a rebuild is a new version."""
from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from triage.db_types import UTCDateTime
from triage.extensions import db


class MorningReport(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    report_date: Mapped[date]  # the London date it is for
    version: Mapped[int]  # 1 for the first build that morning, then 2, 3 ...
    built_at: Mapped[datetime] = mapped_column(UTCDateTime())
    trigger: Mapped[str] = mapped_column(String(20))  # scheduled, catch_up, on_demand
    built_by: Mapped[str] = mapped_column(String(120))
    # The JSON text exactly as the API serves it (built by the database, services/report/build.py):
    # read and sent without parsing; megabytes, so loaded only when asked for.
    body: Mapped[str] = mapped_column("content", Text, deferred=True)

    __table_args__ = (UniqueConstraint("report_date", "version"),)

    @property
    def content(self) -> dict:
        """The report parsed, for the page, the filters and the downloads (once per object)."""
        parsed = self.__dict__.get("_parsed")
        if parsed is None:
            parsed = self.__dict__["_parsed"] = json.loads(self.body)
        return parsed

    @content.setter
    def content(self, value: dict) -> None:
        self.body = json.dumps(value)
        self.__dict__["_parsed"] = value
