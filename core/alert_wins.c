/* alert_wins.c — where the alert engine keeps its incremental windows (core/alert_win.c): per
 * window length, one window per series index, in chunks allocated as they are first needed. */
#include <stdlib.h>

#include "core/alert_impl.h"

struct alert_win *alert_wins_get(struct alert_engine *e, uint32_t series, uint32_t window_s)
{
    size_t k = 0;
    while (k < e->nwins && e->wins[k].window_s != window_s)
        k++;
    if (k == e->nwins) {
        if (e->nwins == ALERT_WIN_LENGTHS)
            return NULL; /* many window lengths: the rarer ones are computed in full */
        e->wins[e->nwins++] = (struct alert_wins){.window_s = window_s};
    }
    struct alert_wins *ws = &e->wins[k];
    size_t c = series / ALERT_WINS_CHUNK;
    if (c >= ws->nchunks) { /* the chunk pointers only move: 8 bytes per 64 series */
        size_t n = ws->nchunks ? ws->nchunks : 16;
        while (n <= c)
            n *= 2;
        ws->chunk = xrealloc(ws->chunk, n * sizeof *ws->chunk);
        for (size_t i = ws->nchunks; i < n; i++)
            ws->chunk[i] = NULL;
        ws->nchunks = n;
    }
    if (ws->chunk[c] == NULL)
        ws->chunk[c] = xcalloc(ALERT_WINS_CHUNK, sizeof **ws->chunk);
    return &ws->chunk[c][series % ALERT_WINS_CHUNK];
}

static void wins_free_one(struct alert_wins *ws)
{
    for (size_t c = 0; c < ws->nchunks; c++) {
        if (ws->chunk[c] == NULL)
            continue;
        for (size_t i = 0; i < ALERT_WINS_CHUNK; i++)
            free(ws->chunk[c][i].bins.cells);
        free(ws->chunk[c]);
    }
    free(ws->chunk);
}

void alert_wins_prune(struct alert_engine *e)
{
    size_t kept = 0;
    for (size_t k = 0; k < e->nwins; k++) {
        bool used = false;
        for (size_t r = 0; r < e->nrules && !used; r++)
            used = e->rules[r].rule->expr.window_s == e->wins[k].window_s;
        if (used)
            e->wins[kept++] = e->wins[k];
        else
            wins_free_one(&e->wins[k]);
    }
    e->nwins = kept;
}

void alert_wins_free(struct alert_engine *e)
{
    for (size_t k = 0; k < e->nwins; k++)
        wins_free_one(&e->wins[k]);
    e->nwins = 0;
}
