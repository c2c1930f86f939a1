"""The steps a partner information request may take: open, then answered or withdrawn, both final."""
import pytest

from triage.domain.information_requests import InvalidRequestStep, RequestState, can_move, check_move

S = RequestState


@pytest.mark.parametrize("target", [S.ANSWERED, S.WITHDRAWN])
def test_an_open_request_is_answered_or_withdrawn(target):
    assert check_move("open", target) is target


@pytest.mark.parametrize("current", [S.ANSWERED, S.WITHDRAWN])
@pytest.mark.parametrize("target", list(S))
def test_an_answered_or_withdrawn_request_moves_no_further(current, target):
    assert not can_move(current, target)
    with pytest.raises(InvalidRequestStep):
        check_move(current, target)


def test_a_refusal_says_what_the_request_is_and_what_cannot_happen():
    with pytest.raises(InvalidRequestStep, match="This request is answered; it cannot be answered again"):
        check_move(S.ANSWERED, S.ANSWERED)
    with pytest.raises(InvalidRequestStep, match="This request is withdrawn; only open requests can be withdrawn"):
        check_move(S.WITHDRAWN, S.WITHDRAWN)
    with pytest.raises(InvalidRequestStep, match="it cannot become waiting for an answer"):
        check_move(S.ANSWERED, S.OPEN)
