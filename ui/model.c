/* model.c — defaults of the interface model. */
#include "ui/model.h"

#include <stdio.h>
#include <string.h>

#include "core/duration.h"
#include "core/window.h"

void model_init(struct model *m, const struct series_table *tab)
{
    memset(m, 0, sizeof(*m));
    m->tab = tab;
    m->window_s = 60;
    m->sort = RANK_RATE;
    m->ascending = false;
    m->stat = RANK_RATE;
    m->status.conn = MODEL_CONN_CONNECTING;
    strcpy(m->status.conn_text, "connecting");
}

static const uint32_t window_cycle[] = {10, 60, 300, 900};
static const enum rank_column sort_cycle[] = {
    RANK_KEY, RANK_RATE, RANK_COUNT, RANK_AVG, RANK_P50, RANK_P90, RANK_P99, RANK_MAX,
};
static const enum rank_column stat_cycle[] = {
    RANK_RATE, RANK_COUNT, RANK_AVG,   RANK_P50,  RANK_P90,   RANK_P99,    RANK_MAX,
    RANK_MIN,  RANK_SUM,   RANK_FIRST, RANK_LAST, RANK_RANGE, RANK_STDDEV, RANK_INCREASE,
};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Index of v in c (n entries), or n - 1 when absent, so the next one is the first. */
static size_t find_column(const enum rank_column *c, size_t n, enum rank_column v)
{
    for (size_t i = 0; i < n; i++)
        if (c[i] == v)
            return i;
    return n - 1;
}

void model_next_window(struct model *m)
{
    size_t i = 0;
    while (i < COUNT_OF(window_cycle) && window_cycle[i] != m->window_s)
        i++;
    m->window_s = window_cycle[(i + 1) % COUNT_OF(window_cycle)];
}

bool model_sort_has_column(enum rank_column col)
{
    for (size_t i = 0; i < COUNT_OF(sort_cycle); i++)
        if (sort_cycle[i] == col)
            return true;
    return false;
}

void model_next_sort(struct model *m)
{
    size_t n = COUNT_OF(sort_cycle);
    if (m->sort == sort_cycle[n - 1] && !model_sort_has_column(m->stat)) {
        m->sort = m->stat; /* the trend column's statistic, after the columns */
        return;
    }
    m->sort = sort_cycle[(find_column(sort_cycle, n, m->sort) + 1) % n];
}

void model_next_stat(struct model *m)
{
    size_t n = COUNT_OF(stat_cycle);
    bool sorted_by_stat = m->sort == m->stat && !model_sort_has_column(m->sort);
    m->stat = stat_cycle[(find_column(stat_cycle, n, m->stat) + 1) % n];
    if (sorted_by_stat) /* the order stays with the trend column */
        m->sort = m->stat;
}

const char *model_window_name(uint32_t window_s, char *buf, size_t cap)
{
    if (window_s % 60 == 0)
        snprintf(buf, cap, "%um", window_s / 60);
    else
        snprintf(buf, cap, "%us", window_s);
    return buf;
}

int64_t model_data_from_ms(const struct model *m)
{
    return m->tab ? series_table_data_from_ms(m->tab, m->now_ms) : INT64_MIN;
}

const char *model_window_label(const struct model *m, char *buf, size_t cap)
{
    char name[16];
    model_window_name(m->window_s, name, sizeof(name));
    int64_t now_s = m->now_ms / 1000 - (m->now_ms % 1000 < 0);
    int64_t end_ms = (now_s + 1) * 1000, start_ms = end_ms - (int64_t)m->window_s * 1000;
    double covered_s = window_covered_s(start_ms, end_ms, model_data_from_ms(m), m->now_ms);
    if (covered_s >= (double)m->window_s) {
        snprintf(buf, cap, "%s", name);
        return buf;
    }
    char have[32];
    duration_format((int64_t)covered_s * 1000, have, sizeof(have)); /* whole seconds */
    snprintf(buf, cap, "%s (%s of data)", name, have);
    return buf;
}
