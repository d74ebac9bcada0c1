/* keyshort.c — common labels of a set of series keys, and keys without them. */
#include "core/keyshort.h"

#include <stdio.h>
#include <string.h>

/* Whether ev has label name with value. */
static bool has_label(const struct event *ev, const char *name, const char *value)
{
    for (uint16_t i = 0; i < ev->nlabels; i++)
        if (strcmp(ev->buf + ev->labels[i].name_off, name) == 0)
            return strcmp(ev->buf + ev->labels[i].value_off, value) == 0;
    return false;
}

void keyshort_find(struct keyshort *k, const char *const *keys, size_t n)
{
    k->ncommon = 0;
    k->common.nlabels = 0;
    if (n < 2 || event_parse_key(keys[0], strlen(keys[0]), &k->common) != EVENT_OK)
        return;
    struct event ev;
    for (size_t i = 1; i < n && k->common.nlabels > 0; i++) {
        if (event_parse_key(keys[i], strlen(keys[i]), &ev) != EVENT_OK) {
            k->common.nlabels = 0;
            break;
        }
        uint16_t kept = 0;
        for (uint16_t l = 0; l < k->common.nlabels; l++) {
            const struct event_label *lb = &k->common.labels[l];
            if (has_label(&ev, k->common.buf + lb->name_off, k->common.buf + lb->value_off))
                k->common.labels[kept++] = *lb;
        }
        k->common.nlabels = kept;
    }
    k->ncommon = k->common.nlabels;
}

char *keyshort_labels(const struct keyshort *k, char *buf, size_t cap)
{
    if (cap == 0)
        return buf;
    buf[0] = '\0';
    char key[EVENT_KEY_MAX + 1];
    if (k->ncommon == 0 || event_key(&k->common, key, sizeof(key)) < 0)
        return buf;
    /* "metric{labels}": the part between the braces */
    const char *open = strchr(key, '{');
    size_t len = strlen(key);
    if (open && len > 0 && key[len - 1] == '}')
        snprintf(buf, cap, "%.*s", (int)(key + len - 1 - (open + 1)), open + 1);
    return buf;
}

char *keyshort_apply(const struct keyshort *k, const char *key, char *buf, size_t cap)
{
    struct event ev;
    if (cap == 0)
        return buf;
    if (k->ncommon == 0 || event_parse_key(key, strlen(key), &ev) != EVENT_OK) {
        snprintf(buf, cap, "%s", key);
        return buf;
    }
    uint16_t kept = 0;
    for (uint16_t l = 0; l < ev.nlabels; l++) {
        const struct event_label *lb = &ev.labels[l];
        if (!has_label(&k->common, ev.buf + lb->name_off, ev.buf + lb->value_off))
            ev.labels[kept++] = *lb;
    }
    ev.nlabels = kept;
    if (event_key(&ev, buf, cap) < 0)
        snprintf(buf, cap, "%s", key);
    return buf;
}
