/* gscripts.c — the Lua bodies of group mode (contracts in gscripts.h). */
#include "app/group/gscripts.h"

#define FENCE_CHECK                                                                                \
    "if redis.call('GET', KEYS[1]) ~= ARGV[1] then\n"                                              \
    "  return redis.error_reply('WRFENCED the lease of ' .. KEYS[1] .. ' is not ours any more')\n" \
    "end\n"

#define TYPE_CHECK                                                                                 \
    "local function need(key, want)\n"                                                             \
    "  local t = redis.call('TYPE', key)['ok']\n"                                                  \
    "  if t ~= want and t ~= 'none' then\n"                                                        \
    "    return redis.error_reply('WRTYPE ' .. key .. ' is a ' .. t .. ', not a ' .. want)\n"      \
    "  end\n"                                                                                      \
    "end\n"

/* entries from ARGV[i]: id nfields fields...; pcall so a replayed ID is counted, not fatal */
#define ADD_ENTRIES                                                                                \
    "local function add(key, i, n)\n"                                                              \
    "  local written, refused = 0, 0\n"                                                            \
    "  for e = 1, n do\n"                                                                          \
    "    local id, nf = ARGV[i], tonumber(ARGV[i + 1])\n"                                          \
    "    local args = {}\n"                                                                        \
    "    for k = 1, nf do args[k] = ARGV[i + 1 + k] end\n"                                         \
    "    i = i + 2 + nf\n"                                                                         \
    "    local r = redis.pcall('XADD', key, id, unpack(args))\n"                                   \
    "    if type(r) == 'table' and r.err then\n"                                                   \
    "      if not string.find(r.err, 'equal or smaller') then error(r.err) end\n"                  \
    "      refused = refused + 1\n"                                                                \
    "    else\n"                                                                                   \
    "      written = written + 1\n"                                                                \
    "    end\n"                                                                                    \
    "  end\n"                                                                                      \
    "  return written, refused\n"                                                                  \
    "end\n"                                                                                        \
    "local function now_ms()\n"                                                                    \
    "  local t = redis.call('TIME')\n"                                                             \
    "  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"                         \
    "end\n"                                                                                        \
    "local function trim(key, minid)\n"                                                            \
    "  minid = tonumber(minid)\n"                                                                  \
    "  if minid and minid > 0 then redis.call('XTRIM', key, 'MINID', '~', minid) end\n"            \
    "end\n"

static const char acquire_src[] = TYPE_CHECK
    "local cur = redis.call('GET', KEYS[1])\n"
    "if cur then\n"
    "  local owner = string.match(cur, '^(%S+) ')\n"
    "  if owner ~= ARGV[1] then return {0, cur} end\n"
    "end\n"
    "local bad = need(KEYS[3], 'stream') or need(KEYS[2], 'hash')\n"
    "if bad then return bad end\n"
    "local last = redis.call('HGET', KEYS[2], 'last')\n"
    "if not last or last == '' then last = '0-0' end\n"
    "local made = redis.pcall('XGROUP', 'CREATE', KEYS[3], ARGV[3], last, 'MKSTREAM')\n"
    "if type(made) == 'table' and made.err and not string.find(made.err, 'BUSYGROUP') then\n"
    "  return redis.error_reply('WRCKPT ' .. made.err)\n"
    "end\n"
    "local set = redis.pcall('XGROUP', 'SETID', KEYS[3], ARGV[3], last)\n"
    "if type(set) == 'table' and set.err then return redis.error_reply('WRCKPT ' .. set.err) end\n"
    "local tok = redis.call('HINCRBY', KEYS[2], 'fence', 1)\n"
    "redis.call('HSET', KEYS[2], 'owner', ARGV[1])\n"
    "redis.call('SET', KEYS[1], ARGV[1] .. ' ' .. tok, 'PX', ARGV[2])\n"
    "local f = redis.call('HMGET', KEYS[2], 'last', 'closed', 'state', 'events', 'late',\n"
    "                     'rejected', 'refused')\n"
    "local out = {tok}\n"
    "for k = 1, 7 do out[k + 1] = f[k] or '' end\n"
    "return out\n";

static const char renew_src[] = "if redis.call('GET', KEYS[1]) == ARGV[1] then\n"
                                "  redis.call('PEXPIRE', KEYS[1], ARGV[2])\n"
                                "  return 1\n"
                                "end\n"
                                "return 0\n";

static const char release_src[] = "if redis.call('GET', KEYS[1]) == ARGV[1] then\n"
                                  "  redis.call('DEL', KEYS[1])\n"
                                  "  return 1\n"
                                  "end\n"
                                  "return 0\n";

static const char read_src[] =
    FENCE_CHECK "local t = redis.call('TIME')\n"
                "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
                "local r = redis.call('XREADGROUP', 'GROUP', ARGV[2], ARGV[3], 'COUNT', ARGV[4],\n"
                "                     'STREAMS', KEYS[2], '>')\n"
                "if not r or not r[1] then return {now} end\n"
                "return {now, r[1][2]}\n";

static const char commit_src[] = FENCE_CHECK TYPE_CHECK ADD_ENTRIES
    "local bad = need(KEYS[4], 'stream') or need(KEYS[2], 'hash')\n"
    "if bad then return bad end\n"
    "local written, refused = add(KEYS[4], 11, tonumber(ARGV[10]))\n"
    "redis.call('HSET', KEYS[2], 'last', ARGV[3], 'closed', ARGV[4], 'state', ARGV[5],\n"
    "           'events', ARGV[6], 'late', ARGV[7], 'rejected', ARGV[8], 'ts', now_ms())\n"
    "if refused > 0 then redis.call('HINCRBY', KEYS[2], 'refused', refused) end\n"
    "while true do\n"
    "  local p = redis.call('XPENDING', KEYS[3], ARGV[2], '-', ARGV[3], 1000)\n"
    "  if #p == 0 then break end\n"
    "  local ids = {}\n"
    "  for k = 1, #p do ids[k] = p[k][1] end\n"
    "  redis.call('XACK', KEYS[3], ARGV[2], unpack(ids))\n"
    "  if #p < 1000 then break end\n"
    "end\n"
    "trim(KEYS[4], ARGV[9])\n"
    "return {written, refused}\n";

static const char tier_src[] = FENCE_CHECK TYPE_CHECK ADD_ENTRIES
    "local bad = need(KEYS[2], 'stream')\n"
    "if bad then return bad end\n"
    "local written, refused = add(KEYS[2], 5, tonumber(ARGV[4]))\n"
    "trim(KEYS[2], ARGV[2])\n"
    "if need(KEYS[3], 'stream') == nil then trim(KEYS[3], ARGV[3]) end\n"
    "return {written, refused}\n";

struct rscript gscript_acquire, gscript_renew, gscript_release, gscript_read, gscript_commit,
    gscript_tier;

void gscripts_init(void)
{
    rscript_init(&gscript_acquire, acquire_src);
    rscript_init(&gscript_renew, renew_src);
    rscript_init(&gscript_release, release_src);
    rscript_init(&gscript_read, read_src);
    rscript_init(&gscript_commit, commit_src);
    rscript_init(&gscript_tier, tier_src);
}
