/* fuzz_alerts_json.c — the alerting JSON (alerts_json_parse, app/alerts/alerts_json.c): messages on
 * NS:alerts and the values of the state, acks and silences hashes, which any Redis client can
 * write. Properties: an accepted message has its type's required fields; encoded again with the
 * matching encoder it decodes to the same message; its chat line fits any buffer as a prefix of
 * the full line; a transition goes on the alerts board and an ack applies to it, and the board
 * lists what it holds. A refused message leaves nothing allocated. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "app/alerts/alerts_json.h"
#include "core/alert_board.h"

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

static int same(const char *a, const char *b)
{
    return strcmp(or_empty(a), or_empty(b)) == 0;
}

/* Both the same number, or a is not finite and b is NaN (non-finite numbers encode as null).
 * cJSON prints a double with 15 significant digits when that reads back within its own
 * tolerance (a few ulps), so the last bits may change. */
static int same_num(double a, double b)
{
    return isfinite(a) ? fabs(a - b) <= 4 * DBL_EPSILON * fabs(a) : isnan(b);
}

/* Times in ms are exact up to 15 digits (until the year 33658); beyond, see same_num (and a
 * time that rounds up to 9e15 reads back as 0, the "absent" value). */
static int same_ms(int64_t a, int64_t b)
{
    return a == b || a >= 1000000000000000 || a <= -1000000000000000;
}

static void check_same(const struct alerts_msg *a, const struct alerts_msg *b)
{
    FUZZ_CHECK(a->type == b->type);
    const struct alert_board_entry *x = &a->entry, *y = &b->entry;
    switch (a->type) {
    case ALERTS_MSG_TRANSITION:
        FUZZ_CHECK(same(x->id, y->id) && strcmp(x->short_id, y->short_id) == 0);
        FUZZ_CHECK(same(x->rule, y->rule) && same(x->labels, y->labels));
        FUZZ_CHECK(same(x->expr, y->expr) && same(x->series, y->series));
        FUZZ_CHECK(same(x->summary, y->summary) && same(x->runbook, y->runbook));
        FUZZ_CHECK(x->state == y->state && a->from == b->from && a->to == b->to);
        FUZZ_CHECK(x->severity == y->severity && x->silenced == y->silenced);
        FUZZ_CHECK(same_num(x->value, y->value) && same_num(x->threshold, y->threshold));
        FUZZ_CHECK(same_ms(x->since_ms, y->since_ms) &&
                   same_ms(x->active_since_ms, y->active_since_ms));
        FUZZ_CHECK(same(a->by, b->by));
        break;
    case ALERTS_MSG_ACK:
        FUZZ_CHECK(same(a->id, b->id) && same(a->who, b->who) && same_ms(a->at_ms, b->at_ms));
        FUZZ_CHECK(strcmp(x->short_id, y->short_id) == 0);
        break;
    case ALERTS_MSG_SILENCE:
        FUZZ_CHECK(same(a->matcher, b->matcher) && same(a->who, b->who));
        FUZZ_CHECK(same(a->comment, b->comment) && same_ms(a->until_ms, b->until_ms));
        break;
    case ALERTS_MSG_UNSILENCE:
        FUZZ_CHECK(same(a->matcher, b->matcher) && same(a->who, b->who) &&
                   same_ms(a->at_ms, b->at_ms));
        break;
    case ALERTS_MSG_LEADER:
        FUZZ_CHECK(same(a->by, b->by) && same(a->who, b->who) && same_ms(a->at_ms, b->at_ms));
        break;
    }
}

static char *encode(const struct alerts_msg *m)
{
    switch (m->type) {
    case ALERTS_MSG_TRANSITION:
        return alerts_json_transition(&m->entry, m->from, m->by);
    case ALERTS_MSG_ACK:
        return alerts_json_ack(m->id, m->entry.short_id, m->who, m->at_ms);
    case ALERTS_MSG_SILENCE:
        return alerts_json_silence(m->matcher, m->until_ms, m->who, m->comment);
    case ALERTS_MSG_UNSILENCE:
        return alerts_json_unsilence(m->matcher, m->who, m->at_ms);
    case ALERTS_MSG_LEADER:
        return alerts_json_leader(m->by, m->who, m->at_ms);
    }
    return NULL;
}

static void check_chat_text(const struct alerts_msg *m)
{
    size_t cap = 64 * 1024;
    char *full = malloc(cap);
    alerts_chat_text(&m->entry, m->from, full, cap);
    size_t len = strlen(full);
    FUZZ_CHECK(len < cap);
    for (size_t c = 1; c <= 96; c += 19) {
        char *small = malloc(c);
        alerts_chat_text(&m->entry, m->from, small, c);
        size_t got = strlen(small);
        FUZZ_CHECK(got == (len < c - 1 ? len : c - 1) && memcmp(small, full, got) == 0);
        free(small);
    }
    free(full);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    enum alerts_msg_type fallback = (enum alerts_msg_type)(size % 5);
    struct alerts_msg m, again;

    if (alerts_json_parse(s, size, fallback, &m) != 0) {
        FUZZ_CHECK(!m.entry.id && !m.by && !m.id && !m.who && !m.matcher && !m.comment);
        return 0;
    }
    FUZZ_CHECK((unsigned)m.type <= ALERTS_MSG_LEADER);
    switch (m.type) {
    case ALERTS_MSG_TRANSITION:
        FUZZ_CHECK(m.entry.id && *m.entry.id && m.to == m.entry.state);
        FUZZ_CHECK((unsigned)m.entry.state <= ALERT_RESOLVED && (unsigned)m.from <= ALERT_RESOLVED);
        FUZZ_CHECK((unsigned)m.entry.severity <= RULE_SEV_PAGE);
        break;
    case ALERTS_MSG_ACK:
        FUZZ_CHECK(m.id && *m.id);
        break;
    case ALERTS_MSG_SILENCE:
    case ALERTS_MSG_UNSILENCE:
        FUZZ_CHECK(m.matcher && *m.matcher);
        break;
    case ALERTS_MSG_LEADER:
        FUZZ_CHECK(m.by != NULL);
        break;
    }
    FUZZ_CHECK(strlen(m.entry.short_id) <= ALERT_SHORT_ID_LEN);

    char *json = encode(&m);
    FUZZ_CHECK(json != NULL);
    FUZZ_CHECK(alerts_json_parse(json, strlen(json), ALERTS_MSG_LEADER, &again) == 0);
    check_same(&m, &again);
    alerts_msg_clear(&again);
    free(json);

    if (m.type == ALERTS_MSG_TRANSITION) {
        check_chat_text(&m);
        struct alert_board *b = alert_board_new();
        const struct alert_board_entry *put = alert_board_put(b, &m.entry);
        FUZZ_CHECK((put == NULL) == (m.entry.state == ALERT_INACTIVE));
        if (put) {
            FUZZ_CHECK(strcmp(put->id, m.entry.id) == 0);
            FUZZ_CHECK(alert_board_find(b, m.entry.id) == put);
            int acked = alert_board_ack(b, m.entry.id, m.who, 1);
            FUZZ_CHECK((acked == 0) ==
                       (m.entry.state == ALERT_PENDING || m.entry.state == ALERT_FIRING));
        }
        const struct alert_board_entry *const *list;
        FUZZ_CHECK(alert_board_list(b, &list) == (put ? 1u : 0u));
        alert_board_free(b);
    }
    alerts_msg_clear(&m);
    FUZZ_CHECK(!m.entry.id && !m.by && !m.id);
    return 0;
}
