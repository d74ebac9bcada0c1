/* sha1.h — SHA-1 (FIPS 180-4) of a byte string, as a 40-character lower-case hex digest: the
 * name Redis gives a Lua script in its script cache (EVALSHA, SCRIPT LOAD). Pure. */
#ifndef WR_SHA1_H
#define WR_SHA1_H

#include <stddef.h>

#define SHA1_HEX_LEN 40

/* Writes the digest of data[0..len) to hex as SHA1_HEX_LEN characters and a '\0' (hex must
 * hold SHA1_HEX_LEN + 1 bytes). data may be NULL when len is 0. */
void sha1_hex(const void *data, size_t len, char hex[SHA1_HEX_LEN + 1]);

#endif
