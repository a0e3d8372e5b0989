"""Every table of the service; importing this package registers them all on ``Base``."""

from models.account import Account, Role
from models.api_key import ApiKey
from models.audit_record import AuditRecord
from models.base import Base
from models.change_counter import ChangeCounter
from models.conference import (
    Availability,
    EventSlot,
    Meeting,
    MeetingAnswer,
    MeetingSide,
    MeetingStatus,
    Schedule,
    ScheduledMeeting,
)
from models.deal import Deal
from models.event import Event
from models.feedback import Feedback, FeedbackAction, FeedbackEvent, PassReason
from models.financing_request import FinancingRequest, FinancingRequestSector, RequestStatus
from models.idempotency_key import IdempotencyKey
from models.impression import Impression
from models.investor_profile import (
    InvestorProfile,
    InvestorProfileRegion,
    InvestorProfileSector,
    InvestorProfileStage,
)
from models.outcome import Outcome, OutcomeStage, OutcomeStep, OutcomeStepKind
from models.ranking_model import ModelStatus, RankingModel
from models.rate_limit import RateLimitWindow
from models.report import Report
from models.user import Invitation, User, UserSession
from models.webhook import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookEventType,
    WebhookMatchNotice,
)

__all__ = [
    "Account",
    "ApiKey",
    "AuditRecord",
    "Availability",
    "Base",
    "ChangeCounter",
    "Deal",
    "DeliveryStatus",
    "Event",
    "EventSlot",
    "Feedback",
    "FeedbackAction",
    "FeedbackEvent",
    "FinancingRequest",
    "FinancingRequestSector",
    "IdempotencyKey",
    "Impression",
    "InvestorProfile",
    "InvestorProfileRegion",
    "InvestorProfileSector",
    "InvestorProfileStage",
    "Invitation",
    "Meeting",
    "MeetingAnswer",
    "MeetingSide",
    "MeetingStatus",
    "ModelStatus",
    "Outcome",
    "OutcomeStage",
    "OutcomeStep",
    "OutcomeStepKind",
    "PassReason",
    "RankingModel",
    "RateLimitWindow",
    "Report",
    "RequestStatus",
    "Role",
    "Schedule",
    "ScheduledMeeting",
    "User",
    "UserSession",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
    "WebhookEventType",
    "WebhookMatchNotice",
]
