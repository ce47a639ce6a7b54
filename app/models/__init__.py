"""System tables (managed by Alembic); per-form record tables live in app.records."""

from app.models.api_token import ApiToken
from app.models.attachment import Attachment
from app.models.audit_event import AuditEvent
from app.models.department import Department, department_member
from app.models.form import Form, FormAddress, FormVersion
from app.models.grant import Grant
from app.models.login_session import LoginSession
from app.models.login_throttle import LoginThrottle
from app.models.outbox_message import OutboxMessage
from app.models.record_comment import RecordComment, RecordMention
from app.models.record_revision import RecordRevision
from app.models.recovery_code import RecoveryCode
from app.models.saved_view import SavedView
from app.models.seat import OnePerValue, Registration, SeatPool
from app.models.site_setting import SiteSetting
from app.models.survey_respondent import SurveyRespondent
from app.models.template import Template
from app.models.user import User

__all__ = [
    "ApiToken",
    "Attachment",
    "AuditEvent",
    "Department",
    "Form",
    "FormAddress",
    "FormVersion",
    "Grant",
    "LoginSession",
    "LoginThrottle",
    "OnePerValue",
    "OutboxMessage",
    "RecordComment",
    "RecordMention",
    "RecordRevision",
    "RecoveryCode",
    "Registration",
    "SavedView",
    "SeatPool",
    "SiteSetting",
    "SurveyRespondent",
    "Template",
    "User",
    "department_member",
]
