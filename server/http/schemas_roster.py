"""The JSON shapes of roster preparation, briefing documents and invitations.

A person found by search carries no contact details; a guest's phone only reaches organisers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from server.http.schemas import (
    Category,
    CppccLevel,
    Input,
    InviteOut,
    MeetingOut,
    MeetingRole,
    Phone,
)

InvitationStatus = Literal["unread", "read", "in_room", "remote", "declined"]
AttendanceMode = Literal["in_room", "remote"]


class PersonFound(BaseModel):
    id: int
    name: str
    category: Category
    cppcc_level: CppccLevel | None
    org_unit_name: str | None
    on_roster: bool


class PeopleFound(BaseModel):
    items: list[PersonFound]


class ParticipantPatch(Input):
    attendance_mode: AttendanceMode | None = None
    role: MeetingRole | None = None
    category: Category | None = None
    guest_phone: Phone | None = None


class InvitationOut(BaseModel):
    status: InvitationStatus
    reason: str | None
    sent_at: datetime
    answered_at: datetime | None
    delivered: str = Field(description="Channels that took it: site, email, sms")


class GuestLink(BaseModel):
    """A guest's newest invite link as staff see it (the link itself is shown only when made)."""

    invite_id: int
    expires_at: datetime
    revoked: bool
    expired: bool


class RosterEntry(BaseModel):
    id: int
    person_id: int | None
    name: str
    category: Category
    role: MeetingRole
    attendance_mode: AttendanceMode | None
    org_unit_name: str | None
    guest_phone: str | None = Field(description="Only for guests without an account")
    invitation: InvitationOut | None
    link: GuestLink | None = Field(default=None, description="A guest's newest invite link")


class CategoryCheck(BaseModel):
    category: Category
    count: int = Field(description="Participants (not moderators or staff) of this category")
    budget_s: int | None
    warnings: list[str]


class AttendanceSummary(BaseModel):
    expected: int = Field(description="应到: everyone on the roster")
    in_room: int
    remote: int
    declined: int
    no_reply: int


class RosterOut(BaseModel):
    meeting_id: int
    locked: bool = Field(description="The meeting has gone live: nobody is removed any more")
    entries: list[RosterEntry]
    categories: list[CategoryCheck]
    summary: AttendanceSummary


class BriefingOut(BaseModel):
    id: int
    meeting_id: int
    filename: str
    content_type: str
    size: int
    uploaded_at: datetime
    url: str


class BriefingAttachmentOut(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int
    url: str


class BriefingResearchOut(BaseModel):
    id: int
    who: str
    place: str
    done_on: datetime
    findings: str
    attachments: list[BriefingAttachmentOut]


class BriefingNoticeOut(BaseModel):
    noticed_at: datetime
    meeting_at: datetime
    place: str
    form: str
    how_to_join: str
    days: int = Field(description="Whole days from the notice to the meeting's day (Beijing)")
    required_days: int = Field(description="The room's notice days (第十四条)")


class BriefingTopicOut(BaseModel):
    """The meeting's topic as the roster reads it before the meeting (第十五条, 第十六条)."""

    topic_id: int
    title: str
    description: str
    notice: BriefingNoticeOut | None
    research: list[BriefingResearchOut]


class BriefingList(BaseModel):
    items: list[BriefingOut]
    topic: BriefingTopicOut | None = None


class InvitationsSent(BaseModel):
    sent: int
    emailed: int
    texted: int


class Resent(BaseModel):
    invitation: InvitationOut
    delivered: list[str] = Field(description="Channels that took it now: email, sms")
    invite: InviteOut | None = Field(description="A guest's new link; the old ones are revoked")


class AnswerIn(Input):
    status: Literal["in_room", "remote", "declined"]
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None


class MyInvitation(BaseModel):
    meeting: MeetingOut
    participant_id: int
    invitation: InvitationOut
    briefings: list[BriefingOut]
    topic: BriefingTopicOut | None = None


class MyInvitationList(BaseModel):
    items: list[MyInvitation]
