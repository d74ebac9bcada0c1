/* test_rollup.c — the rollup accumulator: closed periods against a brute-force model over
 * random events in random order (late ones included), checkpoint round trips mid-stream that
 * give byte-identical output, idle advance, caps, invalid events, and hostile checkpoints. */
#include "tests/unit/test_hist_lib.h"

#include "core/rollup.h"
#include "core/wire.h"

#define T0 1700000000000LL
#define NKEYS 6

static const char *const KEYS[NKEYS] = {"cpu{host=a}", "cpu{host=b}", "cpu",
                                        "lat{r=eu}",   "lat",         "x"};

struct event {
    int key;
    double v;
    int64_t ts;
};

/* Random events, mostly in time order with jitter, some seconds late, a few far behind. */
static struct event *make_events(struct rng *g, size_t n)
{
    struct event *ev = malloc(n * sizeof(*ev));
    for (size_t i = 0; i < n; i++) {
        int64_t jitter = -(int64_t)(rng_next(g) % 2500);
        if (rng_next(g) % 50 == 0)
            jitter -= 8000;
        ev[i].key = (int)(rng_next(g) % NKEYS);
        ev[i].v = rng_next(g) % 3 ? rng_normal(g) * 50 + 200 : -(double)(rng_next(g) % 1000);
        ev[i].ts = T0 + (int64_t)i * 5 + jitter;
    }
    return ev;
}

/* Everything the accumulator wrote, serialised: per closed period and series, start, key,
 * blob. Two runs that wrote the same have equal bytes. */
struct output {
    uint8_t *buf;
    size_t n, cap;
};

static void out_put(struct output *o, const void *p, size_t n)
{
    if (o->n + n > o->cap) {
        o->cap = (o->n + n) * 2;
        o->buf = realloc(o->buf, o->cap);
    }
    memcpy(o->buf + o->n, p, n);
    o->n += n;
}

/* Takes every closed period out of r, checking order, into o. */
static void drain(struct rollup *r, struct output *o, int64_t *last_period)
{
    const struct rollup_period *p;
    while ((p = rollup_closed_peek(r))) {
        int64_t start = rollup_period_start(p);
        assert_true(start > *last_period);
        assert_int_equal(start % ROLLUP_PERIOD_MS, 0);
        *last_period = start;
        uint32_t n = rollup_period_series(p);
        assert_true(n > 0);
        const char *prev = NULL;
        size_t prev_len = 0;
        for (uint32_t i = 0; i < n; i++) {
            const char *key;
            size_t len;
            const struct rollsum *rs = rollup_period_item(p, i, &key, &len);
            assert_true(!prev || rollup_key_cmp(prev, prev_len, key, len) < 0);
            prev = key;
            prev_len = len;
            size_t bn = rollsum_encode(rs, start, NULL, 0);
            uint8_t *blob = malloc(bn);
            rollsum_encode(rs, start, blob, bn);
            uint32_t kl = (uint32_t)len, bl = (uint32_t)bn;
            out_put(o, &start, sizeof start);
            out_put(o, &kl, sizeof kl);
            out_put(o, key, len);
            out_put(o, &bl, sizeof bl);
            out_put(o, blob, bn);
            free(blob);
        }
        rollup_closed_drop(r);
    }
}

/* Feeds ev[from..to) to r, closing at the watermark bound after each event. */
static void feed(struct rollup *r, const struct event *ev, size_t from, size_t to, struct output *o,
                 int64_t *last_period)
{
    for (size_t i = from; i < to; i++) {
        rollup_add(r, KEYS[ev[i].key], strlen(KEYS[ev[i].key]), ev[i].v, ev[i].ts);
        rollup_close(r, rollup_close_bound(r));
        drain(r, o, last_period);
    }
}

static void finish(struct rollup *r, struct output *o, int64_t *last_period)
{
    rollup_close(r, rollup_watermark(r) + 100000);
    drain(r, o, last_period);
    assert_int_equal(rollup_open_periods(r), 0);
}

static int64_t floor_period(int64_t t)
{
    int64_t m = t % 1000;
    return t - (m < 0 ? m + 1000 : m);
}

