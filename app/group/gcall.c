/* gcall.c — EVALSHA with one EVAL retry on NOSCRIPT, asynchronously (contract in gcall.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/group/gcall.h"
#include "core/mem.h"

struct gcall {
    struct rconn *rc;
    const struct rscript *s;
    rconn_reply_fn *cb;
    void *privdata;
    int argc;          /* EVAL, body/sha, numkeys, keys and args */
    const char **argv; /* into blob, except argv[0..2] */
    size_t *argvlen;
    char numkeys[16];
    char *blob; /* copies of the keys and args */
    int tries;
};

static void gcall_free(struct gcall *g)
{
    free(g->argv);
    free(g->argvlen);
    free(g->blob);
    free(g);
}

static int gcall_submit(struct gcall *g);

static void on_reply(struct rconn *rc, const redisReply *reply, void *privdata)
{
    (void)rc;
    struct gcall *g = privdata;
    if (reply != NULL && rscript_is_noscript(reply) && g->tries == 1) {
        g->argv[0] = "EVAL";
        g->argvlen[0] = 4;
        g->argv[1] = g->s->src;
        g->argvlen[1] = g->s->len;
        if (gcall_submit(g) == 0)
            return;
        reply = NULL; /* could not be sent again: as if the connection were lost */
    }
    g->cb(g->rc, reply, g->privdata);
    gcall_free(g);
}

static int gcall_submit(struct gcall *g)
{
    g->tries++;
    return rconn_command_argv(g->rc, on_reply, g, g->argc, g->argv, g->argvlen);
}

int gcall_send(struct rconn *rc, const struct rscript *s, int nkeys, int nargs, const char **argv,
               const size_t *argvlen, rconn_reply_fn *cb, void *privdata)
{
    struct gcall *g = xcalloc(1, sizeof(*g));
    int n = nkeys + nargs;
    size_t total = 0;
    for (int i = 0; i < n; i++)
        total += argvlen[i];
    g->rc = rc;
    g->s = s;
    g->cb = cb;
    g->privdata = privdata;
    g->argc = 3 + n;
    g->argv = xmalloc((size_t)g->argc * sizeof(*g->argv));
    g->argvlen = xmalloc((size_t)g->argc * sizeof(*g->argvlen));
    g->blob = xmalloc(total ? total : 1);
    g->argv[0] = "EVALSHA";
    g->argvlen[0] = 7;
    g->argv[1] = s->sha;
    g->argvlen[1] = RSCRIPT_SHA_LEN;
    snprintf(g->numkeys, sizeof(g->numkeys), "%d", nkeys);
    g->argv[2] = g->numkeys;
    g->argvlen[2] = strlen(g->numkeys);
    char *p = g->blob;
    for (int i = 0; i < n; i++) {
        if (argvlen[i])
            memcpy(p, argv[i], argvlen[i]);
        g->argv[3 + i] = p;
        g->argvlen[3 + i] = argvlen[i];
        p += argvlen[i];
    }
    if (gcall_submit(g) != 0) {
        gcall_free(g);
        return -1;
    }
    return 0;
}
