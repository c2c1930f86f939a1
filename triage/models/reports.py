"""Each built morning report, stored whole and never changed; a rebuild is a new version."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, String, UniqueConstraint
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
    content: Mapped[dict] = mapped_column(JSON)

    __table_args__ = (UniqueConstraint("report_date", "version"),)