#define MAXP 4096
/* The brute-force model: per (period, key) the values folded (in arrival order, also as a
 * reference rollsum) and the late count the accumulator should report there. A period is open
 * while it holds something and starts at or after the close point; the newest open one is
 * then the newest period that ever held something. */
struct model {
    int64_t closed, max_ts, lateness, max_used;
    struct rollsum ref[MAXP][NKEYS];
    double *vals[MAXP][NKEYS];
    size_t nvals[MAXP][NKEYS];
    uint64_t late[MAXP][NKEYS];
    int used[MAXP][NKEYS], seen[MAXP][NKEYS];
    uint64_t total_late, total_events;
};

static size_t pidx(int64_t start)
{
    int64_t i = (start - floor_period(T0) + 20000) / 1000;
    assert_true(i >= 0 && i < MAXP);
    return (size_t)i;
}

static void model_use(struct model *m, int64_t start, int key)
{
    size_t k = pidx(start);
    if (!m->used[k][key])
        rollsum_init(&m->ref[k][key]);
    m->used[k][key] = 1;
    if (start > m->max_used)
        m->max_used = start;
}

static void model_run(struct model *m, const struct event *ev, size_t n)
{
    m->closed = m->max_ts = m->max_used = INT64_MIN;
    for (size_t i = 0; i < n; i++) {
        const struct event *e = &ev[i];
        if (e->ts > m->max_ts)
            m->max_ts = e->ts;
        if (e->ts < m->closed) {
            int64_t at = m->max_used >= m->closed ? m->max_used : m->closed;
            model_use(m, at, e->key);
            m->late[pidx(at)][e->key]++;
            m->total_late++;
        } else {
            int64_t p = floor_period(e->ts);
            size_t k = pidx(p);
            model_use(m, p, e->key);
            rollsum_add(&m->ref[k][e->key], e->v, e->ts);
            m->vals[k][e->key] = realloc(m->vals[k][e->key], (m->nvals[k][e->key] + 1) * 8);
            m->vals[k][e->key][m->nvals[k][e->key]++] = e->v;
            m->total_events++;
        }
        int64_t end = floor_period(m->max_ts - m->lateness);
        if (end > m->closed)
            m->closed = end;
    }
}

static void model_free(struct model *m)
{
    for (size_t k = 0; k < MAXP; k++)
        for (int j = 0; j < NKEYS; j++) {
            if (m->used[k][j])
                rollsum_free(&m->ref[k][j]);
            free(m->vals[k][j]);
        }
    free(m);
}

static int key_index(const char *key, size_t len)
{
    for (int j = 0; j < NKEYS; j++)
        if (strlen(KEYS[j]) == len && memcmp(KEYS[j], key, len) == 0)
            return j;
    fail_msg("unknown key %.*s", (int)len, key);
    return -1;
}

/* Checks every record of o against the model, and that every (period, key) it holds came. */
static void check_against_model(struct model *m, const struct output *o)
{
    size_t at = 0;
    struct rollsum got;
    rollsum_init(&got);
    while (at < o->n) {
        int64_t start;
        uint32_t kl, bl;
        memcpy(&start, o->buf + at, 8);
        memcpy(&kl, o->buf + at + 8, 4);
        const char *key = (const char *)o->buf + at + 12;
        memcpy(&bl, o->buf + at + 12 + kl, 4);
        const uint8_t *blob = o->buf + at + 16 + kl;
        at += 16 + kl + bl;
        size_t k = pidx(start);
        int j = key_index(key, kl);
        assert_true(m->used[k][j] && !m->seen[k][j]);
        m->seen[k][j] = 1;
        assert_int_equal(rollsum_decode(&got, start, 1000, blob, bl, NULL), 0);
        /* independent brute force */
        size_t n = m->nvals[k][j];
        assert_int_equal(got.sum.count, n);
        assert_int_equal(got.late, m->late[k][j]);
        if (n) {
            double *v = m->vals[k][j], sum = 0, mn = v[0], mx = v[0];
            for (size_t i = 0; i < n; i++) {
                sum += v[i];
                mn = v[i] < mn ? v[i] : mn;
                mx = v[i] > mx ? v[i] : mx;
            }
            assert_true(got.sum.min == mn && got.sum.max == mx);
            assert_true(fabs(got.sum.sum - sum) <= 1e-9 * fmax(1, fabs(sum)));
            qsort(v, n, sizeof(*v), cmp_double);
            static const double qs[] = {0.5, 0.9, 0.99};
            for (size_t q = 0; q < 3; q++) {
                double exact = v[hist_rank(qs[q], n) - 1];
                assert_true(within_alpha(hist_quantile(&got.hist, qs[q]), exact));
            }
        }
        /* the same bytes as a summary of exactly those events, in arrival order */
        m->ref[k][j].late = m->late[k][j];
        size_t rn = rollsum_encode(&m->ref[k][j], start, NULL, 0);
        uint8_t *rb = malloc(rn);
        rollsum_encode(&m->ref[k][j], start, rb, rn);
        assert_int_equal(rn, bl);
        assert_memory_equal(rb, blob, bl);
        free(rb);
    }
    for (size_t k = 0; k < MAXP; k++)
        for (int j = 0; j < NKEYS; j++)
            assert_int_equal(m->used[k][j], m->seen[k][j]);
    rollsum_free(&got);
}

