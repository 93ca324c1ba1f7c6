"""The JSON shapes of the office console: its reach, people imports and password reset links.

Lengths and choices are bounded here so that bad input is refused before it reaches a rule.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from server.http.schemas import Input, Password, Role


class OfficeOut(BaseModel):
    """Where the caller runs the office and which roles they may hand out there."""

    everywhere: bool
    org_unit_ids: list[int]
    room_ids: list[int]
    grantable_roles: list[Role]


class ImportRowOut(BaseModel):
    line: int
    name: str
    username: str
    category: str
    cppcc_level: str
    phone: str
    org_unit: str
    errors: list[str]


class PeopleImportOut(BaseModel):
    rows: list[ImportRowOut]
    valid: int
    invalid: int
    imported: int


class ResetLinkOut(BaseModel):
    person_id: int
    name: str
    url: str
    expires_at: datetime


class ResetInfo(BaseModel):
    name: str
    username: str
    expires_at: datetime


class NewPasswordIn(Input):
    password: Password
