"""What is kept: typed tables, money, sessions and migrations."""

from models.access import AccessEvent, SigninRequest, UsedToken
from models.base import Base
from models.journal import AuditEvent, OutboxMessage
from models.people import City, Person, Programme, ProgrammeVersion, RoleAssignment
from models.records import ChecklistTick, Grant, Plan, Report, Tranche
from models.timers import Deadline, Rung

__all__ = [
    "AccessEvent",
    "AuditEvent",
    "Base",
    "ChecklistTick",
    "City",
    "Deadline",
    "Grant",
    "OutboxMessage",
    "Person",
    "Plan",
    "Programme",
    "ProgrammeVersion",
    "Report",
    "RoleAssignment",
    "Rung",
    "SigninRequest",
    "Tranche",
    "UsedToken",
]
