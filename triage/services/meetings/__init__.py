"""The daily multi-agency triage meeting (issue 5), as use-cases.

planning: plan, the self-building agenda, attendance, start (freezes the agenda), close, cancel
items:    agencies' information, the agreed outcome and its confirmation, actions, current item
reading:  the record, the live state screens poll, history, actions, minutes
"""
from triage.services.meetings.common import RUNNERS, READERS, load_meeting  # noqa: F401
from triage.services.meetings.items import (add_action, agree_outcome, confirm_outcome, holds_heading,  # noqa: F401
                                            is_overdue, record_contribution, set_action_done, set_current_item)
from triage.services.meetings.planning import (MODE_LABELS, MODES, absent_core_agencies, add_item,  # noqa: F401
                                               agenda_order, agenda_preview, cancel_meeting, close_meeting,
                                               plan_meeting, record_attendance, remove_attendance, remove_item,
                                               start_meeting, update_meeting)
from triage.services.meetings.reading import (ActionFilters, MeetingSearch, current_revision, get_item,  # noqa: F401
                                              get_meeting, item_digest, items_for, list_actions, live_state,
                                              meetings_on, minutes, search_meetings)
from triage.services.meetings.settings import ensure_meeting_agencies, meeting_type, meeting_types  # noqa: F401
