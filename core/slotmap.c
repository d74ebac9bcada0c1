/* slotmap.c — Redis Cluster slot table, cluster error replies and key positions (slotmap.h). */
#include "core/slotmap.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

void slotmap_init(struct slotmap *m)
{
    memset(m, 0, sizeof(*m));
    slotmap_clear_owners(m);
}

void slotmap_clear_owners(struct slotmap *m)
{
    for (unsigned s = 0; s < PARTITION_SLOTS; s++)
        m->owner[s] = -1;
}

int slotmap_node(struct slotmap *m, const char *host, size_t hlen, long port)
{
    if (hlen == 0 || hlen >= SLOTMAP_HOST_MAX || port < 1 || port > 65535)
        return -1;
    for (size_t i = 0; i < hlen; i++)
        if ((unsigned char)host[i] <= ' ' || host[i] == 0x7f)
            return -1;
    for (unsigned i = 0; i < m->nnodes; i++)
        if (m->nodes[i].port == port && strlen(m->nodes[i].host) == hlen &&
            memcmp(m->nodes[i].host, host, hlen) == 0)
            return (int)i;
    if (m->nnodes == SLOTMAP_NODES_MAX)
        return -1;
    struct slotmap_node *n = &m->nodes[m->nnodes];
    memcpy(n->host, host, hlen);
    n->host[hlen] = '\0';
    n->port = (int)port;
    return (int)m->nnodes++;
}

int slotmap_assign(struct slotmap *m, long start, long end, int node)
{
    if (start < 0 || end >= PARTITION_SLOTS || start > end || node < 0 ||
        (unsigned)node >= m->nnodes)
        return -1;
    for (long s = start; s <= end; s++)
        m->owner[s] = (int16_t)node;
    return 0;
}

int slotmap_owner(const struct slotmap *m, unsigned slot)
{
    return slot < PARTITION_SLOTS ? m->owner[slot] : -1;
}

unsigned slotmap_covered(const struct slotmap *m)
{
    unsigned n = 0;
    for (unsigned s = 0; s < PARTITION_SLOTS; s++)
        n += m->owner[s] >= 0;
    return n;
}

/* ---------------------------------------------------------------------------------------------
 * Error replies
 * ------------------------------------------------------------------------------------------ */

static int word_is(const char *s, size_t len, const char *word)
{
    size_t w = strlen(word);
    return len >= w && memcmp(s, word, w) == 0 && (len == w || s[w] == ' ');
}

/* Parses "<slot> <host>:<port>" (the rest of a MOVED/ASK reply). Returns 0 or -1. */
static int parse_target(const char *s, size_t len, struct slotmap_redirect *out)
{
    size_t i = 0;
    long slot = 0;
    if (i == len || s[i] < '0' || s[i] > '9')
        return -1;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
        slot = slot * 10 + (s[i] - '0');
        if (slot >= PARTITION_SLOTS)
            return -1;
    }
    if (i == len || s[i] != ' ')
        return -1;
    const char *addr = s + i + 1;
    size_t alen = len - i - 1;
    const char *colon = NULL;
    for (size_t k = 0; k < alen; k++)
        if (addr[k] == ':')
            colon = addr + k;
    if (colon == NULL)
        return -1;
    size_t hlen = (size_t)(colon - addr), plen = alen - hlen - 1;
    if (hlen >= SLOTMAP_HOST_MAX || plen == 0 || plen > 5)
        return -1;
    for (size_t k = 0; k < hlen; k++)
        if ((unsigned char)addr[k] <= ' ' || addr[k] == 0x7f)
            return -1;
    long port = 0;
    for (size_t k = 0; k < plen; k++) {
        char c = colon[1 + k];
        if (c < '0' || c > '9')
            return -1;
        port = port * 10 + (c - '0');
    }
    if (port < 1 || port > 65535)
        return -1;
    out->slot = (unsigned)slot;
    memcpy(out->host, addr, hlen);
    out->host[hlen] = '\0';
    out->port = port;
    return 0;
}