static const struct rollup_config CFG = {.lateness_ms = 1500};

static void test_brute_force(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 4; seed++) {
        struct rng g = {seed};
        size_t n = 3000 + seed * 1000;
        struct event *ev = make_events(&g, n);
        struct model *m = calloc(1, sizeof(*m));
        m->lateness = CFG.lateness_ms;
        model_run(m, ev, n);
        assert_true(m->total_late > 0);

        struct rollup *r = rollup_new(&CFG);
        struct output o = {0};
        int64_t last = INT64_MIN;
        feed(r, ev, 0, n, &o, &last);
        struct rollup_totals t = rollup_totals(r);
        assert_int_equal(t.events, m->total_events);
        assert_int_equal(t.late, m->total_late);
        assert_int_equal(t.invalid + t.cap, 0);
        assert_true(rollup_memory_bytes(r) > sizeof(void *));
        finish(r, &o, &last);
        check_against_model(m, &o);
        free(o.buf);
        rollup_free(r);
        model_free(m);
        free(ev);
    }
}

/* Encodes r's checkpoint and checks it is want[0..len). */
static void assert_ckpt_bytes(const struct rollup *r, const uint8_t *want, size_t len)
{
    size_t n = rollup_checkpoint_encode(r, NULL, 0);
    uint8_t *got = malloc(n);
    assert_int_equal(rollup_checkpoint_encode(r, got, n), n);
    assert_int_equal(n, len);
    assert_memory_equal(got, want, len);
    free(got);
}

/* Stopping at any point (checkpoint, new accumulator, restore) writes the same bytes. */
static void test_checkpoint_resume(void **state)
{
    (void)state;
    struct rng g = {77};
    size_t n = 4000;
    struct event *ev = make_events(&g, n);

    struct rollup *a = rollup_new(&CFG);
    struct output oa = {0};
    int64_t la = INT64_MIN;
    feed(a, ev, 0, n, &oa, &la);
    finish(a, &oa, &la);

    struct rollup *b = rollup_new(&CFG);
    struct output ob = {0};
    int64_t lb = INT64_MIN;
    size_t at = 0;
    for (int stop = 0; at < n; stop++) {
        size_t next = at + 1 + rng_next(&g) % 700;
        next = next > n ? n : next;
        feed(b, ev, at, next, &ob, &lb);
        at = next;
        size_t cn = rollup_checkpoint_encode(b, NULL, 0);
        uint8_t *ck = malloc(cn);
        assert_int_equal(rollup_checkpoint_encode(b, ck, cn), cn);
        struct rollup_totals before = rollup_totals(b);
        uint32_t open = rollup_open_periods(b);
        uint64_t items = rollup_open_items(b);
        rollup_free(b);
        b = rollup_new(&CFG);
        rollup_add(b, "junk", 4, 1.0, T0 - 99999); /* replaced by the restore */
        const char *why = NULL;
        assert_int_equal(rollup_checkpoint_decode(b, ck, cn, &why), 0);
        struct rollup_totals after = rollup_totals(b);
        assert_memory_equal(&before, &after, sizeof before);
        assert_int_equal(rollup_open_periods(b), open);
        assert_int_equal(rollup_open_items(b), items);
        assert_ckpt_bytes(b, ck, cn); /* canonical */
        free(ck);
    }
    finish(b, &ob, &lb);
    assert_int_equal(oa.n, ob.n);
    assert_memory_equal(oa.buf, ob.buf, oa.n);
    struct rollup_totals ta = rollup_totals(a), tb = rollup_totals(b);
    assert_memory_equal(&ta, &tb, sizeof ta);
    free(oa.buf);
    free(ob.buf);
    rollup_free(a);
    rollup_free(b);
    free(ev);
}

