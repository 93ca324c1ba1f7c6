"""The office console's endpoints: its reach, taking a role back, importing people, and
password reset links (made by staff, used by the person without signing in).
"""

from __future__ import annotations

from starlette.requests import Request

from server import policy
from server.domain import directory, password_resets, people_import
from server.domain.errors import Invalid
from server.http import schemas as s
from server.http import schemas_office as o
from server.http.api import person_out
from server.http.framework import Context, Endpoint
from server.http.uploads import read_upload


async def office(ctx: Context) -> o.OfficeOut:
    await policy.authorize(ctx.session, ctx.principal, "office.read")
    reach = await policy.office_reach(ctx.session, ctx.principal)
    return o.OfficeOut(
        everywhere=reach.everywhere,
        org_unit_ids=list(reach.org_unit_ids),
        room_ids=list(reach.room_ids),
        grantable_roles=list(reach.grantable_roles),
    )


async def revoke_role(ctx: Context) -> s.PersonOut:
    body: s.GrantIn = ctx.body
    person = await directory.revoke_role(
        ctx.session,
        ctx.principal,
        ctx.path_int("person_id"),
        role=body.role,
        org_unit_id=body.org_unit_id,
        room_id=body.room_id,
    )
    return person_out(person)


# --- importing people -----------------------------------------------------------------------


async def _upload(request: Request) -> bytes:
    """The uploaded list, refused as soon as it is known to be over the limit."""
    data = await read_upload(request, people_import.MAX_BYTES, people_import.too_big())
    if not data:
        raise Invalid("请选择要导入的文件")
    return data


def _import_out(checked: people_import.Checked, imported: int) -> o.PeopleImportOut:
    rows = [
        o.ImportRowOut(
            line=r.line,
            name=r.values.get("name", ""),
            username=r.values.get("username", ""),
            category=r.values.get("category", ""),
            cppcc_level=r.values.get("cppcc_level", ""),
            phone=r.values.get("phone", ""),
            org_unit=r.values.get("org_unit", ""),
            errors=r.errors,
        )
        for r in checked.rows
    ]
    broken = len(checked.broken)
    return o.PeopleImportOut(rows=rows, valid=len(rows) - broken, invalid=broken, imported=imported)


async def preview_import(ctx: Context) -> o.PeopleImportOut:
    # Check who asks before reading up to 2 MB from them.
    await policy.authorize(ctx.session, ctx.principal, "person.import")
    data = await _upload(ctx.request)
    name = ctx.request.query_params.get("filename", "")[:200]
    checked = await people_import.preview(ctx.session, ctx.principal, data, name)
    return _import_out(checked, 0)


async def import_people(ctx: Context) -> o.PeopleImportOut:
    await policy.authorize(ctx.session, ctx.principal, "person.import")
    data = await _upload(ctx.request)
    name = ctx.request.query_params.get("filename", "")[:200]
    checked = await people_import.run_import(ctx.session, ctx.principal, data, name)
    return _import_out(checked, len(checked.rows))


# --- password reset links -------------------------------------------------------------------


async def create_reset_link(ctx: Context) -> o.ResetLinkOut:
    link = await password_resets.create_link(
        ctx.session,
        ctx.principal,
        ctx.path_int("person_id"),
        ttl_s=ctx.settings.reset_link_ttl_s,
    )
    base = ctx.public_base()
    return o.ResetLinkOut(
        person_id=link.person.id,
        name=link.person.name,
        url=f"{base}/reset/{link.token}",
        expires_at=link.expires_at,
    )


async def read_reset_link(ctx: Context) -> o.ResetInfo:
    person, expires = await password_resets.read_link(ctx.session, ctx.request.path_params["token"])
    return o.ResetInfo(name=person.name, username=person.username, expires_at=expires)


async def use_reset_link(ctx: Context) -> s.Ok:
    body: o.NewPasswordIn = ctx.body
    await password_resets.use_link(ctx.session, ctx.request.path_params["token"], body.password)
    return s.Ok()


ENDPOINTS: list[Endpoint] = [
    Endpoint(
        "GET",
        "/api/office",
        office,
        "办公台：本人负责的组织和协商议事室，以及可授予的角色",
        None,
        o.OfficeOut,
        permission="office.read",
    ),
    Endpoint(
        "POST",
        "/api/people/{person_id:int}/roles/revoke",
        revoke_role,
        "收回角色",
        s.GrantIn,
        s.PersonOut,
        permission="person.revoke",
    ),
    Endpoint(
        "POST",
        "/api/people/import/preview",
        preview_import,
        "预览人员导入（请求体为 CSV 或 XLSX 文件内容，逐行列出错误，不导入）",
        None,
        o.PeopleImportOut,
        {"filename": "string"},
        permission="person.import",
    ),
    Endpoint(
        "POST",
        "/api/people/import",
        import_people,
        "导入人员（全部导入，或有任一行出错时一个也不导入）",
        None,
        o.PeopleImportOut,
        {"filename": "string"},
        permission="person.import",
    ),
    Endpoint(
        "POST",
        "/api/people/{person_id:int}/reset-links",
        create_reset_link,
        "生成一次性密码重置链接",
        None,
        o.ResetLinkOut,
        status=201,
        permission="person.reset",
    ),
    Endpoint(
        "GET",
        "/api/password-resets/{token}",
        read_reset_link,
        "查看密码重置链接（无需登录）",
        None,
        o.ResetInfo,
        permission="password.reset",
    ),
    Endpoint(
        "POST",
        "/api/password-resets/{token}",
        use_reset_link,
        "用重置链接设置新密码（无需登录；之后其他登录全部失效）",
        o.NewPasswordIn,
        s.Ok,
        permission="password.reset",
    ),
]
