"""Connection counts per meeting participant, shared by every worker.

Only the first connection and the last disconnection of a participant become live events,
so a person with a phone and a laptop, or a probe with a thousand tabs, is one presence.
"""

from __future__ import annotations

from collections import Counter

import redis.asyncio as aioredis

STALE_AFTER_S = 12 * 3600


class PresenceCounter:
    """Counts connections per (meeting, participant): in memory, or in Redis across workers."""

    def __init__(self, redis: aioredis.Redis | None = None) -> None:
        self.redis = redis
        self._local: Counter[tuple[int, str]] = Counter()

    @staticmethod
    def _key(meeting_id: int) -> str:
        return f"hsl:presence:{meeting_id}"

    async def connect(self, meeting_id: int, participant_id: str) -> int:
        """Count one more connection; returns the participant's count across workers."""
        self._local[(meeting_id, participant_id)] += 1
        if self.redis is None:
            return self._local[(meeting_id, participant_id)]
        key = self._key(meeting_id)
        count = int(await self.redis.hincrby(key, participant_id, 1))
        # Counts of a worker that died are never taken back; they lapse with the key.
        await self.redis.expire(key, STALE_AFTER_S)
        return count

    async def disconnect(self, meeting_id: int, participant_id: str) -> int:
        """Count one connection fewer; returns what is left across workers (never below 0)."""
        local_key = (meeting_id, participant_id)
        if self._local[local_key] <= 0:
            return 0
        self._local[local_key] -= 1
        if self._local[local_key] == 0:
            del self._local[local_key]
        if self.redis is None:
            return self._local.get(local_key, 0)
        left = int(await self.redis.hincrby(self._key(meeting_id), participant_id, -1))
        if left <= 0:
            await self.redis.hdel(self._key(meeting_id), participant_id)
        return max(left, 0)

    async def release_all(self) -> None:
        """Take back this worker's connections, e.g. when it shuts down."""
        for (meeting_id, participant_id), count in list(self._local.items()):
            for _ in range(count):
                await self.disconnect(meeting_id, participant_id)
