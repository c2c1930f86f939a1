"""The child record."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from triage.db_types import UTCDateTime, text_enum
from triage.domain.birth import BirthDateStatus
from triage.extensions import db
from triage.models.reference import Locality

MERGED = text("merged_into_id IS NOT NULL")


class Child(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    council_child_id: Mapped[str | None] = mapped_column(String(20), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    other_names: Mapped[str | None] = mapped_column(String(200))
    date_of_birth: Mapped[date | None]
    expected_date_of_birth: Mapped[date | None]  # an unborn child
    # Known, approximate (estimated from an age) or not known: the last two are for the
    # practitioner to complete (migration 0019).
    birth_date_status: Mapped[BirthDateStatus] = mapped_column(
        text_enum(BirthDateStatus, length=12), default=BirthDateStatus.KNOWN, server_default="known")
    sex: Mapped[str] = mapped_column(String(12))  # female / male / unknown / not_stated
    ethnicity: Mapped[str | None] = mapped_column(String(80))  # a DfE code (domain.codes.Ethnicity)
    address_line_1: Mapped[str | None] = mapped_column(String(200))
    address_line_2: Mapped[str | None] = mapped_column(String(200))
    town: Mapped[str | None] = mapped_column(String(100))
    postcode: Mapped[str | None] = mapped_column(String(10))
    locality_id: Mapped[int | None] = mapped_column(ForeignKey("locality.id"))
    nhs_number: Mapped[str | None] = mapped_column(String(10), unique=True)
    upn: Mapped[str | None] = mapped_column(String(13))
    # CIN census details (migration 0012): codes from triage.domain.codes.
    upn_unknown_reason: Mapped[str | None] = mapped_column(String(3))  # UN1-UN7 when there is no UPN
    former_upn: Mapped[str | None] = mapped_column(String(13))
    disabilities: Mapped[str | None] = mapped_column(String(60))  # comma separated, or NONE; empty: not known
    date_of_death: Mapped[date | None]
    # A merged duplicate: a tombstone pointing at the record kept (migration 0018). Not a foreign
    # key, so adding it never rebuilt the table on SQLite.
    merged_into_id: Mapped[int | None]
    merged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(default=1)

    locality: Mapped[Locality | None] = relationship()

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_child_names_dob", "last_name", "first_name", "date_of_birth"),
        Index("ix_child_dob", "date_of_birth"),
        # The few merged duplicates, found without reading every child: every list and return
        # that keeps to live records asks for them.
        Index("ix_child_merged", "id", postgresql_where=MERGED, sqlite_where=MERGED),
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def is_unborn(self) -> bool:
        return self.date_of_birth is None and self.expected_date_of_birth is not None

    @property
    def birth_date_to_complete(self) -> bool:
        return self.birth_date_status != BirthDateStatus.KNOWN

    @property
    def is_tombstone(self) -> bool:
        return self.merged_into_id is not None


class ChildMerge(db.Model):
    """A duplicate child record folded into the one kept; what it takes to undo it exactly.

    `kept_before` and `duplicate_before` hold each record's fields before the merge (JSON),
    `moved` the ids of every row moved from the duplicate, by table (JSON). Undoing restores
    both records and moves exactly those rows back; what was recorded after the merge stays.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    kept_id: Mapped[int] = mapped_column(ForeignKey("child.id"))
    duplicate_id: Mapped[int] = mapped_column(ForeignKey("child.id"))
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime())
    merged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    kept_before: Mapped[str] = mapped_column(Text)
    duplicate_before: Mapped[str] = mapped_column(Text)
    taken: Mapped[str] = mapped_column(String(300))  # fields the kept record took from the duplicate
    moved: Mapped[str] = mapped_column(Text)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    __table_args__ = (Index("ix_child_merge_kept", "kept_id", "undone_at"),
                      Index("ix_child_merge_duplicate", "duplicate_id"))
