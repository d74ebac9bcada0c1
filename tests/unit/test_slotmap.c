/* test_slotmap.c — the cluster slot table, the MOVED/ASK/TRYAGAIN/CLUSTERDOWN/CROSSSLOT replies
 * (texts as redis-server 7.0 sends them), INFO cluster and the key position of commands. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/slotmap.h"

static struct slotmap map; /* 32 KB: not on the stack */

static enum slotmap_reply parse(const char *s, struct slotmap_redirect *r)
{
    return slotmap_reply_parse(s, strlen(s), r);
}

static void test_table(void **state)
{
    (void)state;
    slotmap_init(&map);
    assert_int_equal(slotmap_owner(&map, 0), -1);
    assert_int_equal(slotmap_covered(&map), 0);
    int a = slotmap_node(&map, "127.0.0.1", 9, 7000);
    int b = slotmap_node(&map, "127.0.0.1", 9, 7001);
    assert_int_equal(a, 0);
    assert_int_equal(b, 1);
    assert_int_equal(slotmap_node(&map, "127.0.0.1", 9, 7000), 0); /* found, not added */
    assert_int_equal(slotmap_assign(&map, 0, 5460, a), 0);
    assert_int_equal(slotmap_assign(&map, 5461, 16383, b), 0);
    assert_int_equal(slotmap_owner(&map, 5460), a);
    assert_int_equal(slotmap_owner(&map, 5461), b);
    assert_int_equal(slotmap_owner(&map, 16384), -1);
    assert_int_equal(slotmap_covered(&map), 16384);
    /* refused: reversed, out of range, unknown node; the map is unchanged */
    assert_int_equal(slotmap_assign(&map, 10, 9, a), -1);
    assert_int_equal(slotmap_assign(&map, 0, 16384, a), -1);
    assert_int_equal(slotmap_assign(&map, -1, 3, a), -1);
    assert_int_equal(slotmap_assign(&map, 0, 3, 2), -1);
    assert_int_equal(slotmap_owner(&map, 3), a);
    /* bad nodes */
    assert_int_equal(slotmap_node(&map, "", 0, 7000), -1);
    assert_int_equal(slotmap_node(&map, "h", 1, 0), -1);
    assert_int_equal(slotmap_node(&map, "h", 1, 65536), -1);
    assert_int_equal(slotmap_node(&map, "a b", 3, 1), -1);
    assert_int_equal(slotmap_node(&map, "a\nb", 3, 1), -1);
    slotmap_clear_owners(&map);
    assert_int_equal(slotmap_covered(&map), 0);
    assert_int_equal(map.nnodes, 2);
}

static void test_full(void **state)
{
    (void)state;
    slotmap_init(&map);
    for (int i = 0; i < SLOTMAP_NODES_MAX; i++)
        assert_int_equal(slotmap_node(&map, "10.0.0.1", 8, 1000 + i), i);
    assert_int_equal(slotmap_node(&map, "10.0.0.1", 8, 999), -1);
}

