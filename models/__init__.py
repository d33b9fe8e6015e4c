"""SQLAlchemy models, the database session and migrations."""

from models.base import (
    ActivityKind,
    AssignmentStatus,
    Base,
    DueKind,
    EvidenceKind,
    ReminderState,
    Role,
    SchoolKind,
    SubmissionState,
    Target,
    utcnow,
)
from models.logs import (
    AuditLog,
    ConversationState,
    MessageLink,
    ReminderLog,
    ReminderPass,
    UpdateInbox,
)
from models.people import Invite, School, User
from models.plan import Activity, DueDate, Municipality, Plan, Section
from models.work import Assignment, EvidenceFile, Submission

__all__ = [
    "Activity",
    "ActivityKind",
    "Assignment",
    "AssignmentStatus",
    "AuditLog",
    "Base",
    "ConversationState",
    "DueDate",
    "DueKind",
    "EvidenceFile",
    "EvidenceKind",
    "Invite",
    "MessageLink",
    "Municipality",
    "Plan",
    "ReminderLog",
    "ReminderPass",
    "ReminderState",
    "Role",
    "School",
    "SchoolKind",
    "Section",
    "Submission",
    "SubmissionState",
    "Target",
    "UpdateInbox",
    "User",
    "utcnow",
]
