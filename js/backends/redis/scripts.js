// The Lua scripts of RedisBackend, run with EVALSHA (EVAL when the server
// answers NOSCRIPT). Each touches exactly the three keys of one (store, key),
// passed in KEYS and sharing one hash tag, so on a Redis Cluster each runs on
// the one node that owns that slot, atomically: Redis runs a script to the
// end before it serves any other command.
//
// KEYS[1] cur    hash: t (version token), n (write number), ms (time),
//                u (user ids, JSON), v (value)
// KEYS[2] hist   hash: past versions, field = write number padded to 15
//                digits, value = "token\nms\nuserIds\nvalue"
// KEYS[3] times  sorted set: the same fields, scored by their time, for
//                getAtTime (equal times sort by the padded number: oldest first)
// and, for the scripts that keep the listing indexes (slots.js), two keys in
// the same slot under that slot's own hash tag:
// KEYS[4] keys   sorted set of the namespace's keys in this slot (score 0,
//                member = the key in hex, slots.js)
// KEYS[5] users  sorted set of "<user id>:<key in hex>" for the user ids of
//                each key's current entry
// cur's field `ui` lists the user ids (comma-separated, as JS spells them)
// that `users` holds for the key, so a script can take exactly those out.
// Entries written before the indexes existed have no `ui` and are in no
// index until written again or reindexed (REINDEX).
//
// An entry travels back to JS in the packed form "token\nms\nuserIds\nvalue".

import { createHash } from "node:crypto";

/** Lua: replaces the user index members of the key (member ARGV-given) from `old` (a `ui` or false) to `new`. */
const REPLACE_USERS = `
local function replace_users(old, new, member)
  if old then for id in string.gmatch(old, '[^,]+') do redis.call('ZREM', KEYS[5], id .. ':' .. member) end end
  for id in string.gmatch(new, '[^,]+') do redis.call('ZADD', KEYS[5], 0, id .. ':' .. member) end
end
`;

/**
 * Compare-and-set. ARGV: expected token ("" = the key must not exist),
 * value, user ids (JSON), nonce (random, per put call), past versions to
 * keep (-1 = all), the key's index member, the user ids as `ui` spells
 * them. Returns the new token, or false when the condition failed. The
 * listing indexes are updated in the same script.
 *
 * The token is "<write number>.<nonce>": the number orders the history, the
 * nonce makes a token that was handed out and then lost in a failover
 * (asynchronous replication) never match a later, different version with
 * the same number. The same call run twice (ioredis resends a command whose
 * reply was lost to a dropped connection) finds its own nonce in the current
 * token and answers that token again instead of writing twice.
 *
 * Time is the server's clock (TIME), never before the previous version's,
 * so getAtTime stays ordered within a key even across a failover to a node
 * whose clock is behind.
 */
export const CAS = `${REPLACE_USERS}
local cur = redis.call('HMGET', KEYS[1], 't', 'n', 'ms', 'u', 'v', 'ui')
local token = cur[1]
local expected = ARGV[1]
local nonce = ARGV[4]
if token ~= expected then
  if token and string.sub(token, -(#nonce + 1)) == '.' .. nonce then return token end
  if token or expected ~= '' then return false end
end
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local n = 1
if token then
  n = tonumber(cur[2]) + 1
  local prev = tonumber(cur[3])
  if prev > ms then ms = prev end
  local keep = tonumber(ARGV[5])
  if keep ~= 0 then
    local field = string.format('%015d', n - 1)
    redis.call('HSET', KEYS[2], field, token .. '\\n' .. cur[3] .. '\\n' .. cur[4] .. '\\n' .. cur[5])
    redis.call('ZADD', KEYS[3], prev, field)
    if keep > 0 then
      local excess = redis.call('ZCARD', KEYS[3]) - keep
      while excess > 0 do
        local chunk = math.min(excess, 1000)
        local old = redis.call('ZRANGE', KEYS[3], 0, chunk - 1)
        redis.call('HDEL', KEYS[2], unpack(old))
        redis.call('ZREMRANGEBYRANK', KEYS[3], 0, chunk - 1)
        excess = excess - chunk
      end
    end
  end
end
local fresh = string.format('%d', n) .. '.' .. nonce
redis.call('HSET', KEYS[1], 't', fresh, 'n', string.format('%d', n), 'ms', string.format('%d', ms), 'u', ARGV[3], 'v', ARGV[2], 'ui', ARGV[7])
redis.call('ZADD', KEYS[4], 0, ARGV[6])
replace_users(cur[6], ARGV[7], ARGV[6])
return fresh
`;

