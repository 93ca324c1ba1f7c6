"""Importing people from a CSV or XLSX file: read the table, check every row, then create all
of them in one transaction or none; each refused row is named with its line and reason.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

import anyio
from charset_normalizer import from_bytes
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server import policy
from server.auth import Principal
from server.db.models import OrgUnit, Person
from server.domain.errors import Conflict, Invalid
from server.policy import Target

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
MAX_UNPACKED = 50 * 1024 * 1024  # what an XLSX may unpack to, against zip bombs
MAX_COLUMNS = 30
OUT_OF_REACH = "所属组织不在您负责的范围内"
NO_UNIT = "所属组织必填（您只能把人员放在本人负责的组织下）"

COLUMNS = {
    "name": ("姓名", "name"),
    "username": ("用户名", "账号", "username"),
    "category": ("类别", "人员类别", "category"),
    "cppcc_level": ("委员级别", "政协级别", "cppcc_level"),
    "phone": ("手机", "手机号", "电话", "联系电话", "phone"),
    "org_unit": ("所属组织", "组织", "org_unit"),
}
CATEGORY_WORDS = {
    "委员": "member",
    "政协委员": "member",
    "member": "member",
    "利益相关方代表": "stakeholder",
    "利益相关方": "stakeholder",
    "stakeholder": "stakeholder",
    "部门负责人": "official",
    "部门/村居负责人": "official",  # the name the interface shows
    "村居负责人": "official",
    "负责人": "official",
    "official": "official",
    "其他": "guest",
    "其他人员": "guest",
    "guest": "guest",
}
LEVEL_WORDS = {"市级": "city", "市": "city", "city": "city", "县级": "county", "县": "county"}
LEVEL_WORDS["county"] = "county"
USERNAME = re.compile(r"^[\w.@-]{2,64}$")
PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


@dataclass
class Row:
    """One data row of the file: its line in the file, what it says, what is wrong with it."""

    line: int
    values: dict[str, str]
    errors: list[str] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass
class Checked:
    rows: list[Row]

    @property
    def broken(self) -> list[Row]:
        return [r for r in self.rows if r.errors]


# -- reading the file -----------------------------------------------------------------------


def too_big() -> Invalid:
    return Invalid(f"文件过大：人员名单文件不能超过 {MAX_BYTES // (1024 * 1024)} MB")


def read_table(data: bytes, filename: str) -> list[list[str]]:
    """The file's cells as text, header first; refuses what is not a CSV or XLSX table."""
    if len(data) > MAX_BYTES:
        raise too_big()
    name = filename.lower()
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise Invalid("这是旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或 CSV 后再导入")
    if name.endswith((".xlsx", ".xlsm")):
        raise Invalid("该文件不是有效的 XLSX 文件，请重新从 Excel 保存后再导入")
    suffix = name.rsplit(".", 1)[-1] if "." in name else ""
    if suffix not in ("", "csv", "txt"):
        raise Invalid("只能导入 CSV 或 XLSX 文件（.csv、.xlsx），请另存为其中一种格式后再导入")
    return _read_csv(data)


def _read_csv(data: bytes) -> list[list[str]]:
    if b"\x00" in data:
        raise Invalid("该文件不是文本格式的 CSV，请另存为 CSV（UTF-8）或 XLSX 后再导入")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        best = from_bytes(data, cp_isolation=["gb18030", "gbk", "big5"]).best()
        if best is None:
            raise Invalid("无法识别文件的文字编码，请另存为 UTF-8 或 GBK 编码的 CSV") from None
        text = str(best)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    rows = []
    for row in csv.reader(io.StringIO(text), delimiter=delimiter):
        rows.append([cell.strip() for cell in row[:MAX_COLUMNS]])
        if len(rows) > MAX_ROWS + 1:
            raise _too_many()
    return rows


def _too_many() -> Invalid:
    return Invalid(f"人员太多：一次最多导入 {MAX_ROWS} 行，请分成几个文件导入")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone number typed as a number
    return str(value).strip()


def _read_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook  # loaded on the first import only

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED:
                raise Invalid("XLSX 文件解压后过大，请删去多余的工作表或内容后再导入")
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Invalid:
        raise
    except Exception:  # any damage in untrusted input means one thing to the user
        raise Invalid("无法读取该 XLSX 文件，请用 Excel 或 WPS 重新保存后再导入") from None
    try:
        sheet = book.worksheets[0]
        rows = []
        for values in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS):
            rows.append([_cell(v) for v in values])
            if len(rows) > MAX_ROWS + 1:
                raise _too_many()
        return rows
    except Invalid:
        raise
    except Exception:
        raise Invalid("无法读取该 XLSX 文件，请用 Excel 或 WPS 重新保存后再导入") from None
    finally:
        book.close()


# -- checking the rows ----------------------------------------------------------------------


def _header(cells: list[str]) -> dict[str, int]:
    where: dict[str, int] = {}
    for index, cell in enumerate(cells):
        for key, words in COLUMNS.items():
            if cell.strip().lower() in words and key not in where:
                where[key] = index
    missing = [COLUMNS[k][0] for k in ("name", "username", "category") if k not in where]
    if missing:
        raise Invalid(
            "第 1 行应为表头，缺少列：" + "、".join(missing) + "（可用的列：姓名、用户名、类别、"
            "委员级别、手机、所属组织）"
        )
    return where


