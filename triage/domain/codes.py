"""Code lists: each member's value is what is stored, its `.label` what a social worker reads.

DfE Children in Need census lists keep their census codes as values ("1A", "N4", "RC8") so
returns can be built without translation; the service's own lists use short snake_case values.
Members are listed in the order forms and reports show them.
"""
from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class LabelledEnum(StrEnum):
    """A StrEnum whose members are declared as `NAME = value, label`."""

    def __new__(cls, value: str, label: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = label
        return member

    @property
    def label(self) -> str:
        return self._label

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(value, label) pairs in display order, for select boxes and radio buttons."""
        return [(m.value, m.label) for m in cls]


class ReferralSource(LabelledEnum):
    FAMILY = "1A", "Individual: family member, relative or carer"
    ACQUAINTANCE = "1B", "Individual: acquaintance (including neighbours and child minders)"
    SELF = "1C", "Individual: self"
    OTHER_INDIVIDUAL = "1D", "Individual: other"
    SCHOOL = "2A", "Education: school"
    EDUCATION_SERVICES = "2B", "Education: other education services"
    GP = "3A", "Health: GP"
    HEALTH_VISITOR = "3B", "Health: health visitor"
    SCHOOL_NURSE = "3C", "Health: school nurse"
    OTHER_PRIMARY_HEALTH = "3D", "Health: other primary health services"
    A_AND_E = "3E", "Health: A&E (emergency department)"
    OTHER_HEALTH = "3F", "Health: other health services"
    HOUSING = "4", "Housing (local authority or housing association)"
    LA_SOCIAL_CARE = "5A", "Local authority: social care (e.g. adults' social care)"
    LA_OTHER_INTERNAL = "5B", "Local authority: other internal department"
    LA_EXTERNAL = "5C", "Local authority: external (e.g. from another council)"
    LA_EARLY_HELP = "5D", "Local authority: early help"
    POLICE = "6", "Police"
    OTHER_LEGAL = "7", "Other legal agency (e.g. courts, probation, immigration, prisons)"
    OTHER = "8", "Other"
    ANONYMOUS = "9", "Anonymous"
    UNKNOWN = "10", "Unknown"


class PrimaryNeed(LabelledEnum):
    NOT_STATED = "N0", "Not stated"
    ABUSE_OR_NEGLECT = "N1", "Abuse or neglect"
    CHILD_DISABILITY = "N2", "Child's disability or illness"
    PARENTAL_DISABILITY = "N3", "Parental disability or illness"
    ACUTE_STRESS = "N4", "Family in acute stress"
    FAMILY_DYSFUNCTION = "N5", "Family dysfunction"
    SOCIALLY_UNACCEPTABLE_BEHAVIOUR = "N6", "Socially unacceptable behaviour"
    LOW_INCOME = "N7", "Low income"
    ABSENT_PARENTING = "N8", "Absent parenting"
    NOT_IN_NEED = "N9", "Cases other than children in need"


class AssessmentFactor(LabelledEnum):
    ALCOHOL_CHILD = "1A", "Alcohol misuse: concerns about the child"
    ALCOHOL_PARENT = "1B", "Alcohol misuse: concerns about the parent or carer"
    ALCOHOL_OTHER = "1C", "Alcohol misuse: concerns about another person in the household"
    DRUGS_CHILD = "2A", "Drug misuse: concerns about the child"
    DRUGS_PARENT = "2B", "Drug misuse: concerns about the parent or carer"
    DRUGS_OTHER = "2C", "Drug misuse: concerns about another person in the household"
    DOMESTIC_ABUSE_CHILD = "3A", "Domestic abuse: concerns about the child"
    DOMESTIC_ABUSE_PARENT = "3B", "Domestic abuse: concerns about the parent or carer"
    DOMESTIC_ABUSE_OTHER = "3C", "Domestic abuse: concerns about another person in the household"
    MENTAL_HEALTH_CHILD = "4A", "Mental health: concerns about the child"
    MENTAL_HEALTH_PARENT = "4B", "Mental health: concerns about the parent or carer"
    MENTAL_HEALTH_OTHER = "4C", "Mental health: concerns about another person in the household"
    LEARNING_DISABILITY_CHILD = "5A", "Learning disability: concerns about the child"
    LEARNING_DISABILITY_PARENT = "5B", "Learning disability: concerns about the parent or carer"
    LEARNING_DISABILITY_OTHER = "5C", "Learning disability: concerns about another person in the household"
    PHYSICAL_DISABILITY_CHILD = "6A", "Physical disability or illness: concerns about the child"
    PHYSICAL_DISABILITY_PARENT = "6B", "Physical disability or illness: concerns about the parent or carer"
    PHYSICAL_DISABILITY_OTHER = (
        "6C", "Physical disability or illness: concerns about another person in the household"
    )
    YOUNG_CARER = "7A", "Young carer"
    PRIVATE_FOSTERING_OVERSEAS_RETURNING = (
        "8B", "Privately fostered: overseas child who intends to return home"
    )
    PRIVATE_FOSTERING_OVERSEAS_STAYING = (
        "8C", "Privately fostered: overseas child who intends to stay in the UK"
    )
    PRIVATE_FOSTERING_UK_EDUCATION = "8D", "Privately fostered: UK child in an educational placement"
    PRIVATE_FOSTERING_UK_FAMILY = "8E", "Privately fostered: UK child in an alternative family arrangement"
    PRIVATE_FOSTERING_OTHER = "8F", "Privately fostered: other"
    UNACCOMPANIED_ASYLUM_SEEKER = "9A", "Unaccompanied asylum-seeking child"
    MISSING = "10A", "Going or being missing"
    CHILD_SEXUAL_EXPLOITATION = "11A", "Child sexual exploitation"
    TRAFFICKING = "12A", "Trafficking"
    GANGS = "13A", "Gangs"
    SOCIALLY_UNACCEPTABLE_BEHAVIOUR = "14A", "Socially unacceptable behaviour"
    SELF_HARM = "15A", "Self-harm"
    NEGLECT = "16A", "Neglect"
    EMOTIONAL_ABUSE = "17A", "Emotional abuse"
    PHYSICAL_ABUSE_CHILD_ON_CHILD = "18B", "Physical abuse: child on child"
    PHYSICAL_ABUSE_ADULT_ON_CHILD = "18C", "Physical abuse: adult on child"
    SEXUAL_ABUSE_CHILD_ON_CHILD = "19B", "Sexual abuse: child on child"
    SEXUAL_ABUSE_ADULT_ON_CHILD = "19C", "Sexual abuse: adult on child"
    OTHER = "20", "Other"
    NO_FACTORS = "21", "No factors identified"
    FGM = "22A", "Female genital mutilation"
    FAITH_OR_BELIEF = "23A", "Abuse linked to faith or belief"
    CHILD_CRIMINAL_EXPLOITATION = "24A", "Child criminal exploitation"


# Retired by the DfE (rules 8945Q, 8950Q): split into child-on-child (B) and adult-on-child (C).
RETIRED_ASSESSMENT_FACTORS = frozenset({"18A", "19A"})


def assessment_factors_problem(codes: Iterable[str], outcome_is_nfa: bool) -> str | None:
    """Why this set of factors cannot be authorised, or None if it can.

    Census rules: at least one factor; 21 ("no factors identified") only on its own and only
    when the assessment ends in no further action.
    """
    given = [str(c).strip().upper() for c in codes]
    known = {f.value for f in AssessmentFactor}
    retired = [c for c in given if c in RETIRED_ASSESSMENT_FACTORS]
    if retired:
        return (f"{', '.join(retired)} is no longer used: record 18B/18C (physical abuse) or 19B/19C "
                "(sexual abuse), child on child or adult on child")
    unknown = [c for c in given if c not in known]
    if unknown:
        return f"Unknown assessment factor code: {', '.join(unknown)}"
    if len(set(given)) != len(given):
        return "Each assessment factor can be recorded only once"
    if not given:
        return "Record at least one factor, or 21 'No factors identified'"
    if AssessmentFactor.NO_FACTORS in given:
        if len(given) > 1:
            return "21 'No factors identified' cannot be recorded with other factors"
        if not outcome_is_nfa:
            return "21 'No factors identified' can only be recorded when the outcome is no further action"
    return None


class ClosureReason(LabelledEnum):
    ADOPTED = "RC1", "Adopted"
    DIED = "RC2", "Died"
    CHILD_ARRANGEMENTS_ORDER = "RC3", "Child arrangements order"
    SPECIAL_GUARDIANSHIP_ORDER = "RC4", "Special guardianship order"
    TRANSFERRED_TO_ANOTHER_LA = "RC5", "Transferred to services of another local authority"
    TRANSFERRED_TO_ADULT_SOCIAL_CARE = "RC6", "Transferred to adult social care"
    SERVICES_CEASED = "RC7", "Services ceased for any other reason, including the child no longer in need"
    NFA_AFTER_ASSESSMENT = "RC8", "Case closed after assessment, no further action"
    EARLY_HELP_AFTER_ASSESSMENT = "RC9", "Case closed after assessment, referred to early help"


class AgencyKind(LabelledEnum):
    POLICE = "police", "Police"
    HEALTH = "health", "Health"
    EDUCATION = "education", "Education"
    EARLY_HELP = "early_help", "Early help"
    CHILDRENS_SOCIAL_CARE = "childrens_social_care", "Children's social care"
    ADULT_SOCIAL_CARE = "adult_social_care", "Adult social care"
    PROBATION = "probation", "Probation"
    HOUSING = "housing", "Housing"
    OTHER = "other", "Other"


class DashRisk(LabelledEnum):
    """DASH risk grade on a police domestic abuse notification; high risk also goes to MARAC."""

    STANDARD = "standard", "Standard risk"
    MEDIUM = "medium", "Medium risk"
    HIGH = "high", "High risk (MARAC)"


class Rag(LabelledEnum):
    """Set at screening; sets how quickly partner agencies must return what they hold."""

    RED = "red", "Red: possible significant harm, same-day response"
    AMBER = "amber", "Amber: significant concern, not immediate"
    GREEN = "green", "Green: wellbeing concern below the statutory threshold"


class Consent(LabelledEnum):
    GIVEN = "given", "Consent given"
    REFUSED = "refused", "Consent refused"
    NOT_SOUGHT = "not_sought", "Consent not sought (reason recorded)"
    NOT_REQUIRED = "not_required", "Consent not required (significant harm)"


class ContactChannel(LabelledEnum):
    PHONE = "phone", "Phone call"
    EMAIL = "email", "Email"
    PORTAL = "portal", "Online portal"
    POLICE_NOTIFICATION = "police_notification", "Police notification"
    MARF = "marf", "Multi-agency referral form"
    EDT_HANDOVER = "edt_handover", "Emergency duty team handover"


class DecisionOutcome(LabelledEnum):
    NO_FURTHER_ACTION = "no_further_action", "No further action"
    INFORMATION_ADVICE = "information_advice", "Information, advice or signposting"
    EARLY_HELP = "early_help", "Step down to early help"
    ASSESSMENT = "assessment", "Child and family assessment (section 17)"
    STRATEGY_S47 = "strategy_s47", "Strategy discussion / section 47 enquiry"
    IMMEDIATE_PROTECTION = "immediate_protection", "Immediate protection"
    TRANSFER = "transfer", "Transfer to another council or service"
    ADD_TO_OPEN_CASE = "add_to_open_case", "Add to the child's open case (no new referral)"


_REFERRAL_OUTCOMES = frozenset(
    {DecisionOutcome.ASSESSMENT, DecisionOutcome.STRATEGY_S47, DecisionOutcome.IMMEDIATE_PROTECTION}
)


def outcome_creates_referral(outcome: DecisionOutcome | str) -> bool:
    """A contact becomes a referral when children's social care will act on it."""
    return DecisionOutcome(outcome) in _REFERRAL_OUTCOMES


class AssessmentOutcome(LabelledEnum):
    """What an authorised child and family assessment leads to."""

    NO_FURTHER_ACTION = "no_further_action", "No further action"
    CHILD_IN_NEED_PLAN = "child_in_need_plan", "Child in need plan"
    S47 = "s47", "Section 47 enquiry"
    EARLY_HELP = "early_help", "Step down to early help"


class S47Outcome(LabelledEnum):
    NOT_SUBSTANTIATED = "not_substantiated", "Concerns not substantiated"
    SUBSTANTIATED_ICPC = "substantiated_icpc", "Concerns substantiated: initial child protection conference"
    SUBSTANTIATED_NO_ICPC = "substantiated_no_icpc", "Concerns substantiated: no conference needed"


# ---------------------------------------------------------------- the child's census details

class Ethnicity(LabelledEnum):
    """The 20 DfE ethnicity codes."""

    WBRI = "WBRI", "White: British"
    WIRI = "WIRI", "White: Irish"
    WOTH = "WOTH", "White: any other White background"
    WIRT = "WIRT", "White: Traveller of Irish heritage"
    WROM = "WROM", "White: Gypsy/Roma"
    MWBC = "MWBC", "Mixed: White and Black Caribbean"
    MWBA = "MWBA", "Mixed: White and Black African"
    MWAS = "MWAS", "Mixed: White and Asian"
    MOTH = "MOTH", "Mixed: any other mixed background"
    AIND = "AIND", "Asian or Asian British: Indian"
    APKN = "APKN", "Asian or Asian British: Pakistani"
    ABAN = "ABAN", "Asian or Asian British: Bangladeshi"
    AOTH = "AOTH", "Asian or Asian British: any other Asian background"
    BCRB = "BCRB", "Black or Black British: Caribbean"
    BAFR = "BAFR", "Black or Black British: African"
    BOTH = "BOTH", "Black or Black British: any other Black background"
    CHNE = "CHNE", "Chinese"
    OOTH = "OOTH", "Any other ethnic group"
    REFU = "REFU", "Refused"
    NOBT = "NOBT", "Information not yet obtained"


def ethnicity_code(value: str | None) -> str | None:
    """The DfE code for a code or its label as people type it (any case); None if neither."""
    if value is None:
        return None
    text = " ".join(str(value).split()).upper()
    for member in Ethnicity:
        if text in (member.value, member.label.upper()):
            return member.value
    return None


class Disability(LabelledEnum):
    NONE = "NONE", "No disability"
    MOB = "MOB", "Mobility"
    HAND = "HAND", "Hand function"
    PC = "PC", "Personal care"
    INC = "INC", "Incontinence"
    COMM = "COMM", "Communication"
    LD = "LD", "Learning"
    HEAR = "HEAR", "Hearing"
    VIS = "VIS", "Vision"
    BEH = "BEH", "Behaviour"
    CON = "CON", "Consciousness"
    AUT = "AUT", "Autism or Asperger syndrome"
    DDA = "DDA", "Other disability (as defined by the Equality Act)"


def disabilities_problem(codes: Iterable[str]) -> str | None:
    """Census rules 8540, 8790, 8794: known codes, each once, NONE only on its own."""
    given = [str(c).strip().upper() for c in codes]
    unknown = [c for c in given if c not in Disability._value2member_map_]
    if unknown:
        return f"Unknown disability code: {', '.join(unknown)}"
    if len(set(given)) != len(given):
        return "Each disability can be recorded only once"
    if Disability.NONE in given and len(given) > 1:
        return "NONE (no disability) cannot be recorded with a disability"
    return None


class UpnUnknown(LabelledEnum):
    """Why a child has no Unique Pupil Number (census UPNunknown)."""

    UN1 = "UN1", "Child is not of school age and has not yet acquired a UPN"
    UN2 = "UN2", "Child has never attended school in England"
    UN3 = "UN3", "Child is educated at home"
    UN4 = "UN4", "Child has newly arrived from abroad (including unaccompanied asylum seekers)"
    UN5 = "UN5", "Sources collating UPNs reflect a discrepancy"
    UN6 = "UN6", "UPN not yet obtained for another reason"
    UN7 = "UN7", "Referral with no further action"


class CensusSex(LabelledEnum):
    MALE = "M", "Male"
    FEMALE = "F", "Female"
    UNKNOWN = "U", "Unknown (or unborn)"


# The child record keeps words (female / male / unknown / not_stated); the census has three codes.
SEX_TO_CENSUS = {"male": "M", "female": "F", "unknown": "U", "not_stated": "U"}
CENSUS_TO_SEX = {"M": "male", "F": "female", "U": "unknown"}


def census_sex(sex: str | None, unborn: bool) -> str:
    """Rule 8750: an unborn child is U whatever was expected."""
    return "U" if unborn else SEX_TO_CENSUS.get(sex or "", "U")


def council_child_id_problem(value: str) -> str | None:
    """Rules 1570/1580: at most 20 letters and digits."""
    if len(value) > 20:
        return "The child id can be at most 20 characters"
    if not (value.isascii() and value.isalnum()):
        return "The child id can use only letters and digits"
    return None


class CategoryOfAbuse(LabelledEnum):
    NEGLECT = "NEG", "Neglect"
    PHYSICAL = "PHY", "Physical abuse"
    SEXUAL = "SAB", "Sexual abuse"
    EMOTIONAL = "EMO", "Emotional abuse"
    MULTIPLE = "MUL", "Multiple"


def split_codes(value: str | None) -> list[str]:
    """A comma-separated code column as a list."""
    return [code for code in (value or "").split(",") if code]
