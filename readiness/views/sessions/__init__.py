"""The live meeting workspace: a facilitator runs a go/no-go session from one page.

`workspace` draws the page, a section or a row; `meeting` holds the session's own views
(schedule, page, live poll, header), `items` the lists kept during the meeting
(participants, agenda, checks), `record` what the meeting records (decision, actions,
evidence, addenda). How each write answers is `readiness.views.answers`.
"""

from readiness.views.sessions.items import (
    agenda_item_add,
    agenda_item_delete,
    agenda_item_discuss,
    agenda_item_discussed,
    agenda_item_edit,
    agenda_item_move,
    check_add,
    check_edit,
    participant_add,
    participant_attendance,
    participant_edit,
    row_closed,
)
from readiness.views.sessions.meeting import (
    minutes_send,
    people_search,
    release_create,
    session_close,
    session_create,
    session_detail,
    session_edit,
    session_invite,
    session_live,
    session_start,
    template_save,
)
from readiness.views.sessions.record import (
    action_add,
    action_cancel,
    action_edit,
    action_status,
    addendum_add,
    condition_satisfy,
    decision_record,
    evidence_add,
    evidence_verify,
    review_done,
)

__all__ = [
    "session_detail",
    "session_live",
    "session_invite",
    "people_search",
    "release_create",
    "session_create",
    "session_edit",
    "session_start",
    "session_close",
    "minutes_send",
    "template_save",
    "participant_add",
    "participant_edit",
    "participant_attendance",
    "agenda_item_add",
    "agenda_item_edit",
    "agenda_item_delete",
    "agenda_item_move",
    "agenda_item_discuss",
    "agenda_item_discussed",
    "check_add",
    "check_edit",
    "row_closed",
    "decision_record",
    "condition_satisfy",
    "review_done",
    "action_add",
    "action_edit",
    "action_cancel",
    "action_status",
    "evidence_add",
    "evidence_verify",
    "addendum_add",
]