static void test_redirects(void **state)
{
    (void)state;
    struct slotmap_redirect r;
    assert_int_equal(parse("MOVED 12652 127.0.0.1:30003", &r), SLOTMAP_REPLY_MOVED);
    assert_int_equal(r.slot, 12652);
    assert_string_equal(r.host, "127.0.0.1");
    assert_int_equal(r.port, 30003);
    assert_int_equal(parse("ASK 3689 127.0.0.1:30001", &r), SLOTMAP_REPLY_ASK);
    assert_int_equal(r.slot, 3689);
    assert_int_equal(r.port, 30001);
    /* IPv6: split at the last colon; an empty host means the node that answered */
    assert_int_equal(parse("MOVED 1 ::1:7000", &r), SLOTMAP_REPLY_MOVED);
    assert_string_equal(r.host, "::1");
    assert_int_equal(parse("MOVED 1 :7000", &r), SLOTMAP_REPLY_MOVED);
    assert_string_equal(r.host, "");
    assert_int_equal(r.port, 7000);
    /* malformed: not a redirect the caller could follow */
    const char *bad[] = {"MOVED",           "MOVED ",        "MOVED 16384 h:1", "MOVED x h:1",
                         "MOVED 1 h",       "MOVED 1 h:",    "MOVED 1 h:0",     "MOVED 1 h:65536",
                         "MOVED 1 h:1x",    "MOVED 1 a b:1", "MOVEDX 1 h:1",    "ASK 1  h:1",
                         "MOVED 1 h:123456"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(parse(bad[i], &r), SLOTMAP_REPLY_OTHER);
    assert_int_equal(parse("TRYAGAIN Multiple keys request during rehashing of slot", &r),
                     SLOTMAP_REPLY_TRYAGAIN);
    assert_int_equal(parse("CLUSTERDOWN The cluster is down", &r), SLOTMAP_REPLY_CLUSTERDOWN);
    assert_int_equal(parse("CROSSSLOT Keys in request don't hash to the same slot", &r),
                     SLOTMAP_REPLY_CROSSSLOT);
    assert_int_equal(parse("WRONGTYPE Operation against a key", &r), SLOTMAP_REPLY_OTHER);
    assert_string_equal(slotmap_reply_name(SLOTMAP_REPLY_ASK), "ask");
    assert_string_equal(slotmap_reply_name(SLOTMAP_REPLY_OTHER), "");
}

static void test_info(void **state)
{
    (void)state;
    const char *on = "# Cluster\r\ncluster_enabled:1\r\n";
    const char *off = "# Cluster\r\ncluster_enabled:0\r\n";
    assert_int_equal(slotmap_info_cluster_enabled(on, strlen(on)), 1);
    assert_int_equal(slotmap_info_cluster_enabled(off, strlen(off)), 0);
    assert_int_equal(slotmap_info_cluster_enabled("# Cluster\r\n", 11), -1);
    assert_int_equal(slotmap_info_cluster_enabled("xcluster_enabled:1", 18), -1);
    assert_int_equal(slotmap_info_cluster_enabled("cluster_enabled:", 16), -1);
}

static int key_arg(int argc, const char **argv)
{
    return slotmap_key_arg(argc, argv, NULL);
}

static void test_key_arg(void **state)
{
    (void)state;
    const char *xadd[] = {"XADD", "wr:ev:{p0}", "*", "a", "1"};
    assert_int_equal(key_arg(5, xadd), 1);
    const char *xread[] = {"XREAD", "COUNT", "10", "BLOCK", "1000", "STREAMS", "k", "0"};
    assert_int_equal(key_arg(8, xread), 6);
    const char *xread_bad[] = {"XREAD", "COUNT", "10"};
    assert_int_equal(key_arg(3, xread_bad), -1);
    const char *eval[] = {"EVAL", "return 1", "2", "k1", "k2"};
    assert_int_equal(key_arg(5, eval), 3);
    const char *eval0[] = {"evalsha", "abc", "0", "x"};
    assert_int_equal(key_arg(4, eval0), -1);
    const char *evalbad[] = {"EVAL", "s", "1x", "k"};
    assert_int_equal(key_arg(4, evalbad), -1);
    const char *xinfo[] = {"XINFO", "STREAM", "k"};
    assert_int_equal(key_arg(3, xinfo), 2);
    const char *ping[] = {"ping"};
    assert_int_equal(key_arg(1, ping), -1);
    const char *pub[] = {"PUBLISH", "wr:chat:ops", "x"};
    assert_int_equal(key_arg(3, pub), -1);
    const char *slots[] = {"CLUSTER", "SLOTS"};
    assert_int_equal(key_arg(2, slots), -1);
    const char *hm[] = {"HMGET", "wr:meta", "version"};
    assert_int_equal(key_arg(3, hm), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),     cmocka_unit_test(test_full),
        cmocka_unit_test(test_redirects), cmocka_unit_test(test_info),
        cmocka_unit_test(test_key_arg),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