static void test_idle_advance(void **state)
{
    (void)state;
    struct rollup *r = rollup_new(&CFG);
    assert_int_equal(rollup_closed_ms(r), INT64_MIN);
    assert_int_equal(rollup_watermark(r), INT64_MIN);
    assert_int_equal(rollup_close_bound(r), INT64_MIN);
    assert_int_equal(rollup_close(r, INT64_MIN), 0);
    assert_int_equal(rollup_closed_ms(r), INT64_MIN);

    assert_int_equal(rollup_add(r, "a", 1, 1.0, 10500), ROLLUP_ADDED);
    assert_int_equal(rollup_watermark(r), 10500);
    assert_int_equal(rollup_close_bound(r), 9000);
    assert_int_equal(rollup_close(r, 10999), 0); /* the period ends at 11000 */
    assert_int_equal(rollup_closed_ms(r), 10000);
    assert_int_equal(rollup_add(r, "a", 1, 2.0, 10000), ROLLUP_ADDED); /* still open */
    assert_int_equal(rollup_close(r, 20000), 1);
    assert_int_equal(rollup_closed_ms(r), 20000);
    const struct rollup_period *p = rollup_closed_peek(r);
    assert_non_null(p);
    assert_int_equal(rollup_period_start(p), 10000);
    assert_int_equal(rollup_period_series(p), 1);
    const char *key;
    size_t len;
    assert_int_equal(rollup_period_item(p, 0, &key, &len)->sum.count, 2);
    rollup_closed_drop(r);
    assert_null(rollup_closed_peek(r));
    rollup_closed_drop(r); /* no-op */

    /* a long idle gap: nothing open, the close point still moves, never back */
    assert_int_equal(rollup_close(r, 5000000000123LL), 0);
    assert_int_equal(rollup_closed_ms(r), 5000000000000LL);
    assert_int_equal(rollup_close(r, 30000), 0);
    assert_int_equal(rollup_closed_ms(r), 5000000000000LL);
    assert_int_equal(rollup_close(r, INT64_MAX), 0); /* clamped, no overflow */
    assert_true(rollup_closed_ms(r) <= INT64_MAX - ROLLUP_PERIOD_MS);
    assert_int_equal(rollup_closed_ms(r) % 1000, 0);
    rollup_free(r);

    /* a late event with no open period opens the one at the close point, count 0, late 1 */
    r = rollup_new(&CFG);
    rollup_close(r, 60000);
    assert_int_equal(rollup_add(r, "b", 1, 3.0, 59999), ROLLUP_LATE);
    assert_int_equal(rollup_open_periods(r), 1);
    assert_int_equal(rollup_add(r, "c", 1, 3.0, 100), ROLLUP_LATE);
    assert_int_equal(rollup_add(r, "b", 1, 4.0, 61000), ROLLUP_ADDED);
    assert_int_equal(rollup_add(r, "b", 1, 4.0, 1000), ROLLUP_LATE); /* -> newest: 61000 */
    assert_int_equal(rollup_close(r, 62000), 2);
    p = rollup_closed_peek(r);
    assert_int_equal(rollup_period_start(p), 60000);
    assert_int_equal(rollup_period_series(p), 2);
    const struct rollsum *rs = rollup_period_item(p, 0, &key, &len);
    assert_true(len == 1 && key[0] == 'b' && rs->sum.count == 0 && rs->late == 1);
    rs = rollup_period_item(p, 1, &key, &len);
    assert_true(len == 1 && key[0] == 'c' && rs->sum.count == 0 && rs->late == 1);
    rollup_closed_drop(r);
    p = rollup_closed_peek(r);
    assert_int_equal(rollup_period_start(p), 61000);
    rs = rollup_period_item(p, 0, &key, &len);
    assert_true(rs->sum.count == 1 && rs->late == 1);
    rollup_closed_drop(r);
    struct rollup_totals t = rollup_totals(r);
    assert_int_equal(t.late, 3);
    assert_int_equal(t.events, 1);
    rollup_free(r);
    rollup_free(NULL);
}

