/* fuzz_sentinel.c — sentinel_parse_switch, the +switch-master message a sentinel publishes.
 * Properties: it never reads past the input; on success the address is a numeric IPv4/IPv6
 * address that fits, the port is 1..65535, and the message named the master; the same input
 * about another master name is never taken. */
#include <arpa/inet.h>
#include <string.h>

#include "app/redis/redisaddr.h"
#include "app/redis/sentinel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *payload = malloc(size ? size : 1); /* exactly size bytes: ASan sees any overread */
    memcpy(payload, data, size);
    char ip[REDISADDR_IP_MAX];
    int port = 0;
    int rc = sentinel_parse_switch(payload, size, "mymaster", ip, &port);
    FUZZ_CHECK(rc >= -1 && rc <= 1);
    if (rc == 0) {
        unsigned char bin[16];
        FUZZ_CHECK(strlen(ip) < sizeof(ip));
        FUZZ_CHECK(inet_pton(AF_INET, ip, bin) == 1 || inet_pton(AF_INET6, ip, bin) == 1);
        FUZZ_CHECK(port >= 1 && port <= 65535);
        FUZZ_CHECK(size >= 8 && memcmp(payload + strspn(payload, " "), "mymaster", 8) == 0);
        int port2;
        char ip2[REDISADDR_IP_MAX];
        FUZZ_CHECK(sentinel_parse_switch(payload, size, "othermaster", ip2, &port2) == 1);
    }
    free(payload);
    return 0;
}
