"""Forms: they parse and validate what people type; the services do the writing.

By area: `workspace` (new releases and the session page), `releases` (managing a
release, recording a deployment), `minutes` (the import), `access`
(settings, API tokens, webhooks), on top of `base`. `from readiness import forms` and
`forms.X` read them all.
"""

from readiness.forms.access import ApiTokenForm, ReleaseChoiceField, UserSettingsForm, WebhookForm
from readiness.forms.base import (
    DATE,
    DATETIME,
    TIME,
    Form,
    PersonNameField,
    TimeZoneField,
    VersionedForm,
)
from readiness.forms.checklists import (
    ChecklistExemptForm,
    ChecklistItemEditForm,
    ChecklistItemForm,
)
from readiness.forms.freezes import FreezeDeleteForm, FreezeEditForm, FreezeForm, OverrideForm
from readiness.forms.minutes import (
    MINUTES_PREVIEW_MAX_AGE,
    MINUTES_SALT,
    MinutesConfirmForm,
    MinutesUploadForm,
    minutes_error_message,
    read_minutes,
    sign_minutes,
)
from readiness.forms.moments import SessionCloseForm, SessionStartForm
from readiness.forms.next_session import NextSessionForm
from readiness.forms.people import PersonForm, PersonMergeForm
from readiness.forms.records import ConditionEditForm, EvidenceEditForm, RemoveForm
from readiness.forms.releases import (
    DeploymentForm,
    ReleaseConfirmForm,
    ReleaseCreateForm,
    ReleaseEditForm,
)
from readiness.forms.signoffs import PolicyForm, ProxySignOffForm, SignOffForm
from readiness.forms.teams import (
    MemberAddForm,
    MemberInviteForm,
    MemberRemoveForm,
    MembershipForm,
    TeamCreateForm,
    TeamEditForm,
)
from readiness.forms.workspace import (
    ActionEditForm,
    ActionForm,
    ActionStatusForm,
    AddendumForm,
    AgendaItemAddForm,
    AgendaItemEditForm,
    AttendanceForm,
    ConditionForm,
    ConditionFormSet,
    ConditionSatisfyForm,
    DecisionForm,
    DiscussedForm,
    EvidenceForm,
    MoveForm,
    ParticipantAddForm,
    ParticipantEditForm,
    ReadinessCheckEditForm,
    ReadinessCheckForm,
    ReleaseForm,
    SessionEditForm,
    SessionForm,
    SessionScheduleForm,
    TemplateSaveForm,
)

__all__ = [
    "TeamCreateForm",
    "TeamEditForm",
    "MemberAddForm",
    "MemberInviteForm",
    "MembershipForm",
    "MemberRemoveForm",
    "DATE",
    "FreezeForm",
    "FreezeEditForm",
    "FreezeDeleteForm",
    "OverrideForm",
    "DATETIME",
    "TIME",
    "PolicyForm",
    "ProxySignOffForm",
    "SignOffForm",
    "Form",
    "VersionedForm",
    "TimeZoneField",
    "PersonNameField",
    "PersonForm",
    "SessionStartForm",
    "SessionCloseForm",
    "PersonMergeForm",
    "ReleaseForm",
    "ReleaseCreateForm",
    "ReleaseEditForm",
    "ReleaseConfirmForm",
    "DeploymentForm",
    "SessionForm",
    "SessionScheduleForm",
    "SessionEditForm",
    "TemplateSaveForm",
    "ParticipantAddForm",
    "ParticipantEditForm",
    "AttendanceForm",
    "AgendaItemAddForm",
    "AgendaItemEditForm",
    "MoveForm",
    "DiscussedForm",
    "ReadinessCheckForm",
    "ReadinessCheckEditForm",
    "ChecklistItemForm",
    "ChecklistItemEditForm",
    "ChecklistExemptForm",
    "ConditionForm",
    "ConditionFormSet",
    "DecisionForm",
    "ActionForm",
    "ActionEditForm",
    "ActionStatusForm",
    "ConditionSatisfyForm",
    "EvidenceForm",
    "AddendumForm",
    "RemoveForm",
    "NextSessionForm",
    "EvidenceEditForm",
    "ConditionEditForm",
    "UserSettingsForm",
    "ApiTokenForm",
    "WebhookForm",
    "ReleaseChoiceField",
    "MINUTES_SALT",
    "MINUTES_PREVIEW_MAX_AGE",
    "minutes_error_message",
    "read_minutes",
    "sign_minutes",
    "MinutesUploadForm",
    "MinutesConfirmForm",
]
