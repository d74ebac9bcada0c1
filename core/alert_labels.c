/* alert_labels.c — label sets of alert instances: the canonical "k=v,k=v" text (core/event's
 * quoting), a string builder for ids and keys, hashing, and a series' `by` labels. Private to
 * the alert engine (declared in alert_impl.h). */
#include <stdlib.h>
#include <string.h>

#include "core/alert_impl.h"

int alert_labels_cmp(const void *a, const void *b)
{
    return strcmp(((const struct alert_kv *)a)->name, ((const struct alert_kv *)b)->name);
}

void alert_labels_put(struct alert_sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void alert_labels_puts(struct alert_sbuf *b, const char *s)
{
    alert_labels_put(b, s, strlen(s));
}

void alert_labels_append(struct alert_sbuf *b, const struct alert_kv *kv, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        const char *v = kv[k].value;
        if (k)
            alert_labels_put(b, ",", 1);
        alert_labels_puts(b, kv[k].name);
        alert_labels_put(b, "=", 1);
        if (*v && !strpbrk(v, ",}=\"\\ ")) {
            alert_labels_puts(b, v);
            continue;
        }
        alert_labels_put(b, "\"", 1);
        for (; *v; v++) {
            if (*v == '"' || *v == '\\')
                alert_labels_put(b, "\\", 1);
            alert_labels_put(b, v, 1);
        }
        alert_labels_put(b, "\"", 1);
    }
    if (!b->p)
        alert_labels_put(b, "", 0);
}

char *alert_labels_text(const struct alert_kv *kv, size_t n)
{
    struct alert_sbuf b = {0};
    alert_labels_append(&b, kv, n);
    return b.p;
}

uint64_t alert_labels_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return h;
}

/* A label's value as selectors see it: "" when absent; "__name__" is the metric. */
static const char *label_value(const struct event *ev, const char *name)
{
    if (strcmp(name, "__name__") == 0)
        return event_metric(ev);
    const char *v = event_label_find(ev, name);
    return v ? v : "";
}

size_t alert_labels_by(const struct rule_expr *x, const struct event *ev, struct alert_kv *kv)
{
    size_t n = 0;
    for (size_t k = 0; k < x->nby; k++) {
        const char *v = label_value(ev, x->by[k]);
        if (*v)
            kv[n++] = (struct alert_kv){x->by[k], v};
    }
    qsort(kv, n, sizeof *kv, alert_labels_cmp);
    return n;
}
