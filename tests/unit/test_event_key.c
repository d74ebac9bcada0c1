/* test_event_key.c — the canonical series key: length caps, quoting, label order, round trips
 * through event_parse_key, and random label sets against a plain re-implementation. */
#include "tests/unit/test_event_lib.h"

static void test_key_too_long(void **state)
{
    (void)state;
    /* "m{a=V0,b=V1,c=V2,d=V3}": 14 bytes + the values */
    static char line[4096];
    static char v[4][300];
    size_t lens[4] = {256, 256, 256, 242}; /* key of exactly 1024 bytes */
    for (int k = 0; k < 2; k++) {
        for (int j = 0; j < 4; j++) {
            memset(v[j], 'a' + j, lens[j]);
            v[j][lens[j]] = '\0';
        }
        snprintf(line, sizeof line, "m{a=%s,b=%s,c=%s,d=%s} 1", v[0], v[1], v[2], v[3]);
        if (k == 0) {
            assert_int_equal(parse(line), EVENT_OK);
            assert_int_equal(strlen(key_of(&ev)), 1024);
            lens[3]++;
        } else {
            expect_err(line, EVENT_E_KEY_TOO_LONG, "series key is 1025 bytes (max 1024)");
        }
    }
    /* quoting counts: values of 1009 bytes make a 1023-byte key, 1025 with one pair of quotes */
    snprintf(line, sizeof line, "m{a=%.256s,b=%.256s,c=%.256s,d=%.241s} 1", v[0], v[1], v[2], v[3]);
    assert_int_equal(parse(line), EVENT_OK);
    assert_int_equal(strlen(key_of(&ev)), 1023);
    snprintf(line, sizeof line, "m{a=\"%.128s %.127s\",b=%.256s,c=%.256s,d=%.241s} 1", v[0], v[0],
             v[1], v[2], v[3]);
    expect_err(line, EVENT_E_KEY_TOO_LONG, "series key is 1025 bytes (max 1024)");
    /* blanks after an unquoted value are dropped even when they run past the event buffer */
    snprintf(line, sizeof line, "m{a=%.256s,b=%.256s,c=%.256s,d=%.235s%60s} 1", v[0], v[1], v[2],
             v[3], "");
    memset(ev.buf, 'X', sizeof ev.buf);
    assert_int_equal(parse(line), EVENT_OK);
    assert_int_equal(ev.labels[3].value_len, 235);
    assert_memory_equal(event_label_value(&ev, 3), v[3], 235);
    assert_int_equal(strlen(key_of(&ev)), 1017);
    /* escapes count: 1000 bytes of values, one of them a quote, make a 1014 + 3 byte key */
    snprintf(line, sizeof line, "m{a=%.256s,b=%.256s,c=%.256s,d=\"\\\"%.231s\"} 1", v[0], v[1],
             v[2], v[3]);
    assert_int_equal(parse(line), EVENT_OK);
    assert_int_equal(strlen(key_of(&ev)), 1017);
    snprintf(line, sizeof line, "m{a=%.256s,b=%.256s,c=%.256s,d=\"\\\"%.238s\"} 1", v[0], v[1],
             v[2], v[3]);
    assert_int_equal(parse(line), EVENT_OK);
    assert_int_equal(strlen(key_of(&ev)), 1024);
    snprintf(line, sizeof line, "m{a=%.256s,b=%.256s,c=%.256s,d=\"\\\"%.239s\"} 1", v[0], v[1],
             v[2], v[3]);
    expect_err(line, EVENT_E_KEY_TOO_LONG, "series key is 1025 bytes (max 1024)");
    /* content far past the event buffer */
    strcpy(line, "m{");
    for (int j = 0; j < 6; j++)
        snprintf(line + strlen(line), sizeof line - strlen(line), "l%d=%s,", j, v[0]);
    strcat(line, "} 1");
    expect_err(line, EVENT_E_KEY_TOO_LONG, "series key over 1024 bytes");
}

