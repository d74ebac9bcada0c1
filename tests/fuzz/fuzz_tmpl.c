/* fuzz_tmpl.c — alert text templates (tmpl_render) and {{value}} formatting
 * (tmpl_format_value). Input: the template text (up to a NUL). Properties: the return value is
 * the full length whatever the buffer; a short buffer gets a NUL-terminated prefix of the full
 * text, cut at a character boundary when the text is valid UTF-8 and by at most one character;
 * without values for the named placeholders the template comes out exactly as written (only
 * {{value}} and {{threshold}} always expand); a value prints in a short form that reads back
 * within its rounding (exactly for integers below 1e15). */
#include <math.h>
#include <string.h>

#include "core/tmpl.h"

static const char *label(void *privdata, const char *name, size_t len)
{
    static const char *const table[][2] = {
        {"service", "api"},
        {"region", "eu-west"},
        {"emoji", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"},
        {"empty", ""},
        {"braces", "{{value}}"},
    };
    (void)privdata;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strlen(table[i][0]) == len && memcmp(table[i][0], name, len) == 0)
            return table[i][1];
    return NULL;
}

static int valid_utf8(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned char b = s[i];
        size_t k = b < 0x80                 ? 1
                   : b >= 0xc2 && b <= 0xdf ? 2
                   : b >= 0xe0 && b <= 0xef ? 3
                   : b >= 0xf0 && b <= 0xf4 ? 4
                                            : 0;
        if (k == 0 || i + k > n)
            return 0;
        for (size_t j = 1; j < k; j++)
            if ((s[i + j] & 0xc0) != 0x80)
                return 0;
        i += k;
    }
    return 1;
}

static void check_value(double v)
{
    char buf[64];
    int n = tmpl_format_value(v, buf, sizeof buf);
    FUZZ_CHECK(n > 0 && (size_t)n < 32 && strlen(buf) == (size_t)n);
    if (isnan(v)) {
        FUZZ_CHECK(strcmp(buf, "NaN") == 0);
        return;
    }
    if (isinf(v)) {
        FUZZ_CHECK(strcmp(buf, v > 0 ? "+Inf" : "-Inf") == 0);
        return;
    }
    FUZZ_CHECK(strcmp(buf, "-0") != 0);
    double back = strtod(buf, NULL);
    double a = fabs(v);
    if (a < 1e15 && v == floor(v))
        FUZZ_CHECK(back == v);
    else if (a < 1e15 && a >= 9999.5)
        FUZZ_CHECK(fabs(back - v) <= 0.5);
    else /* 4 significant digits; near DBL_MAX they may round past it */
        FUZZ_CHECK(fabs(back - v) <= 5e-4 * a || (isinf(back) && a > 1.79e308));
    char small[4];
    FUZZ_CHECK(tmpl_format_value(v, small, sizeof small) == n);
    FUZZ_CHECK(strncmp(small, buf, sizeof small - 1) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const double values[] = {0, -0.0, 1.5, 12345, 9999.5, 1e15, 1e-7, -250.25, 3.5e20};
    char *t = malloc(size + 1);
    memcpy(t, data, size);
    t[size] = '\0';
    unsigned h = 2166136261u;
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 16777619u;

    struct tmpl_vars full = {
        .value = values[h % 9],
        .threshold = values[(h / 9) % 9],
        .rule = "api_latency_high",
        .severity = "critical",
        .instance = "api_latency_high{service=api}",
        .id = "3fa2c1",
        .labels = "service=api,region=eu-west",
        .label = label,
    };

    size_t len = tmpl_render(t, &full, NULL, 0);
    char *out = malloc(len + 1);
    FUZZ_CHECK(tmpl_render(t, &full, out, len + 1) == len);
    FUZZ_CHECK(strlen(out) == len);
    int utf8 = valid_utf8((const unsigned char *)out, len);

    size_t caps[] = {1, 2, 3, len, (h >> 8) % (len + 1) + 1};
    for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++) {
        size_t cap = caps[c];
        if (cap == 0)
            continue;
        char *small = malloc(cap);
        FUZZ_CHECK(tmpl_render(t, &full, small, cap) == len);
        size_t got = strlen(small);
        FUZZ_CHECK(got < cap && memcmp(small, out, got) == 0);
        if (utf8 && len >= cap) {
            FUZZ_CHECK(got + 4 > cap - 1);
            FUZZ_CHECK(valid_utf8((const unsigned char *)small, got));
        } else if (len < cap) {
            FUZZ_CHECK(got == len);
        }
        free(small);
    }
    free(out);

    /* nothing to put in: the template as written, unless it names value or threshold */
    struct tmpl_vars none = {.value = NAN, .threshold = NAN};
    if (!strstr(t, "value") && !strstr(t, "threshold")) {
        size_t tl = strlen(t);
        char *same = malloc(tl + 1);
        FUZZ_CHECK(tmpl_render(t, &none, same, tl + 1) == tl);
        FUZZ_CHECK(strcmp(same, t) == 0);
        free(same);
    }

    if (size >= sizeof(double)) {
        double v;
        memcpy(&v, data, sizeof v);
        check_value(v);
    }
    check_value(full.value);
    free(t);
    return 0;
}
