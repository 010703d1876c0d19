"""The areas' checklists on the session page: add an item, set its state and evidence,
exempt it (facilitators), each a row write answered as every row of the page is."""

from __future__ import annotations

from readiness import forms, permissions, services
from readiness.views.sessions import workspace

CHECKLIST_ITEM = workspace.RowKind(
    "checklist", "checklist-item", "checklist-item", "checklist_edit_form"
)
EXEMPTION = workspace.RowKind("exempt", "checklist-item", "checklist-item", "exempt_form")


def _drawn(request, item) -> dict:
    return {"item": item}


checklist_item_add = workspace.add_view(
    forms.ChecklistItemForm,
    services.checklist_item_add,
    "checklist",
    "checklist_form",
    "checks-changed",
)
checklist_item_edit = workspace.row_edit_view(
    CHECKLIST_ITEM,
    permissions.get_checklist_item_for_editor,
    forms.ChecklistItemEditForm,
    lambda user, item, changes: services.checklist_item_set(user=user, item=item, **changes),
    _drawn,
    "checks-changed",
)
checklist_item_exempt = workspace.row_edit_view(
    EXEMPTION,
    permissions.get_checklist_item_for_editor,
    forms.ChecklistExemptForm,
    lambda user, item, changes: services.checklist_item_exempt(user=user, item=item, **changes),
    _drawn,
    "checks-changed",
)
