import type { Result } from 'ioredis';
import type { RedisConnection as Redis } from './redis-connection';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** See APPEND_EVENT; the reply is the new entry's id. */
    gatehouseAppendEvent(
      streamKey: string,
      bytesKey: string,
      maxEvents: number,
      maxBytes: number,
      ttlSeconds: number,
      streamId: string,
      message: string,
      final: '0' | '1',
    ): Result<string, Context>;
  }
}

/**
 * Appends one event to a session's log and trims it, atomically and in one command (so it rides
 * in the MULTI that also writes the in-flight call entry). KEYS[1] is the stream, KEYS[2] its
 * byte total (the bytes of the `m` fields it holds). The oldest entries go while the log holds
 * more than ARGV[1] events or more than ARGV[2] bytes, but never the entry just added: a client
 * must be able to fetch the event it is about to receive, however large. The trim is exact (no
 * `MAXLEN ~`) so that the total matches the entries kept. A missing total (a log written before
 * the byte budget) is counted from the stream once.
 */
const APPEND_EVENT = `
local function size(fields)
  for i = 1, #fields, 2 do
    if fields[i] == 'm' then return #fields[i + 1] end
  end
  return 0
end
local maxEvents, maxBytes, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local stored = redis.call('GET', KEYS[2])
local id = redis.call('XADD', KEYS[1], '*', 's', ARGV[4], 'm', ARGV[5], 'f', ARGV[6])
local count = redis.call('XLEN', KEYS[1])
local total = 0
if count == 1 then
  -- A new log: the entry just added is all it holds, whatever total may linger.
  total = #ARGV[5]
elseif stored then
  total = tonumber(stored) + #ARGV[5]
else
  local cursor = '-'
  repeat
    local batch = redis.call('XRANGE', KEYS[1], cursor, '+', 'COUNT', 64)
    for _, entry in ipairs(batch) do
      total = total + size(entry[2])
      cursor = '(' .. entry[1]
    end
  until #batch < 64
end
local kept, cursor = count, '-'
while kept > 1 and (kept > maxEvents or total > maxBytes) do
  local oldest = redis.call('XRANGE', KEYS[1], cursor, '+', 'COUNT', 1)[1]
  total = total - size(oldest[2])
  kept = kept - 1
  cursor = '(' .. oldest[1]
end
if kept < count then redis.call('XTRIM', KEYS[1], 'MAXLEN', kept) end
redis.call('EXPIRE', KEYS[1], ttl)
redis.call('SET', KEYS[2], total, 'EX', ttl)
return id
`;

/** Registers the append command on a connection (idempotent: the same script under one name). */
export function defineAppendEvent(redis: Redis): void {
  redis.defineCommand('gatehouseAppendEvent', { numberOfKeys: 2, lua: APPEND_EVENT });
}
