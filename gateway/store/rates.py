"""Per-client rate-limit buckets in Redis, so N replicas allow a client the rate once.

One Lua script refills and takes a token atomically on Redis's clock (the same
bucket as the quota guard's), under a key per client that expires once the
bucket would be full again: memory is bounded by the clients seen recently,
however many addresses a flood makes up. When Redis cannot be reached the
caller falls back to its own in-process buckets.
"""

from __future__ import annotations

import math

import redis.asyncio as redis
from redis.exceptions import RedisError

from gateway.store.redis import RedisHealth

# Refill by elapsed time, take one token if there is one, else say how long to wait;
# the key expires ARGV[3] seconds after its last use. The quota guard uses it too.
TAKE_TOKEN = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
return tostring(wait)
"""
PREFIX = "gateway:rate:"
LONGEST_KEPT_SECONDS = 86_400


class SharedRates:
    def __init__(self, client: redis.Redis, health: RedisHealth) -> None:
        self._script = client.register_script(TAKE_TOKEN)
        self._health = health

    async def wait_for(self, client: str, rate: float, burst: float) -> float | None:
        """Seconds ``client`` must wait (0: a token was taken); None when Redis failed."""
        refill = min(LONGEST_KEPT_SECONDS, math.ceil(burst / rate) + 1)
        try:
            answer = await self._script(keys=[PREFIX + client], args=[rate, burst, refill])
        except (RedisError, OSError) as error:
            self._health.failed(error, "rate limit")
            return None
        return float(answer)