enum slotmap_reply slotmap_reply_parse(const char *err, size_t len, struct slotmap_redirect *out)
{
    memset(out, 0, sizeof(*out));
    if (word_is(err, len, "MOVED") || word_is(err, len, "ASK")) {
        size_t skip = err[0] == 'M' ? 6 : 4;
        if (len > skip && parse_target(err + skip, len - skip, out) == 0)
            out->kind = err[0] == 'M' ? SLOTMAP_REPLY_MOVED : SLOTMAP_REPLY_ASK;
    } else if (word_is(err, len, "TRYAGAIN")) {
        out->kind = SLOTMAP_REPLY_TRYAGAIN;
    } else if (word_is(err, len, "CLUSTERDOWN")) {
        out->kind = SLOTMAP_REPLY_CLUSTERDOWN;
    } else if (word_is(err, len, "CROSSSLOT")) {
        out->kind = SLOTMAP_REPLY_CROSSSLOT;
    }
    return out->kind;
}

const char *slotmap_reply_name(enum slotmap_reply kind)
{
    switch (kind) {
    case SLOTMAP_REPLY_MOVED:
        return "moved";
    case SLOTMAP_REPLY_ASK:
        return "ask";
    case SLOTMAP_REPLY_TRYAGAIN:
        return "tryagain";
    case SLOTMAP_REPLY_CLUSTERDOWN:
        return "clusterdown";
    case SLOTMAP_REPLY_CROSSSLOT:
        return "crossslot";
    case SLOTMAP_REPLY_OTHER:
    default:
        return "";
    }
}

int slotmap_info_cluster_enabled(const char *info, size_t len)
{
    static const char field[] = "cluster_enabled:";
    size_t fl = sizeof(field) - 1;
    for (size_t i = 0; i + fl < len; i++) {
        if ((i == 0 || info[i - 1] == '\n') && memcmp(info + i, field, fl) == 0) {
            char v = info[i + fl];
            return v == '1' ? 1 : v == '0' ? 0 : -1;
        }
    }
    return -1;
}

/* ---------------------------------------------------------------------------------------------
 * Key positions
 * ------------------------------------------------------------------------------------------ */

static int arg_is(const char *a, size_t n, const char *word)
{
    return strlen(word) == n && strncasecmp(a, word, n) == 0;
}

int slotmap_key_arg(int argc, const char *const *argv, const size_t *lens)
{
#define LEN(i) (lens ? lens[i] : strlen(argv[i]))
    if (argc < 2)
        return -1;
    const char *c = argv[0];
    size_t cl = LEN(0);
    static const char *const keyless[] = {
        "PING",     "INFO",     "PUBLISH", "CLUSTER",  "SCRIPT",    "CLIENT",     "TIME",
        "ASKING",   "WAIT",     "ROLE",    "ECHO",     "AUTH",      "SELECT",     "HELLO",
        "DBSIZE",   "FLUSHALL", "FLUSHDB", "CONFIG",   "COMMAND",   "READONLY",   "READWRITE",
        "FUNCTION", "DEBUG",    "LATENCY", "SLOWLOG",  "SUBSCRIBE", "PSUBSCRIBE", "SAVE",
        "BGSAVE",   "SHUTDOWN", "SCAN",    "KEYS",     "RANDOMKEY", "ACL",        "PUBSUB",
        "MULTI",    "EXEC",     "DISCARD", "LASTSAVE", "MONITOR",   "QUIT",       "RESET",
    };
    for (size_t i = 0; i < sizeof(keyless) / sizeof(keyless[0]); i++)
        if (arg_is(c, cl, keyless[i]))
            return -1;
    if (arg_is(c, cl, "XREAD") || arg_is(c, cl, "XREADGROUP")) {
        for (int i = 1; i + 1 < argc; i++)
            if (arg_is(argv[i], LEN(i), "STREAMS"))
                return i + 1;
        return -1;
    }
    if (arg_is(c, cl, "EVAL") || arg_is(c, cl, "EVALSHA") || arg_is(c, cl, "EVAL_RO") ||
        arg_is(c, cl, "EVALSHA_RO") || arg_is(c, cl, "FCALL") || arg_is(c, cl, "FCALL_RO")) {
        if (argc < 4)
            return -1;
        size_t n = LEN(2);
        long k = 0;
        for (size_t i = 0; i < n && i < 6; i++) {
            if (argv[2][i] < '0' || argv[2][i] > '9')
                return -1;
            k = k * 10 + (argv[2][i] - '0');
        }
        return n > 0 && n < 6 && k > 0 ? 3 : -1;
    }
    if (arg_is(c, cl, "XINFO") || arg_is(c, cl, "XGROUP") || arg_is(c, cl, "OBJECT") ||
        arg_is(c, cl, "MEMORY"))
        return argc >= 3 ? 2 : -1;
    return 1;
#undef LEN
}
