"""Every write to the domain: one transaction each, each writing its Event.

Views, the API, the importer, commands and admin actions all call these functions;
nothing else saves a domain model. Functions are keyword-only and named
`<entity>_<action>`; `from readiness import services` reads them all.
"""

from readiness.services._checks import Problem as DataProblem
from readiness.services._checks import data_problems
from readiness.services._core import StaleEdit, User, event_record, snapshot
from readiness.services.access import (
    TOKEN_USE_PRECISION,
    api_token_create,
    api_token_revoke,
    api_token_use,
    feed_token_regenerate,
    secret_hash,
    user_settings_update,
    webhook_create,
    webhook_delete,
)
from readiness.services.actions import (
    action_change_status,
    action_create,
    action_status_import,
    action_update,
)
from readiness.services.agenda import (
    agenda_item_add,
    agenda_item_delete,
    agenda_item_move,
    agenda_item_set_discussed,
    agenda_item_start_discussion,
    agenda_item_update,
    readiness_check_add,
    readiness_check_set,
)
from readiness.services.decisions import (
    ConditionSpec,
    VoteSpec,
    condition_expiry_notify,
    condition_satisfy,
    condition_satisfy_with_evidence,
    decision_record,
    decision_review_done,
)
from readiness.services.deployments import deployment_record
from readiness.services.evidence import evidence_add, evidence_verify
from readiness.services.participants import (
    participant_add,
    participant_set_attendance,
    participant_update,
)
from readiness.services.people import (
    person_from_label,
    person_get_or_create,
    person_link_user,
    person_split_label,
)
from readiness.services.releases import (
    release_cancel,
    release_content,
    release_create,
    release_delete,
    release_gate_check,
    release_lookalikes,
    release_record_import,
    release_remove,
    release_update,
    release_update_named,
)
from readiness.services.sessions import (
    addendum_add,
    session_close,
    session_minutes_send,
    session_schedule,
    session_schedule_from_template,
    session_start,
    session_template_save,
    session_update,
)
from readiness.services.workspace import (
    NamedCondition,
    action_create_named,
    action_update_named,
    decision_record_named,
    participant_add_named,
    session_schedule_named,
    session_update_named,
)

__all__ = [
    "deployment_record",
    "release_cancel",
    "release_content",
    "release_lookalikes",
    "release_remove",
    "release_update",
    "release_update_named",
    "User",
    "StaleEdit",
    "snapshot",
    "event_record",
    "DataProblem",
    "data_problems",
    "person_get_or_create",
    "person_link_user",
    "person_split_label",
    "person_from_label",
    "release_create",
    "release_record_import",
    "release_delete",
    "release_gate_check",
    "session_schedule",
    "session_schedule_from_template",
    "session_update",
    "session_start",
    "session_close",
    "session_template_save",
    "session_minutes_send",
    "addendum_add",
    "participant_add",
    "participant_update",
    "participant_set_attendance",
    "agenda_item_add",
    "agenda_item_update",
    "agenda_item_delete",
    "agenda_item_move",
    "agenda_item_start_discussion",
    "agenda_item_set_discussed",
    "readiness_check_set",
    "readiness_check_add",
    "ConditionSpec",
    "VoteSpec",
    "decision_record",
    "decision_review_done",
    "condition_satisfy",
    "condition_satisfy_with_evidence",
    "condition_expiry_notify",
    "action_create",
    "action_change_status",
    "action_status_import",
    "action_update",
    "evidence_add",
    "evidence_verify",
    "TOKEN_USE_PRECISION",
    "secret_hash",
    "api_token_create",
    "api_token_revoke",
    "api_token_use",
    "webhook_create",
    "webhook_delete",
    "user_settings_update",
    "NamedCondition",
    "participant_add_named",
    "action_create_named",
    "action_update_named",
    "session_schedule_named",
    "session_update_named",
    "decision_record_named",
    "feed_token_regenerate",
]
