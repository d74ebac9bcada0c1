/* tmpl.h — alert text templates: `{{value}}`, `{{labels.service}}` and friends in a rule's
 * summary and runbook, rendered into a bounded buffer. Anything it does not know it leaves
 * exactly as written, so a typo shows up on screen instead of vanishing. */
#ifndef WR_TMPL_H
#define WR_TMPL_H

#include <stddef.h>

/* The longest text the alert engine renders (bytes, NUL included). */
#define TMPL_TEXT_MAX 1024

/* Looks up label `name` (len bytes, not NUL-terminated). Returns its value (NUL-terminated,
 * borrowed) or NULL when there is no such label. */
typedef const char *(*tmpl_label_fn)(void *privdata, const char *name, size_t len);

/* What the placeholders stand for. A NULL string (or a NULL label function) leaves its
 * placeholder as written. */
struct tmpl_vars {
    double value;         /* {{value}} */
    double threshold;     /* {{threshold}} */
    const char *rule;     /* {{rule}}: the rule name */
    const char *severity; /* {{severity}} */
    const char *instance; /* {{instance}}: the instance id, e.g. api_latency_high{service=api} */
    const char *id;       /* {{id}}: the short id used by /ack */
    const char *labels;   /* {{labels}}: all labels, "k=v,k=v" */
    tmpl_label_fn label;  /* {{labels.NAME}} */
    void *privdata;       /* passed to label */
};

/* Renders tmpl (NUL-terminated) into out. A placeholder is `{{` NAME `}}` with optional blanks
 * around NAME; an unknown NAME, a missing label, or a `{{` without a later `}}` is copied
 * literally. Returns the length of the complete rendering (as snprintf does); out (when
 * cap > 0) receives as much of it as fits in cap - 1 bytes, cut at a UTF-8 character
 * boundary, then a NUL. */
size_t tmpl_render(const char *tmpl, const struct tmpl_vars *vars, char *out, size_t cap);

/* Writes v as {{value}} shows it: NaN as "NaN", integers below 1e15 in full ("12345"), other
 * values of magnitude 9999.5 to 1e15 rounded to an integer ("12346"), anything else with 4
 * significant digits ("250.3", "0.001235", "1.235e-07", "3.5e+20"). Returns the length as
 * snprintf does. */
int tmpl_format_value(double v, char *buf, size_t cap);

#endif
