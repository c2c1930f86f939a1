"""The contact state table and the consent rule for asking partners."""
import pytest

from triage.domain.codes import Consent
from triage.domain.consent import consent_problem, partner_request_refusal
from triage.domain.contact_states import TRANSITIONS, ContactState, InvalidTransition, can_move, check_move

S = ContactState


def test_every_state_has_a_row_in_the_table():
    assert set(TRANSITIONS) == set(ContactState)


def test_a_decided_contact_goes_nowhere():
    assert all(not can_move(S.DECIDED, target) for target in ContactState)
    with pytest.raises(InvalidTransition, match="decided"):
        check_move(S.DECIDED, S.DECIDED)


@pytest.mark.parametrize("state", [s for s in ContactState if s is not S.DECIDED])
def test_a_manager_can_decide_from_any_open_state(state):
    assert check_move(state, S.DECIDED) is S.DECIDED


def test_a_received_contact_cannot_skip_screening_to_await_information():
    with pytest.raises(InvalidTransition) as raised:
        check_move(S.RECEIVED, S.AWAITING_INFORMATION)
    assert "received" in str(raised.value) and "awaiting information" in str(raised.value)


def test_staying_in_an_open_state_is_harmless():
    assert check_move(S.SCREENING, S.SCREENING) is S.SCREENING


@pytest.mark.parametrize("consent, allowed", [
    (Consent.GIVEN, True), (Consent.NOT_REQUIRED, True), (Consent.NOT_SOUGHT, True),
    (Consent.REFUSED, False), (None, False)])
def test_partners_are_asked_only_with_consent_or_a_lawful_ground(consent, allowed):
    assert (partner_request_refusal(consent) is None) is allowed


def test_not_seeking_consent_needs_a_lawful_reason():
    assert "consent_not_sought_reason" in consent_problem("not_sought", None, None)
    assert "consent_not_sought_reason" in consent_problem("not_sought", "felt like it", None)
    assert consent_problem("not_sought", "prejudice_investigation", None) == {}


def test_consent_given_or_refused_says_by_whom():
    assert "consent_by" in consent_problem("given", None, " ")
    assert consent_problem("refused", None, "Father") == {}


def test_every_state_lists_its_steps_and_a_decided_contact_offers_only_the_referrer_steps():
    from triage.domain.contact_states import STEPS, available_steps

    assert set(STEPS) == set(ContactState)
    assert available_steps(S.DECIDED) == {"acknowledgement", "feedback"}
    assert available_steps(S.DECIDED, acknowledged=True, fed_back=True) == set()
    assert "screening" in available_steps(S.RECEIVED) and "screening" not in available_steps(S.SCREENING)
    assert "recommendation" not in available_steps(S.RECEIVED) and "decision" in available_steps(S.RECEIVED)
    assert "information-requests" in available_steps(S.SCREENING)
