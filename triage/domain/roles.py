"""Who does what at the Front Door; the same roles for session logins and API tokens."""
from __future__ import annotations

from triage.domain.codes import LabelledEnum


class Role(LabelledEnum):
    ERA = "era", "Enquiry and referral administrator"
    PRACTITIONER = "practitioner", "MASH practitioner"
    MANAGER = "manager", "Front Door manager"
    PARTNER = "partner", "Partner agency representative"
    PERFORMANCE = "performance", "Performance officer"
    ADMIN = "admin", "Administrator"
