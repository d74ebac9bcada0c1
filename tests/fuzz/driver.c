/* driver.c — replays a fuzz target's seed corpus as a regression test, without libFuzzer: a
 * main() that feeds every file of tests/fuzz/corpus/NAME/ (NAME from the program name
 * fuzz_NAME), then every file or directory given as an argument, to LLVMFuzzerTestOneInput.
 * Built with the regular compiler (under ASan and UBSan by `make check`); a failed property
 * aborts, and the input being run is named on stderr before the process dies.
 * Prints "fuzz NAME: N inputs ok" and exits 0, or exits 1 when an input cannot be read or the
 * corpus directory is missing or empty. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/fuzz/fuzz.h"

/* The sanitizers' hook run before they end the process after a report (absent without them). */
extern void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

/* UBSan's runtime (a separate one under GCC) ends the process without the death callback;
 * aborting instead lets the SIGABRT handler below name the input. */
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void)
{
    return "abort_on_error=1:print_stacktrace=1";
}

static const char *current; /* the input being run, for crash messages */
static char name[256];

static void say_current(void)
{
    /* async-signal-safe: write(2) only */
    const char *parts[] = {"fuzz ", name,
                           current ? ": crashed on input " : ": failed after the last input",
                           current ? current : " (a leak is reported at exit)", "\n"};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        if (write(STDERR_FILENO, parts[i], strlen(parts[i])) < 0)
            return;
}

static void on_fatal_signal(int sig)
{
    say_current();
    signal(sig, SIG_DFL);
    raise(sig);
}

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "fuzz %s: cannot open %s: %s\n", name, path, strerror(errno));
        return -1;
    }
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            uint8_t *grown = realloc(buf, cap * 2);
            if (!grown) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = grown;
            cap *= 2;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        fprintf(stderr, "fuzz %s: cannot read %s\n", name, path);
        free(buf);
        return -1;
    }
    /* an exact-size copy, so that ASan sees a read one past the end */
    uint8_t *data = malloc(len ? len : 1);
    if (!data) {
        free(buf);
        return -1;
    }
    memcpy(data, buf, len);
    free(buf);
    current = path;
    LLVMFuzzerTestOneInput(data, len);
    current = NULL;
    free(data);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Runs every regular file of dir (not recursing; names starting with '.' skipped) in name
 * order. Returns the number run, or -1. */
static long run_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "fuzz %s: cannot open directory %s: %s\n", name, dir, strerror(errno));
        return -1;
    }
    char **paths = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    long rc = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        size_t len = strlen(dir) + 1 + strlen(e->d_name) + 1;
        char *p = malloc(len);
        if (!p) {
            rc = -1;
            break;
        }
        snprintf(p, len, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(p, &st) != 0 || !S_ISREG(st.st_mode)) {
            free(p);
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **grown = realloc(paths, cap * sizeof *paths);
            if (!grown) {
                free(p);
                rc = -1;
                break;
            }
            paths = grown;
        }
        paths[n++] = p;
    }
    closedir(d);
    if (n > 1)
        qsort(paths, n, sizeof *paths, cmp_str);
    for (size_t i = 0; i < n; i++) {
        if (rc >= 0 && run_file(paths[i]) == 0)
            rc++;
        else
            rc = -1;
        free(paths[i]);
    }
    free(paths);
    return rc;
}

static long run_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "fuzz %s: cannot open %s: %s\n", name, path, strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode))
        return run_dir(path);
    return run_file(path) == 0 ? 1 : -1;
}

int main(int argc, char **argv)
{
    const char *base = strrchr(argv[0], '/');
    base = base ? base + 1 : argv[0];
    if (strncmp(base, "fuzz_", 5) == 0)
        base += 5;
    snprintf(name, sizeof name, "%s", base);

    if (__sanitizer_set_death_callback)
        __sanitizer_set_death_callback(say_current);
    else {
        signal(SIGSEGV, on_fatal_signal);
        signal(SIGBUS, on_fatal_signal);
        signal(SIGFPE, on_fatal_signal);
        signal(SIGILL, on_fatal_signal);
    }
    signal(SIGABRT, on_fatal_signal); /* FUZZ_CHECK and assert */

    char corpus[512];
    snprintf(corpus, sizeof corpus, "tests/fuzz/corpus/%s", name);
    long total = run_dir(corpus);
    if (total == 0)
        fprintf(stderr, "fuzz %s: no seeds in %s\n", name, corpus);
    if (total <= 0)
        return 1;
    for (int i = 1; i < argc; i++) {
        long n = run_path(argv[i]);
        if (n < 0)
            return 1;
        total += n;
    }
    printf("fuzz %s: %ld inputs ok\n", name, total);
    return 0;
}
