/* gcall.h — one asynchronous call of a Lua script on an rconn, by its SHA1 (EVALSHA), sent once
 * more with its body (EVAL) when the server answers NOSCRIPT (after a restart, a failover, a
 * SCRIPT FLUSH, or on a cluster master that never ran it). NOSCRIPT means the script did not run,
 * so the second send cannot apply anything twice. */
#ifndef WR_APP_GROUP_GCALL_H
#define WR_APP_GROUP_GCALL_H

#include <stddef.h>

#include "app/redis/rconn.h"
#include "app/redis/rscript.h"

/* Sends EVALSHA sha numkeys keys... args... on rc (routed by its first key on a cluster). argv
 * holds the keys then the arguments (nkeys + nargs strings, binary-safe, copied here). cb runs
 * exactly once with the final reply (the EVAL's when the EVALSHA got NOSCRIPT) or NULL (the
 * connection was lost or closed). Returns 0, or -1 when rc refused the command (cb never runs). */
int gcall_send(struct rconn *rc, const struct rscript *s, int nkeys, int nargs, const char **argv,
               const size_t *argvlen, rconn_reply_fn *cb, void *privdata);

#endif
