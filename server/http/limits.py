"""What the API refuses before it parses or queries: ids out of the databases' range, deep JSON.

An id past `MAX_ID` would overflow the database driver; JSON deeper than any form of ours
would otherwise reach Python's recursion limit inside `json.loads`.
"""

from __future__ import annotations

import re

from server.db.models import MAX_ID
from server.domain.errors import Invalid

__all__ = ["MAX_ID", "check_json_depth", "query_id"]
# No body of this API nests deeper than a dozen levels; 64 leaves room and stays far from
# the interpreter's recursion limit.
MAX_JSON_DEPTH = 64

# A JSON string, or an unterminated one running to the end; each byte is looked at once.
_STRING = re.compile(rb'"[^"\\]*+(?:\\.[^"\\]*+)*+"?', re.DOTALL)
_BRACKETS = bytes.maketrans(b"[]{}", b"()()")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def query_id(raw: str | None, name: str) -> int | None:
    """An id given in the query string, or None when absent; refused when out of range."""
    if raw is None or raw == "":
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 10) or not 1 <= int(raw) <= MAX_ID:
        raise Invalid(f"查询参数 {name} 应为正整数编号，请检查后重试")
    return int(raw)


def check_json_depth(raw: bytes, limit: int = MAX_JSON_DEPTH) -> None:
    """Refuse JSON nested deeper than `limit`, counting brackets outside strings.

    Each round deletes every innermost `()` pair, so the rounds needed to empty the
    brackets are the nesting depth; each round is one pass in C over what is left.
    """
    brackets = _STRING.sub(b"", raw).translate(_BRACKETS, _NOT_BRACKETS)
    for _ in range(limit):
        if not brackets:
            return
        shorter = brackets.replace(b"()", b"")
        if len(shorter) == len(brackets):
            raise Invalid("请求体不是有效的 JSON")  # unbalanced brackets
        brackets = shorter
    if brackets:
        raise Invalid(f"请求体的 JSON 嵌套超过 {limit} 层，请简化后重试")
