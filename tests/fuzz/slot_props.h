/* slot_props.h — a property shared by the rollup fuzz targets (fuzz_rollmerge.c,
 * fuzz_rollentries.c): two series hold the same slots (starts, lengths, counts, extremes, event
 * times, histograms), whatever path merged them. Static helpers only. */
#ifndef WR_FUZZ_SLOT_PROPS_H
#define WR_FUZZ_SLOT_PROPS_H

#include "core/series.h"
#include "tests/fuzz/fuzz.h"

/* a and b hold the same slots: starts, lengths, summaries and histograms. */
static inline void same_slots(const struct series *a, const struct series *b)
{
    struct timeline_iter ia, ib;
    timeline_iter_init(&ia, &a->tl, INT64_MIN / 4, INT64_MAX / 4);
    timeline_iter_init(&ib, &b->tl, INT64_MIN / 4, INT64_MAX / 4);
    for (;;) {
        int64_t sa = 0, sb = 0;
        uint32_t la = 0, lb = 0;
        const struct timeline_slot *x = timeline_iter_next(&ia, &sa, &la);
        const struct timeline_slot *y = timeline_iter_next(&ib, &sb, &lb);
        FUZZ_CHECK((x == NULL) == (y == NULL));
        if (x == NULL)
            return;
        FUZZ_CHECK(sa == sb && la == lb);
        struct summary p, q;
        timeline_slot_summary(x, sa, &p);
        timeline_slot_summary(y, sb, &q);
        FUZZ_CHECK(p.count == q.count && p.min == q.min && p.max == q.max);
        FUZZ_CHECK(p.first_ts_ms == q.first_ts_ms && p.last_ts_ms == q.last_ts_ms);
        FUZZ_CHECK(hist_count(&x->hist) == hist_count(&y->hist));
        for (int k = 1; k <= 99; k += 49)
            FUZZ_CHECK(hist_quantile(&x->hist, k / 100.0) == hist_quantile(&y->hist, k / 100.0));
    }
}

#endif