static void test_caps_and_invalid(void **state)
{
    (void)state;
    struct rollup_config cfg = {.lateness_ms = 0, .max_series = 2, .max_periods = 2};
    struct rollup *r = rollup_new(&cfg);
    assert_int_equal(rollup_add(r, "a", 1, 1, 1000), ROLLUP_ADDED);
    assert_int_equal(rollup_add(r, "b", 1, 1, 1001), ROLLUP_ADDED);
    assert_int_equal(rollup_add(r, "c", 1, 1, 1002), ROLLUP_CAP);
    assert_int_equal(rollup_add(r, "c", 1, 1, 1003), ROLLUP_CAP);
    assert_int_equal(rollup_add(r, "a", 1, 1, 1004), ROLLUP_ADDED); /* known series still in */
    assert_int_equal(rollup_add(r, "c", 1, 1, 2000), ROLLUP_ADDED); /* a new period */
    assert_int_equal(rollup_add(r, "a", 1, 1, 3000), ROLLUP_CAP);   /* a third period */
    assert_int_equal(rollup_add(r, "a", 1, NAN, 2000), ROLLUP_INVALID);
    assert_int_equal(rollup_add(r, "a", 1, INFINITY, 2000), ROLLUP_INVALID);
    assert_int_equal(rollup_add(r, "a", 1, 1, INT64_MIN), ROLLUP_INVALID);
    assert_int_equal(rollup_add(r, "a", 1, 1, INT64_MAX), ROLLUP_INVALID);
    assert_int_equal(rollup_watermark(r), 3000); /* invalid ones do not move it */
    struct rollup_totals t = rollup_totals(r);
    assert_int_equal(t.events, 4);
    assert_int_equal(t.cap, 3);
    assert_int_equal(t.invalid, 4);
    assert_int_equal(rollup_open_periods(r), 2);
    assert_int_equal(rollup_open_items(r), 3);

    /* the cap count survives a checkpoint */
    size_t cn = rollup_checkpoint_encode(r, NULL, 0);
    uint8_t *ck = malloc(cn);
    rollup_checkpoint_encode(r, ck, cn);
    struct rollup *back = rollup_new(&cfg);
    assert_int_equal(rollup_checkpoint_decode(back, ck, cn, NULL), 0);
    free(ck);
    rollup_close(back, 3000);
    const struct rollup_period *p = rollup_closed_peek(back);
    assert_int_equal(rollup_period_capped(p), 2);
    rollup_closed_drop(back);
    assert_int_equal(rollup_period_capped(rollup_closed_peek(back)), 0);
    /* a late event in a full period is counted, not attributed */
    rollup_close(r, 2000);                                         /* closes 1000; 2000 holds c */
    assert_int_equal(rollup_add(r, "z", 1, 1, 1000), ROLLUP_LATE); /* z joins 2000 */
    assert_int_equal(rollup_add(r, "d", 1, 1, 2500), ROLLUP_CAP);  /* 2000 is full */
    assert_int_equal(rollup_add(r, "e", 1, 1, 1000), ROLLUP_LATE); /* counted only */
    assert_int_equal(rollup_totals(r).late, 2);
    rollup_close(r, 4000);
    rollup_closed_drop(r);
    p = rollup_closed_peek(r);
    assert_int_equal(rollup_period_start(p), 2000);
    assert_int_equal(rollup_period_series(p), 2);
    const char *key;
    size_t len;
    const struct rollsum *rs = rollup_period_item(p, 1, &key, &len);
    assert_true(key[0] == 'z' && rs->late == 1 && rs->sum.count == 0);
    assert_int_equal(rollup_period_capped(p), 1);
    rollup_free(back);
    rollup_free(r);
}

/* A value that would overflow its series' sum or variance is refused, so every blob and
 * checkpoint stays readable. */
