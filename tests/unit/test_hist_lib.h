/* test_hist_lib.h — what the histogram tests share: a seeded PRNG and distributions, a
 * reference rank, bin collection, encoding, the quantiles checked. Each helper may go unused in
 * one of the test files, hence the attributes. */
#ifndef WR_TEST_HIST_LIB_H
#define WR_TEST_HIST_LIB_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/hist.h"
#include "core/hist_codec.h"

/* ---- helpers: a seeded PRNG and distributions ---- */

struct rng {
    uint64_t s;
};

__attribute__((unused)) static uint64_t rng_next(struct rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL); /* splitmix64 */
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
__attribute__((unused)) static double rng_unit(struct rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform in (0, 1]. */
__attribute__((unused)) static double rng_unit_open(struct rng *r)
{
    return ((double)(rng_next(r) >> 11) + 1.0) * 0x1.0p-53;
}

__attribute__((unused)) static double rng_normal(struct rng *r)
{
    double u = rng_unit_open(r), v = rng_unit(r);
    return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

__attribute__((unused)) static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

__attribute__((unused)) static int within_alpha(double est, double exact)
{
    return fabs(est - exact) <= HIST_ALPHA * fabs(exact);
}

/* The reference for quantile ranks, by integer arithmetic: the nearest rank (1-based)
 * ceil(num / den * n) of q = num / den among n values, 1 for q = 0. */
__attribute__((unused)) static size_t ref_rank(uint64_t num, uint64_t den, size_t n)
{
    size_t r = (size_t)((num * n + den - 1) / den);
    return r < 1 ? 1 : r;
}

/* Collects foreach_bin output. */
#define MAX_SEEN 20000
struct seen {
    size_t n;
    double lo[MAX_SEEN], hi[MAX_SEEN];
    uint64_t count[MAX_SEEN];
};

__attribute__((unused)) static void collect(double lo, double hi, uint64_t count, void *privdata)
{
    struct seen *s = privdata;
    assert_true(s->n < MAX_SEEN);
    s->lo[s->n] = lo;
    s->hi[s->n] = hi;
    s->count[s->n] = count;
    s->n++;
}

__attribute__((unused)) static struct seen *bins_of(const struct hist *h)
{
    struct seen *s = calloc(1, sizeof *s);
    assert_non_null(s);
    hist_foreach_bin(h, collect, s);
    return s;
}

__attribute__((unused)) static uint64_t bins_total(const struct hist *h)
{
    struct seen *s = bins_of(h);
    uint64_t total = 0;
    for (size_t i = 0; i < s->n; i++)
        total += s->count[i];
    free(s);
    return total;
}

/* Serialised bytes of h in a malloc'ed buffer. */
__attribute__((unused)) static uint8_t *encode(const struct hist *h, size_t *len)
{
    *len = hist_codec_encode(h, NULL, 0);
    uint8_t *buf = malloc(*len);
    assert_non_null(buf);
    assert_int_equal(hist_codec_encode(h, buf, *len), *len);
    return buf;
}

__attribute__((unused)) static void assert_same_hist(const struct hist *a, const struct hist *b)
{
    size_t la, lb;
    uint8_t *ea = encode(a, &la), *eb = encode(b, &lb);
    assert_int_equal(la, lb);
    assert_memory_equal(ea, eb, la);
    free(ea);
    free(eb);

    struct seen *sa = bins_of(a), *sb = bins_of(b);
    assert_int_equal(sa->n, sb->n);
    for (size_t i = 0; i < sa->n; i++) {
        assert_true(sa->lo[i] == sb->lo[i]);
        assert_true(sa->hi[i] == sb->hi[i]);
        assert_int_equal(sa->count[i], sb->count[i]);
    }
    free(sa);
    free(sb);
    assert_int_equal(hist_count(a), hist_count(b));
    assert_int_equal(a->zero_count, b->zero_count);
    assert_int_equal(a->collapsed_bins, b->collapsed_bins);
    assert_int_equal(hist_bin_count(a), hist_bin_count(b));
}

__attribute__((unused)) static const double QS[] = {0.0, 0.01, 0.1,  0.25,  0.5, 0.75,
                                                    0.9, 0.95, 0.99, 0.999, 1.0};
#define NQS (sizeof QS / sizeof QS[0])

__attribute__((unused)) static void fill_mixed(struct hist *h, struct rng *r, int n)
{
    for (int i = 0; i < n; i++) {
        double x = rng_normal(r) * 50.0;
        if (i % 97 == 0)
            x = 0;
        hist_add(h, x);
    }
}

#endif