/**
 * Removes the key: its current entry, its history and its index members.
 * ARGV: the key's index member. Returns 1, or 0 if there was no key. Tokens
 * carry a random nonce, so one handed out before is never current again.
 */
export const REMOVE = `${REPLACE_USERS}
local cur = redis.call('HMGET', KEYS[1], 't', 'ui')
if not cur[1] then return 0 end
replace_users(cur[2], '', ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
return 1
`;

/**
 * Puts a key into the listing indexes as its current entry says, if that
 * entry is still the one with token ARGV[1] (else 0: it was written or
 * removed since, and whoever did that keeps the index). ARGV: token, index
 * member, user ids as `ui` spells them. For entries written before the
 * indexes existed, or by an older version since.
 */
export const REINDEX = `${REPLACE_USERS}
local cur = redis.call('HMGET', KEYS[1], 't', 'ui')
if cur[1] ~= ARGV[1] then return 0 end
redis.call('ZADD', KEYS[4], 0, ARGV[2])
replace_users(cur[2], ARGV[3], ARGV[2])
redis.call('HSET', KEYS[1], 'ui', ARGV[3])
return 1
`;

/**
 * The versions before a time, newest first, without values. ARGV: time in
 * whole ms (versions strictly before it), at most how many. Returns
 * "token\nms\nuserIds" strings.
 */
export const HISTORY = `
local cur = redis.call('HMGET', KEYS[1], 't', 'ms', 'u')
if not cur[1] then return {} end
local limit = tonumber(ARGV[2])
local out = {}
if tonumber(cur[2]) < tonumber(ARGV[1]) then out[1] = cur[1] .. '\\n' .. cur[2] .. '\\n' .. cur[3] end
if #out < limit then
  local fields = redis.call('ZREVRANGEBYSCORE', KEYS[3], '(' .. ARGV[1], '-inf', 'LIMIT', 0, limit - #out)
  for _, field in ipairs(fields) do
    local packed = redis.call('HGET', KEYS[2], field)
    if packed then
      local a = string.find(packed, '\\n', 1, true)
      local b = string.find(packed, '\\n', a + 1, true)
      local c = string.find(packed, '\\n', b + 1, true)
      out[#out + 1] = string.sub(packed, 1, c - 1)
    end
  end
end
return out
`;

/**
 * One version by token. ARGV: token, its write number padded to 15 digits.
 * Returns the packed entry, or false.
 */
export const VERSION = `
local cur = redis.call('HMGET', KEYS[1], 't', 'ms', 'u', 'v')
if not cur[1] then return false end
if cur[1] == ARGV[1] then return cur[1] .. '\\n' .. cur[2] .. '\\n' .. cur[3] .. '\\n' .. cur[4] end
local past = redis.call('HGET', KEYS[2], ARGV[2])
if past and string.sub(past, 1, #ARGV[1] + 1) == ARGV[1] .. '\\n' then return past end
return false
`;

/**
 * The version current at a time. ARGV: time in ms. Returns the packed entry
 * of the last version written at or before it, or false.
 */
export const AT_TIME = `
local cur = redis.call('HMGET', KEYS[1], 't', 'ms', 'u', 'v')
if not cur[1] then return false end
local at = tonumber(ARGV[1])
if tonumber(cur[2]) <= at then return cur[1] .. '\\n' .. cur[2] .. '\\n' .. cur[3] .. '\\n' .. cur[4] end
local found = redis.call('ZREVRANGEBYSCORE', KEYS[3], ARGV[1], '-inf', 'LIMIT', 0, 1)
if #found == 0 then return false end
return redis.call('HGET', KEYS[2], found[1])
`;

/** The script and its SHA-1, the name EVALSHA knows it by. */
export function script(source) {
  return { source, sha: createHash("sha1").update(source).digest("hex") };
}
