"""Per-poll keys of secret ballots, kept outside the database, and sealing a choice under one.

A key lives from its poll's opening to its close, in HSL_BALLOT_KEY_DIR or in Redis.

While a secret poll is open each choice is stored sealed (AES-256-GCM, a random nonce per
ballot, the meeting and poll as associated data, padded to one length per poll kind), so
no copy of the database files taken while the poll is open reads a choice, and no copy
taken later can match a sealed ballot to its opened one: the key is gone by then. The
threat model and its costs are in docs/ballot-secrecy.md.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import secrets
from pathlib import Path
from typing import Any, Protocol

import redis.asyncio as aioredis
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
NONCE_BYTES = 12
REDIS_PREFIX = "hsl:ballot-key:"
# Every sealed ballot of a poll has the same length, whatever was chosen: choices are
# padded with spaces (which JSON ignores) to this many bytes. A free-text answer of at
# most 200 characters fits in 1024 bytes of JSON; every other kind in 256.
PADDED_BYTES = {"text": 1024}
DEFAULT_PADDED_BYTES = 256


class KeyStore(Protocol):
    """Where a poll's key is kept while the poll is open."""

    async def put(self, key_id: str, key: bytes) -> None: ...
    async def read(self, key_id: str) -> bytes | None: ...
    async def remove(self, key_id: str) -> None: ...


class FileKeyStore:
    """One file per key, written and flushed to disk before the poll that uses it opens."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, key_id: str) -> Path:
        if not key_id.replace("-", "").isalnum():
            raise ValueError(f"not a key id: {key_id!r}")
        return self.directory / f"{key_id}.key"

    async def put(self, key_id: str, key: bytes) -> None:
        await asyncio.to_thread(self._put, key_id, key)

    def _put(self, key_id: str, key: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self._path(key_id), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, key)
            os.fsync(fd)
        finally:
            os.close(fd)
        _sync_directory(self.directory)

    async def read(self, key_id: str) -> bytes | None:
        return await asyncio.to_thread(self._read, key_id)

    def _read(self, key_id: str) -> bytes | None:
        try:
            key = self._path(key_id).read_bytes()
        except FileNotFoundError:
            return None
        return key if len(key) == KEY_BYTES else None

    async def remove(self, key_id: str) -> None:
        await asyncio.to_thread(self._remove, key_id)

    def _remove(self, key_id: str) -> None:
        path = self._path(key_id)
        try:
            # Overwritten first: on most file systems the old bytes are then gone too.
            with open(path, "r+b") as f:
                f.write(bytes(KEY_BYTES))
                f.flush()
                os.fsync(f.fileno())
            path.unlink()
        except FileNotFoundError:
            return
        _sync_directory(self.directory)


def _sync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class RedisKeyStore:
    """Keys in Redis, so that every worker of a deployment seals and opens with the same key."""

    def __init__(self, redis: aioredis.Redis) -> None:
        self.redis = redis

    async def put(self, key_id: str, key: bytes) -> None:
        if not await self.redis.set(REDIS_PREFIX + key_id, key, nx=True):
            raise RuntimeError(f"ballot key {key_id} exists already")

    async def read(self, key_id: str) -> bytes | None:
        key = await self.redis.get(REDIS_PREFIX + key_id)
        return key if isinstance(key, bytes) and len(key) == KEY_BYTES else None

    async def remove(self, key_id: str) -> None:
        await self.redis.delete(REDIS_PREFIX + key_id)


class BallotKeys:
    """Creates, finds and destroys poll keys; each worker remembers the keys it has read."""

    def __init__(self, store: KeyStore) -> None:
        self.store = store
        self._known: dict[str, bytes] = {}

    async def create(self, key_id: str) -> None:
        """A new key, durable in the store when this returns."""
        key = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
        await self.store.put(key_id, key)
        self._known[key_id] = key

    async def get(self, key_id: str) -> bytes | None:
        key = self._known.get(key_id)
        if key is None:
            key = await self.store.read(key_id)
            if key is not None:
                self._known[key_id] = key
        return key

    async def destroy(self, key_id: str) -> None:
        self._known.pop(key_id, None)
        await self.store.remove(key_id)


def new_key_id() -> str:
    return secrets.token_hex(16)


def _associated(meeting_id: int, poll_id: str) -> bytes:
    return f"{meeting_id}/{poll_id}".encode()


def seal(key: bytes, meeting_id: int, poll_id: str, kind: str, choice: Any) -> str:
    """The choice sealed under the poll's key, as base64 text of one length per poll kind."""
    plain = json.dumps(choice, ensure_ascii=False, separators=(",", ":")).encode()
    size = PADDED_BYTES.get(kind, DEFAULT_PADDED_BYTES)
    if len(plain) > size:  # not for any valid choice; still padded to a whole block
        size = -(-len(plain) // size) * size
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, plain.ljust(size), _associated(meeting_id, poll_id))
    return base64.b64encode(nonce + sealed).decode()


class BrokenBallot(Exception):
    """A sealed ballot that does not open under its poll's key (changed, or another poll's)."""


def unseal(key: bytes, meeting_id: int, poll_id: str, sealed: str) -> Any:
    try:
        raw = base64.b64decode(sealed.encode(), validate=True)
        plain = AESGCM(key).decrypt(
            raw[:NONCE_BYTES], raw[NONCE_BYTES:], _associated(meeting_id, poll_id)
        )
    except (ValueError, InvalidTag) as exc:
        raise BrokenBallot(poll_id) from exc
    return json.loads(plain)


def key_store(directory: Path, redis: aioredis.Redis | None) -> BallotKeys:
    """Redis when the workers share one, else files in `directory`."""
    if redis is not None:
        return BallotKeys(RedisKeyStore(redis))
    return BallotKeys(FileKeyStore(directory))