static void test_key_quoting(void **state)
{
    (void)state;
    static const struct {
        const char *value_in_line; /* as written in the label set */
        const char *in_key;        /* as the canonical key writes it */
    } cases[] = {
        {"x", "x"},
        {"\"\"", "\"\""},
        {"\"a,b\"", "\"a,b\""},
        {"\"a}b\"", "\"a}b\""},
        {"a=b", "\"a=b\""},
        {"a\"b", "\"a\\\"b\""},
        {"a\\b", "\"a\\\\b\""},
        {"\"a b\"", "\"a b\""},
        {"a b", "\"a b\""},
        {"a{b", "a{b"},
        {"\xe6\x97\xa5\xe6\x9c\xac", "\xe6\x97\xa5\xe6\x9c\xac"},
        {"/api/v1?x;y", "/api/v1?x;y"},
        {"\"\\\\\"", "\"\\\\\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char line[128], want[128];
        snprintf(line, sizeof line, "m{k=%s} 1", cases[i].value_in_line);
        snprintf(want, sizeof want, "m{k=%s}", cases[i].in_key);
        if (parse(line) != EVENT_OK)
            fail_msg("%s: %s", line, reason);
        assert_string_equal(key_of(&ev), want);
    }
}

static void test_key_order_independent(void **state)
{
    (void)state;
    const char *forms[] = {
        "http{status=200,method=GET,path=\"/a,b\"} 1",
        "http{path=\"/a,b\",status=200,method=GET} 2",
        "http{ method = \"GET\" , path=\"/a,b\", status=\"200\" } 3 1700000000000",
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        assert_int_equal(parse(forms[i]), EVENT_OK);
        assert_string_equal(key_of(&ev), "http{method=GET,path=\"/a,b\",status=200}");
    }
    /* bytewise order: uppercase before underscore before lowercase */
    assert_int_equal(parse("m{b=1,_=2,B=3,a1=4,a=5} 1"), EVENT_OK);
    assert_string_equal(key_of(&ev), "m{B=3,_=2,a=5,a1=4,b=1}");
}

static void test_key_roundtrip(void **state)
{
    (void)state;
    const char *lines[] = {
        "m 1",
        "m{a=1} 1",
        "lat{path=\"/a b\",msg=\"say \\\"hi\\\"\"} 2",
        "m{a=\"x,y\",b=\"}\",c=\"=\",d=\"\\\\\",e=\"\",f=\" lead\",g=\"{\"} 1",
        "m{city=\xe6\x97\xa5\xe6\x9c\xac,q=\"\xe6\x97\xa5 \xe6\x9c\xac,\\\"x\\\"\"} 1",
        "m{a=\"\\\\\\\"\"} 1",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        assert_int_equal(parse(lines[i]), EVENT_OK);
        struct event a = ev, b;
        char k1[EVENT_KEY_MAX + 1], k2[EVENT_KEY_MAX + 1];
        int n1 = event_key(&a, k1, sizeof k1);
        assert_true(n1 > 0);
        assert_int_equal(event_parse_key(k1, (size_t)n1, &b), EVENT_OK);
        int n2 = event_key(&b, k2, sizeof k2);
        assert_int_equal(n1, n2);
        assert_string_equal(k1, k2);
        assert_int_equal(a.nlabels, b.nlabels);
        for (size_t j = 0; j < a.nlabels; j++) {
            assert_string_equal(event_label_name(&a, j), event_label_name(&b, j));
            assert_string_equal(event_label_value(&a, j), event_label_value(&b, j));
        }
        assert_true(b.value == 0 && b.ts_ms == 0 && !b.has_ts);
    }
}

static void test_event_key_cap(void **state)
{
    (void)state;
    char buf[16];
    assert_int_equal(parse("m{a=1,b=22} 1"), EVENT_OK); /* "m{a=1,b=22}": 11 bytes */
    assert_int_equal(event_key(&ev, buf, 12), 11);
    assert_string_equal(buf, "m{a=1,b=22}");
    assert_int_equal(event_key(&ev, buf, 11), -1);
    assert_int_equal(event_key(&ev, buf, 0), -1);
}

static void test_parse_key(void **state)
{
    (void)state;
    struct event k;
    const char *key = "m{a=1,b=\"x y\"}";
    assert_int_equal(event_parse_key(key, strlen(key), &k), EVENT_OK);
    assert_string_equal(event_label_value(&k, 1), "x y");
    assert_int_equal(event_parse_key("cpu", 3, &k), EVENT_OK);
    assert_int_equal(k.nlabels, 0);
    assert_int_equal(event_parse_key("cpu{b=2,a=1}", 12, &k), EVENT_OK); /* lenient: sorts */
    assert_string_equal(event_label_name(&k, 0), "a");
    assert_int_equal(event_parse_key("m{a=1} 2", 8, &k), EVENT_E_SYNTAX);
    assert_int_equal(event_parse_key("m ", 2, &k), EVENT_E_SYNTAX);
    assert_int_equal(event_parse_key("m{a=1", 5, &k), EVENT_E_SYNTAX);
    assert_int_equal(event_parse_key("", 0, &k), EVENT_E_METRIC_EMPTY);
    assert_int_equal(event_parse_key("m{a=1,a=2}", 10, &k), EVENT_E_LABEL_DUP);
    assert_int_equal(event_parse_key("m{a=\"\\n\"}", 9, &k), EVENT_E_LABEL_VALUE_CONTROL);
    static char big[1100] = "m{a=";
    memset(big + 4, 'v', 256);
    strcat(big, ",b=");
    memset(big + strlen(big), 'v', 256);
    strcat(big, ",c=");
    memset(big + strlen(big), 'v', 256);
    strcat(big, ",d=");
    memset(big + strlen(big), 'v', 243);
    strcat(big, "}");
    assert_int_equal(strlen(big), 1025);
    assert_int_equal(event_parse_key(big, 1025, &k), EVENT_E_KEY_TOO_LONG);
    assert_int_equal(event_parse_key(big, 1023, &k), EVENT_E_SYNTAX); /* cut before '}' */
}

/* ---------------------------------------------------------------- property: random label sets */

static bool needs_quotes(const char *v)
{
    return v[0] == '\0' || strpbrk(v, ",}=\"\\ ") != NULL;
}

struct lab {
    char name[12];
    char value[64];
};

static int cmp_labs(const void *a, const void *b)
{
    return strcmp(((const struct lab *)a)->name, ((const struct lab *)b)->name);
}

/* Appends v to out quoted (escaping " and \), or bare when allowed and `bare` is set. */
static void put_value(char *out, const char *v, bool bare)
{
    out += strlen(out);
    if (bare && !needs_quotes(v) && v[0] != '"') {
        strcpy(out, v);
        return;
    }
    *out++ = '"';
    for (; *v; v++) {
        if (*v == '"' || *v == '\\')
            *out++ = '\\';
        *out++ = *v;
    }
    *out++ = '"';
    *out = '\0';
}

static void test_property_canonical(void **state)
{
    (void)state;
    static const char *alphabet[] = {"a",
                                     "b",
                                     "z",
                                     "0",
                                     "9",
                                     "_",
                                     ",",
                                     "}",
                                     "{",
                                     "=",
                                     "\"",
                                     "\\",
                                     " ",
                                     "/",
                                     ".",
                                     "-",
                                     "\xe6\x97\xa5",
                                     "\xc3\xa9",
                                     "\xf0\x9f\x98\x80",
                                     "#"};
    static const char name_chars[] = "abcxyzABZ_0123456789";
    rng_state = 42;
    for (int iter = 0; iter < 20000; iter++) {
        size_t n = rng() % (EVENT_MAX_LABELS + 1);
        struct lab labs[EVENT_MAX_LABELS], sorted[EVENT_MAX_LABELS];
        for (size_t i = 0; i < n; i++) {
            bool dup;
            do {
                size_t len = 1 + rng() % 6;
                for (size_t c = 0; c < len; c++)
                    labs[i].name[c] = name_chars[rng() % (c == 0 ? 10 : sizeof name_chars - 1)];
                labs[i].name[len] = '\0';
                dup = false;
                for (size_t j = 0; j < i; j++)
                    dup |= strcmp(labs[i].name, labs[j].name) == 0;
            } while (dup);
            labs[i].value[0] = '\0';
            size_t vlen = rng() % 7;
            for (size_t c = 0; c < vlen; c++)
                strcat(labs[i].value, alphabet[rng() % (sizeof alphabet / sizeof alphabet[0])]);
            sorted[i] = labs[i];
        }
        /* reference canonical key, built independently of the parser */
        qsort(sorted, n, sizeof sorted[0], cmp_labs);
        char want[2048] = "metric_x";
        if (n) {
            strcat(want, "{");
            for (size_t i = 0; i < n; i++) {
                if (i)
                    strcat(want, ",");
                strcat(want, sorted[i].name);
                strcat(want, "=");
                put_value(want, sorted[i].value, true);
            }
            strcat(want, "}");
        }
        /* two lines with shuffled order and random quoting */
        char keys[2][EVENT_KEY_MAX + 1];
        for (int form = 0; form < 2; form++) {
            size_t order[EVENT_MAX_LABELS];
            for (size_t i = 0; i < n; i++)
                order[i] = i;
            for (size_t i = n; i > 1; i--) {
                size_t j = rng() % i, t = order[i - 1];
                order[i - 1] = order[j];
                order[j] = t;
            }
            char line[2048] = "metric_x{";
            for (size_t i = 0; i < n; i++) {
                if (i)
                    strcat(line, rng() % 2 ? "," : " , ");
                strcat(line, labs[order[i]].name);
                strcat(line, "=");
                put_value(line, labs[order[i]].value, rng() % 2);
            }
            strcat(line, "} 1.25");
            if (parse(line) != EVENT_OK)
                fail_msg("iter %d: %s: %s", iter, line, reason);
            assert_int_equal(ev.nlabels, n);
            assert_true(event_key(&ev, keys[form], sizeof keys[form]) >= 0);
            if (strcmp(keys[form], want) != 0)
                fail_msg("iter %d: %s\n got  %s\n want %s", iter, line, keys[form], want);
        }
        assert_string_equal(keys[0], keys[1]);
        struct event k;
        char again[EVENT_KEY_MAX + 1];
        assert_int_equal(event_parse_key(keys[0], strlen(keys[0]), &k), EVENT_OK);
        assert_true(event_key(&k, again, sizeof again) >= 0);
        assert_string_equal(again, keys[0]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_too_long),          cmocka_unit_test(test_key_quoting),
        cmocka_unit_test(test_key_order_independent), cmocka_unit_test(test_key_roundtrip),
        cmocka_unit_test(test_event_key_cap),         cmocka_unit_test(test_parse_key),
        cmocka_unit_test(test_property_canonical),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
