"""Every table of the store, imported here so ``SQLModel.metadata`` knows them all."""

from ci_workflow.store.tables.audit import AuditEvent
from ci_workflow.store.tables.changes import ChangeRecord
from ci_workflow.store.tables.discussion import (
    Attachment,
    AttachmentContent,
    Comment,
    Watcher,
)
from ci_workflow.store.tables.gates import GateDecision, GateRequest
from ci_workflow.store.tables.identity import ApiToken, Invitation, WebSession
from ci_workflow.store.tables.improvements import Improvement, Objective, PlanAction, TeamMember
from ci_workflow.store.tables.incidents import Incident
from ci_workflow.store.tables.metrics import MetricSnapshot, SurveyResult
from ci_workflow.store.tables.notifications import Notification
from ci_workflow.store.tables.opportunities import Opportunity
from ci_workflow.store.tables.people import Person, RoleAssignment
from ci_workflow.store.tables.reports import Delivery, Report

__all__ = [
    "ApiToken",
    "Attachment",
    "AttachmentContent",
    "AuditEvent",
    "ChangeRecord",
    "Comment",
    "Delivery",
    "GateDecision",
    "GateRequest",
    "Improvement",
    "Incident",
    "Invitation",
    "MetricSnapshot",
    "Notification",
    "Objective",
    "Opportunity",
    "Person",
    "PlanAction",
    "Report",
    "RoleAssignment",
    "SurveyResult",
    "TeamMember",
    "Watcher",
    "WebSession",
]
