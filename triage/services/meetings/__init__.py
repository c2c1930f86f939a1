"""The daily multi-agency triage meeting, as use cases (each one a unit of work).

planning: plan, the self-building agenda, attendance, start (freezes the agenda), close, cancel
items:    agencies' information, the agreed outcome and its confirmation, actions, current item
reading:  the record, the live state screens poll, history, actions, minutes
finding:  a contact to add to the agenda, by a child's name
clocks:   the decision clock and overdue actions as of now, stamped on what the services return
settings: the meeting types this council runs
"""
from triage.services.meetings.clocks import DecisionClock, decision_clock  # noqa: F401
from triage.services.meetings.common import READERS, RUNNERS, load_meeting  # noqa: F401
from triage.services.meetings.finding import contacts_to_add  # noqa: F401
from triage.services.meetings.items import (  # noqa: F401
                                            add_action,
                                            agree_outcome,
                                            confirm_outcome,
                                            holds_heading,
                                            is_overdue,
                                            record_contribution,
                                            set_action_done,
                                            set_current_item,
)
from triage.services.meetings.planning import (  # noqa: F401
                                            MODE_LABELS,
                                            MODES,
                                            absent_core_agencies,
                                            add_item,
                                            agenda_order,
                                            agenda_preview,
                                            cancel_meeting,
                                            close_meeting,
                                            plan_meeting,
                                            record_attendance,
                                            remove_attendance,
                                            remove_item,
                                            start_meeting,
                                            update_meeting,
)
from triage.services.meetings.reading import (  # noqa: F401
                                            ActionFilters,
                                            MeetingSearch,
                                            current_revision,
                                            get_item,
                                            get_meeting,
                                            item_digest,
                                            items_for,
                                            list_actions,
                                            live_state,
                                            meetings_on,
                                            minutes,
                                            search_meetings,
)
from triage.services.meetings.settings import (  # noqa: F401
                                            ensure_meeting_agencies,
                                            meeting_type,
                                            meeting_types,
)
