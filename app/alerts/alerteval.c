/* alerteval.c — the evaluation on the loop: every eval_interval_ms an evaluation starts at the
 * event time (see alerts.h) and runs in slices of ALERTS_SLICE_MS; at its end the board is
 * adopted and the differences announced. The leader also tidies expired silences. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "app/alerts/alerts_impl.h"
#include "app/clock.h"

#include "core/mem.h"

/* KEYS = silences; ARGV = matcher, now ms: deletes the silence if it has expired. */
static const char expire_script[] = "local v = redis.call('HGET', KEYS[1], ARGV[1])\n"
                                    "if not v then return 0 end\n"
                                    "local ok, o = pcall(cjson.decode, v)\n"
                                    "if ok and type(o) == 'table' and tonumber(o.until_ms) and"
                                    " tonumber(o.until_ms) <= tonumber(ARGV[2]) then\n"
                                    "  return redis.call('HDEL', KEYS[1], ARGV[1])\n"
                                    "end\n"
                                    "return 0\n";

/* Event time for the next evaluation (see alerts.h), never earlier than the last one. */
static int64_t eval_time(struct alerts *a, int64_t wall)
{
    int64_t newest = a->tab->max_ts_ms, t;
    if (newest == INT64_MIN) {
        t = wall;
    } else {
        if (newest != a->newest_seen) {
            a->newest_seen = newest;
            a->newest_wall = wall;
        }
        int64_t idle = wall - a->newest_wall - a->stall_grace_ms;
        t = idle > 0 ? newest + idle : newest;
    }
    /* the last ms of its second: evaluations of consecutive seconds are then exactly 1 s apart
     * in event time, so `for` is met at the evaluation it names, not one later by jitter */
    t = (t >= 0 ? t / 1000 : (t - 999) / 1000) * 1000 + 999;
    return t > a->last_eval ? t : a->last_eval;
}

/* Where this engine lags what was announced (it started later, or just took over), it
 * continues from the announced state: see alert_adopt. */
static void adopt_board(struct alerts *a)
{
    if (!a->loaded || a->loading)
        return;
    const struct alert_instance *const *list;
    size_t n = alert_instances(a->engine, &list), npend = 0;
    char **pend = xmalloc((n + 1) * sizeof *pend);
    for (size_t k = 0; k < n; k++)
        if (list[k]->state == ALERT_PENDING)
            pend[npend++] = xstrdup(list[k]->id);
    for (size_t k = 0; k < npend; k++) {
        const struct alert_board_entry *b = alert_board_find(a->board, pend[k]);
        if (b && strcmp(b->id, pend[k]) == 0 &&
            (b->state == ALERT_FIRING || b->state == ALERT_PENDING))
            alert_adopt(a->engine, pend[k], b->state, b->since_ms,
                        b->active_since_ms ? b->active_since_ms : b->since_ms);
        free(pend[k]);
    }
    free(pend);
}

/* Units for a step aimed at ALERTS_CHUNK_MS when one costs unit_ms (0: unknown), at most
 * twice the last step's (a unit may cost a thousand times another: the controller creeps up
 * on a cheap stretch rather than jump into an expensive one). */
static double pace_units(double unit_ms, double last)
{
    double next = last * 2;
    if (unit_ms > 0 && ALERTS_CHUNK_MS / unit_ms < next)
        next = ALERTS_CHUNK_MS / unit_ms;
    return next < 1 ? 1 : next > ALERTS_STEP_UNITS_MAX ? ALERTS_STEP_UNITS_MAX : next;
}

bool alerts_eval_slice(struct alert_engine *e, double budget_ms, struct alerts_pace *pace)
{
    /* steps sized by their measured cost per unit, the first one by the previous slice's last;
     * the slice ends when the next step, predicted the same way, would end past the budget, or
     * when a step as costly as the costliest of late (one unit can be building a window: a
     * thousand cheap ones) would end past ALERTS_SLICE_CEIL_MS */
    double t0 = alerts_mono_ms(), now = t0;
    double units =
        pace->unit_ms > 0 ? pace_units(pace->unit_ms, ALERTS_STEP_UNITS_MAX) : ALERTS_STEP_UNITS;
    pace->step_ms_max /= 2;
    for (;;) {
        double c0 = now;
        if (alert_eval_step(e, (size_t)units))
            return true;
        now = alerts_mono_ms();
        if (now - c0 > pace->step_ms_max)
            pace->step_ms_max = now - c0;
        pace->unit_ms = (now - c0) / units;
        units = pace_units(pace->unit_ms, units);
        if (now - t0 + pace->unit_ms * units > budget_ms ||
            now - t0 + pace->step_ms_max > ALERTS_SLICE_CEIL_MS)
            return false;
    }
}

static void eval_done(struct alerts *a)
{
    const struct alert_transition *tr;
    alert_eval_end(a->engine, &tr);
    a->stats.evaluations++;
    a->stats.eval_ms_last = a->eval_spent;
    a->stats.eval_time_ms = a->last_eval;
    if (a->ready)
        a->warm = true;
    adopt_board(a);
    announce_reconcile(a);
    alerts_emit_simple(a, ALERTS_EV_BOARD); /* live values changed */
}

void alerteval_on_slice(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)revents;
    struct alerts *a = t->data;
    double t0 = alerts_mono_ms();
    bool done = alerts_eval_slice(a->engine, ALERTS_SLICE_MS, &a->pace);
    double dt = alerts_mono_ms() - t0;
    a->stats.slices++;
    a->eval_spent += dt;
    if (dt > a->stats.slice_ms_max)
        a->stats.slice_ms_max = dt;
    if (done) {
        eval_done(a);
        return;
    }
    ev_timer_set(t, 0., 0.); /* the rest on the next loop iteration, after pending I/O */
    ev_timer_start(loop, t);
}

void alerteval_on_timer(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)revents;
    struct alerts *a = t->data;
    int64_t wall = clock_wall_ms();
    if (a->leader) { /* tidy the hash; every instance expires silences locally anyway */
        const struct silence *const *sil;
        size_t n = alert_board_silences(a->board, &sil);
        char now[32];
        snprintf(now, sizeof now, "%" PRId64, wall);
        for (size_t k = 0; k < n; k++)
            if (sil[k]->until_ms <= wall)
                rconn_command(a->cmd, NULL, NULL, "EVAL %s 1 %s %s %s", expire_script,
                              a->k_silences, sil[k]->matcher, now);
        const struct alert_board_rejected *rej;
        n = alert_board_rejected_silences(a->board, &rej);
        for (size_t k = 0; k < n; k++)
            if (rej[k].until_ms <= wall)
                rconn_command(a->cmd, NULL, NULL, "EVAL %s 1 %s %s %s", expire_script,
                              a->k_silences, rej[k].matcher, now);
    }
    if (alert_board_expire_silences(a->board, wall) > 0)
        alerts_emit_simple(a, ALERTS_EV_BOARD);
    if (!a->engine || !a->ready || a->stopping || alert_eval_running(a->engine))
        return;
    int64_t now = eval_time(a, wall);
    if (alert_eval_begin(a->engine, a->tab, now) != 0)
        return;
    a->last_eval = now;
    a->eval_spent = 0;
    a->eval_started = alerts_mono_ms();
    ev_timer_set(&a->slice_timer, 0., 0.);
    ev_timer_start(loop, &a->slice_timer);
}