static void test_overflow_invalid(void **state)
{
    (void)state;
    struct rollup *r = rollup_new(&CFG);
    assert_int_equal(rollup_add(r, "y", 1, 1e308, 1000), ROLLUP_ADDED);
    assert_int_equal(rollup_add(r, "y", 1, 1e308, 1001), ROLLUP_INVALID); /* sum */
    assert_int_equal(rollup_add(r, "x", 1, 1e200, 1000), ROLLUP_ADDED);
    assert_int_equal(rollup_add(r, "x", 1, 1e200, 1001), ROLLUP_ADDED);
    assert_int_equal(rollup_add(r, "x", 1, -1e200, 1002), ROLLUP_INVALID); /* m2 */
    assert_int_equal(rollup_add(r, "x", 1, 1e200, 1003), ROLLUP_ADDED);
    assert_int_equal(rollup_totals(r).invalid, 2);
    size_t n = rollup_checkpoint_encode(r, NULL, 0);
    uint8_t *ck = malloc(n);
    rollup_checkpoint_encode(r, ck, n);
    struct rollup *back = rollup_new(&CFG);
    assert_int_equal(rollup_checkpoint_decode(back, ck, n, NULL), 0);
    assert_int_equal(rollup_open_items(back), 2);
    free(ck);
    rollup_free(back);
    rollup_free(r);
}

/* Builds a checkpoint by hand: open periods at starts[], each holding the given keys in that
 * order, each key one value 1.0 at off ms into the period with the running mean given. */
static size_t hand_ckpt(uint8_t *buf, int64_t closed, const int64_t *starts, size_t nstarts,
                        const char *const *keys, size_t nkeys, double mean, int64_t off)
{
    struct wire_w w = {buf, 0};
    wire_put_u8(&w, ROLLUP_CKPT_VERSION);
    wire_put_svarint(&w, closed);
    wire_put_svarint(&w, starts[0]);
    for (int i = 0; i < 4; i++)
        wire_put_varint(&w, 0);
    wire_put_varint(&w, nstarts);
    for (size_t p = 0; p < nstarts; p++) {
        wire_put_svarint(&w, starts[p]);
        wire_put_varint(&w, 0);
        wire_put_varint(&w, nkeys);
        struct rollsum rs;
        rollsum_init(&rs);
        rollsum_add(&rs, 1.0, starts[p] + off);
        for (size_t i = 0; i < nkeys; i++) {
            wire_put_varint(&w, strlen(keys[i]));
            wire_put_bytes(&w, keys[i], strlen(keys[i]));
            wire_put_f64(&w, mean);
            size_t n = rollsum_encode(&rs, starts[p], NULL, 0);
            wire_put_varint(&w, n);
            if (w.buf)
                rollsum_encode(&rs, starts[p], w.buf + w.n, n);
            w.n += n;
        }
        rollsum_free(&rs);
    }
    return w.n;
}

static void assert_ckpt_refused(const uint8_t *buf, size_t n)
{
    struct rollup *r = rollup_new(&CFG);
    rollup_add(r, "a", 1, 1.0, T0);
    const char *why = NULL;
    assert_int_equal(rollup_checkpoint_decode(r, buf, n, &why), -1);
    assert_non_null(why);
    assert_int_equal(rollup_open_periods(r), 0);
    assert_int_equal(rollup_closed_ms(r), INT64_MIN);
    assert_int_equal(rollup_watermark(r), INT64_MIN);
    struct rollup_totals t = rollup_totals(r), zero = {0};
    assert_memory_equal(&t, &zero, sizeof t);
    /* still usable */
    assert_int_equal(rollup_add(r, "a", 1, 1.0, T0), ROLLUP_ADDED);
    rollup_free(r);
}

