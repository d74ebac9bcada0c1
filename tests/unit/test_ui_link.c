/* test_ui_link.c — ui/ linked alone: libwrui + libwrcore + ncurses (and inih for themes), no
 * hiredis, no libev (the Makefile's link line is the proof). On a pseudo-terminal it starts the
 * screen, draws a frame of a model, and feeds keys through ui_feed as the app's watcher does. */
#define _XOPEN_SOURCE 700
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/series.h"
#include "ui/model.h"
#include "ui/screen.h"
#include "ui/ui.h"

struct pty_run {
    char seen[1 << 16]; /* what the terminal was sent */
    size_t seen_len;
    int init_rc;
    unsigned help_res, feed_res, eof_res;
};

static void drain(int master, struct pty_run *r)
{
    ssize_t n;
    while (r->seen_len < sizeof(r->seen) - 1 &&
           (n = read(master, r->seen + r->seen_len, sizeof(r->seen) - 1 - r->seen_len)) > 0)
        r->seen_len += (size_t)n;
    r->seen[r->seen_len] = '\0';
}

/* Everything between taking the terminal and giving it back; stdout is the pty meanwhile, so
 * the checks wait until run_on_pty has restored it. */
static void run_ui(int master, struct pty_run *r)
{
    struct screen_opts so = {.color = true, .ascii = true, .mouse = false, .theme = NULL};
    char err[256];
    r->init_rc = screen_init(&so, err, sizeof(err));
    if (r->init_rc != 0)
        return;
    struct series_table *tab = series_table_new(NULL);
    struct model m;
    model_init(&m, tab);
    snprintf(m.status.ns, sizeof(m.status.ns), "linktestns");
    snprintf(m.status.addr, sizeof(m.status.addr), "127.0.0.1:6379");
    struct ui *ui = ui_new(&m);
    ui_draw(ui);
    drain(master, r);
    r->help_res = (unsigned)ui_key(ui, '?'); /* the key table: the help opens */
    ui_draw(ui);
    drain(master, r);
    /* keys typed on the terminal: ? closes the help, q quits */
    if (write(master, "?q", 2) != 2)
        r->feed_res = 99;
    usleep(50 * 1000);
    r->feed_res |= ui_feed(ui);
    ui_draw(ui);
    drain(master, r);
    r->eof_res = 0;
    for (int i = 0; i < 3; i++) /* readable with nothing in it, three times: the end */
        r->eof_res = ui_feed(ui);
    ui_free(ui);
    screen_free();
    drain(master, r);
    series_table_free(tab);
}

static void run_on_pty(struct pty_run *r)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    assert_true(master >= 0);
    assert_int_equal(grantpt(master), 0);
    assert_int_equal(unlockpt(master), 0);
    int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
    assert_true(slave >= 0);
    struct winsize ws = {.ws_row = 24, .ws_col = 100};
    assert_int_equal(ioctl(slave, TIOCSWINSZ, &ws), 0);
    fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
    setenv("TERM", "xterm-256color", 1);

    fflush(stdout);
    int saved_in = dup(STDIN_FILENO), saved_out = dup(STDOUT_FILENO);
    dup2(slave, STDIN_FILENO);
    dup2(slave, STDOUT_FILENO);
    run_ui(master, r);
    fflush(stdout);
    dup2(saved_in, STDIN_FILENO);
    dup2(saved_out, STDOUT_FILENO);
    close(saved_in);
    close(saved_out);
    close(slave);
    close(master);
}

static void test_frame_keys_and_feed(void **state)
{
    (void)state;
    static struct pty_run r;
    run_on_pty(&r);
    assert_int_equal(r.init_rc, 0);
    assert_non_null(strstr(r.seen, "linktestns"));  /* the status line reached the terminal */
    assert_non_null(strstr(r.seen, "\033[?2004l")); /* screen_end turned bracketed paste off */
    assert_int_equal(r.help_res, UI_CHANGED);
    assert_int_equal(r.feed_res, UI_CHANGED | UI_QUIT);
    assert_int_equal(r.eof_res, UI_EOF);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frame_keys_and_feed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
