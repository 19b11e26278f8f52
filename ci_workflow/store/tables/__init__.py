"""Every table of the store, imported here so ``SQLModel.metadata`` knows them all."""

# Kept beside their queries: this folder holds a dozen modules already.
from ci_workflow.store.intake.connections import ItsmConnection, ItsmSync
from ci_workflow.store.intake.records import ProblemRecord, SlaRecord
from ci_workflow.store.strategy.benefit_tables import BenefitActual, BenefitLine
from ci_workflow.store.strategy.capacity_table import StrategyCapacity
from ci_workflow.store.strategy.tables import (
    ImprovementLink,
    KeyResultValue,
    StrategyItem,
    StrategyVersion,
)
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
    "BenefitActual",
    "BenefitLine",
    "ChangeRecord",
    "Comment",
    "Delivery",
    "GateDecision",
    "GateRequest",
    "Improvement",
    "ImprovementLink",
    "Incident",
    "Invitation",
    "ItsmConnection",
    "ItsmSync",
    "KeyResultValue",
    "MetricSnapshot",
    "Notification",
    "Objective",
    "Opportunity",
    "Person",
    "PlanAction",
    "ProblemRecord",
    "Report",
    "RoleAssignment",
    "SlaRecord",
    "StrategyCapacity",
    "StrategyItem",
    "StrategyVersion",
    "SurveyResult",
    "TeamMember",
    "Watcher",
    "WebSession",
]