static void test_checkpoint_rejects(void **state)
{
    (void)state;
    static const char *const ok_keys[] = {"a", "ab", "b"};
    static const int64_t at7[] = {7000}, at7_8[] = {7000, 8000}, at8_7[] = {8000, 7000},
                         at7_7[] = {7000, 7000};
    uint8_t buf[512], bad[512];
    size_t n = hand_ckpt(buf, 5000, at7_8, 2, ok_keys, 3, 1.0, 0);
    struct rollup *r = rollup_new(&CFG);
    assert_int_equal(rollup_checkpoint_decode(r, buf, n, NULL), 0);
    assert_int_equal(rollup_open_periods(r), 2);
    assert_int_equal(rollup_open_items(r), 6);
    assert_int_equal(rollup_closed_ms(r), 5000);
    assert_int_equal(rollup_watermark(r), 7000);
    rollup_free(r);

    assert_ckpt_refused(NULL, 0);
    for (size_t cut = 0; cut < n; cut++)
        assert_ckpt_refused(buf, cut);
    memcpy(bad, buf, n);
    bad[n] = 0;
    assert_ckpt_refused(bad, n + 1); /* trailing */
    memcpy(bad, buf, n);
    bad[0] = 2;
    assert_ckpt_refused(bad, n); /* version */

    static const char *const unsorted[] = {"b", "a"};
    static const char *const dup[] = {"a", "a"};
    static const int64_t misaligned[] = {7001}, huge[] = {INT64_MAX - 807};
    assert_ckpt_refused(bad, hand_ckpt(bad, 5000, at7, 1, unsorted, 2, 1.0, 0));
    assert_ckpt_refused(bad, hand_ckpt(bad, 5000, at7, 1, dup, 2, 1.0, 0));
    assert_ckpt_refused(bad, hand_ckpt(bad, 5000, misaligned, 1, ok_keys, 1, 1.0, 0));
    assert_ckpt_refused(bad, hand_ckpt(bad, 5500, at7, 1, ok_keys, 1, 1.0, 0)); /* closed */
    assert_ckpt_refused(bad, hand_ckpt(bad, 8000, at7, 1, ok_keys, 1, 1.0, 0)); /* behind close */
    assert_ckpt_refused(bad, hand_ckpt(bad, 5000, at7, 1, ok_keys, 1, NAN, 0));
    assert_ckpt_refused(bad, hand_ckpt(bad, 5000, at7, 1, ok_keys, 1, INFINITY, 0));
    assert_ckpt_refused(bad, hand_ckpt(bad, 5000, huge, 1, ok_keys, 1, 1.0, 0));
    assert_ckpt_refused(bad, hand_ckpt(bad, 5000, at8_7, 2, ok_keys, 1, 1.0, 0)); /* order */
    assert_ckpt_refused(bad, hand_ckpt(bad, 5000, at7_7, 2, ok_keys, 1, 1.0, 0)); /* twice */
    /* a series' time outside its period */
    assert_ckpt_refused(bad, hand_ckpt(bad, 5000, at7, 1, ok_keys, 1, 1.0, 1000));
    assert_int_equal(hand_ckpt(bad, 5000, at7, 1, ok_keys, 1, 1.0, 999), /* the last ms fits */
                     hand_ckpt(NULL, 5000, at7, 1, ok_keys, 1, 1.0, 999));
    r = rollup_new(&CFG);
    assert_int_equal(
        rollup_checkpoint_decode(r, bad, hand_ckpt(NULL, 5000, at7, 1, ok_keys, 1, 1.0, 999), NULL),
        0);
    rollup_free(r);

    /* random mutations: whatever is accepted re-encodes to the same bytes */
    struct rng g = {5};
    struct event *ev = make_events(&g, 600);
    struct rollup *src = rollup_new(&CFG);
    for (size_t i = 0; i < 600; i++)
        rollup_add(src, KEYS[ev[i].key], strlen(KEYS[ev[i].key]), ev[i].v, ev[i].ts);
    rollup_close(src, rollup_close_bound(src));
    size_t cn = rollup_checkpoint_encode(src, NULL, 0);
    uint8_t *good = malloc(cn), *mut = malloc(cn);
    rollup_checkpoint_encode(src, good, cn);
    struct rollup *d = rollup_new(&CFG);
    for (int i = 0; i < 3000; i++) {
        memcpy(mut, good, cn);
        mut[rng_next(&g) % cn] = (uint8_t)rng_next(&g);
        size_t len = rng_next(&g) % 8 ? cn : rng_next(&g) % cn;
        if (rollup_checkpoint_decode(d, mut, len, NULL) == 0)
            assert_ckpt_bytes(d, mut, len);
    }
    free(good);
    free(mut);
    free(ev);
    rollup_free(d);
    rollup_free(src);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_brute_force),        cmocka_unit_test(test_checkpoint_resume),
        cmocka_unit_test(test_idle_advance),       cmocka_unit_test(test_caps_and_invalid),
        cmocka_unit_test(test_checkpoint_rejects), cmocka_unit_test(test_overflow_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