async def check(
    session: AsyncSession, principal: Principal | None, table: list[list[str]]
) -> Checked:
    """Every row with the reasons it cannot be imported (none when it can)."""
    if not table or not any(table[0]):
        raise Invalid("文件是空的：第 1 行应为表头（姓名、用户名、类别、委员级别、手机、所属组织）")
    where = _header(table[0])
    units = list(await session.scalars(select(OrgUnit)))
    by_name: dict[str, list[OrgUnit]] = {}
    for unit in units:
        by_name.setdefault(unit.name, []).append(unit)
    reachable: dict[int | None, bool] = {}
    rows: list[Row] = []
    for offset, cells in enumerate(table[1:], start=2):
        if not any(cells):
            continue
        values = {k: cells[i] if i < len(cells) else "" for k, i in where.items()}
        rows.append(Row(offset, values))
    if not rows:
        raise Invalid("文件中没有人员：表头下面至少要有一行")
    usernames = [r.values.get("username", "") for r in rows]
    taken = set(
        await session.scalars(select(Person.username).where(Person.username.in_(usernames)))
    )
    seen: dict[str, int] = {}
    for row in rows:
        _check_row(row, by_name, taken, seen)
        unit_id = row.fields.get("org_unit_id")
        if "org_unit_id" in row.fields:
            if unit_id not in reachable:
                target = Target(org_unit_id=unit_id)
                reachable[unit_id] = await policy.allows(
                    session, principal, "person.create", target
                )
            if not reachable[unit_id]:
                row.errors.append(OUT_OF_REACH if unit_id else NO_UNIT)
    return Checked(rows)


def _check_row(
    row: Row, by_name: dict[str, list[OrgUnit]], taken: set[str], seen: dict[str, int]
) -> None:
    v = row.values
    errors = row.errors
    name = v.get("name", "")
    if not name:
        errors.append("姓名必填")
    elif len(name) > 64:
        errors.append("姓名最多 64 个字")
    username = v.get("username", "")
    if not username:
        errors.append("用户名必填")
    elif not USERNAME.match(username):
        errors.append("用户名只能用 2 到 64 个字母、数字、下划线、点、@ 或 -")
    elif username in taken:
        errors.append(f"用户名 {username} 已被使用")
    elif username in seen:
        errors.append(f"用户名 {username} 与第 {seen[username]} 行重复")
    else:
        seen[username] = row.line
    raw_category = v.get("category", "")
    category = CATEGORY_WORDS.get(raw_category.lower())
    if category is None:
        errors.append(
            f"类别“{raw_category}”不正确，应为 委员、利益相关方代表、部门/村居负责人 或 其他人员"
            if raw_category
            else "类别必填（委员、利益相关方代表、部门/村居负责人 或 其他人员）"
        )
    raw_level = v.get("cppcc_level", "")
    level = LEVEL_WORDS.get(raw_level.lower()) if raw_level else None
    if raw_level and level is None:
        errors.append(f"委员级别“{raw_level}”不正确，应为 市级 或 县级，非委员请留空")
    elif level is not None and category not in (None, "member"):
        errors.append("只有委员才填委员级别（市级或县级），其他类别请留空")
    phone = v.get("phone", "").replace(" ", "")
    if phone and not PHONE.match(phone):
        errors.append(f"手机号“{v.get('phone')}”格式不正确，应为 11 位手机号或带区号的固定电话")
    unit_name = v.get("org_unit", "")
    unit_id: int | None = None
    if unit_name:
        found = by_name.get(unit_name, [])
        if not found:
            errors.append(f"没有名为“{unit_name}”的组织")
        elif len(found) > 1:
            errors.append(f"有多个名为“{unit_name}”的组织，请联系上级工作人员处理")
        else:
            unit_id = found[0].id
    if not unit_name or unit_id is not None:
        row.fields["org_unit_id"] = unit_id
    row.fields.update(
        username=username,
        name=name,
        category=category,
        cppcc_level=level,
        phone=phone or None,
    )


# -- the whole import -----------------------------------------------------------------------


async def preview(
    session: AsyncSession, principal: Principal | None, data: bytes, filename: str
) -> Checked:
    await policy.authorize(session, principal, "person.import")
    table = await anyio.to_thread.run_sync(read_table, data, filename)
    return await check(session, principal, table)


async def run_import(
    session: AsyncSession, principal: Principal | None, data: bytes, filename: str
) -> Checked:
    """Create every person of the file in one transaction, or nobody when any row is wrong."""
    checked = await preview(session, principal, data, filename)
    broken = checked.broken
    if broken:
        listed = "；".join(f"第 {r.line} 行：{'，'.join(r.errors)}" for r in broken[:20])
        more = f"；另有 {len(broken) - 20} 行" if len(broken) > 20 else ""
        raise Invalid(f"有 {len(broken)} 行有误，未导入任何人员。{listed}{more}")
    session.add_all(Person(**row.fields, password_hash=None) for row in checked.rows)
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        raise Conflict("导入时有用户名刚被他人占用，未导入任何人员，请重新预览后再导入") from None
    return checked
