/* input.c — keys, Esc, bracketed paste and mouse from curses, dispatched to the ui (see
 * input.h). */
#include "ui/input.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <ncursesw/curses.h>

#include "core/mem.h"
#include "core/text.h"
#include "ui/keys.h"
#include "ui/screen.h"
#include "ui/ui_impl.h"

#define PASTE_MAX (1 << 20) /* bytes of one paste kept; the chat input takes 64 KiB */

struct input {
    /* bracketed paste (xterm mode 2004): text between ESC[200~ and ESC[201~ */
    bool pasting;
    unsigned paste_match; /* bytes of ESC[201~ seen in a row */
    char *paste;
    size_t paste_len, paste_cap;

    unsigned empty_reads; /* wake-ups on stdin in a row with nothing to read */
    unsigned res;         /* enum ui_result bits of the feed under way */
};

struct input *input_new(void)
{
    return xcalloc(1, sizeof(struct input));
}

void input_free(struct input *in)
{
    if (in == NULL)
        return;
    free(in->paste);
    free(in);
}

/* One key from curses. Returns false when the interface is leaving. */
static bool handle_key(struct input *in, struct ui *ui, int r, wint_t ch)
{
    enum ui_result res = UI_IDLE;
    if (r == KEY_CODE_YES && ch == KEY_RESIZE) {
        screen_update_size();
        ui_relayout(ui);
        in->res |= UI_CHANGED;
        return true;
    } else if (r == KEY_CODE_YES && ch == KEY_MOUSE) {
        MEVENT ev;
        if (getmouse(&ev) == OK)
            res = ui_mouse(ui, &ev);
    } else {
        res = ui_key(ui, r == KEY_CODE_YES ? KEYS_FKEY + (int)ch : (int)ch);
    }
    if (res == UI_QUIT) {
        in->res |= UI_QUIT;
        return false;
    }
    if (res == UI_CHANGED)
        in->res |= UI_CHANGED;
    untouchwin(stdscr);
    return true;
}

static void paste_add(struct input *in, const char *b, size_t n)
{
    if (n == 0 || in->paste_len + n > PASTE_MAX)
        return; /* the rest of a huge paste is dropped; the editor refuses it anyway */
    if (in->paste_len + n > in->paste_cap) {
        in->paste_cap = (in->paste_len + n) * 2;
        in->paste = xrealloc(in->paste, in->paste_cap);
    }
    memcpy(in->paste + in->paste_len, b, n);
    in->paste_len += n;
}

/* A character inside a bracketed paste. Returns false when the interface is leaving. */
static bool paste_key(struct input *in, struct ui *ui, int r, wint_t ch)
{
    static const char end[] = "\033[201~";
    if (r == KEY_CODE_YES) { /* a function key inside a paste: only Enter means something */
        if (ch == KEY_ENTER)
            paste_add(in, "\n", 1);
        return true;
    }
    if ((int)ch == end[in->paste_match]) {
        if (++in->paste_match < sizeof(end) - 1)
            return true;
        in->pasting = false;
        in->paste_match = 0;
        enum ui_result res = ui_paste(ui, in->paste ? in->paste : "", in->paste_len);
        in->paste_len = 0;
        if (res == UI_QUIT) {
            in->res |= UI_QUIT;
            return false;
        }
        in->res |= UI_CHANGED;
        return true;
    }
    paste_add(in, end, in->paste_match); /* a false start of the end marker is text */
    in->paste_match = 0;
    if (ch == 033) {
        in->paste_match = 1;
        return true;
    }
    char b[4];
    size_t n = text_encode(ch == '\r' ? '\n' : (uint32_t)ch, b);
    paste_add(in, b, n);
    return true;
}

/* After an Esc: the start of a bracketed paste (ESC [ 2 0 0 ~, which curses hands over as
 * characters), or an Esc key followed by whatever came with it. */
static bool esc_key(struct input *in, struct ui *ui)
{
    static const char start[] = "\033[200~";
    wint_t seen[sizeof(start)];
    size_t k = 1;
    wint_t ch = 0;
    int r = ERR;
    seen[0] = 033;
    while (k < sizeof(start) - 1 && (r = get_wch(&ch)) == OK && (int)ch == start[k])
        seen[k++] = ch;
    if (k == sizeof(start) - 1) {
        in->pasting = true;
        in->paste_len = 0;
        in->paste_match = 0;
        return true;
    }
    for (size_t i = 0; i < k; i++)
        if (!handle_key(in, ui, OK, seen[i]))
            return false;
    return r == ERR || handle_key(in, ui, r, ch);
}

unsigned input_feed(struct input *in, struct ui *ui)
{
    wint_t ch;
    int r;
    in->res = UI_IDLE;
    /* curses may have buffered several keys from one read: drain until it has none, or the
     * rest would wait for the next byte on the fd. stdscr is never drawn on except when the
     * terminal is too small, and get_wch would repaint it over the panes if it looked
     * changed. */
    untouchwin(stdscr);
    r = get_wch(&ch);
    if (r == ERR) {
        /* readable, yet nothing to read: end of file or a hung-up terminal. Leave rather than
         * spin on a descriptor that will stay readable. */
        if (++in->empty_reads >= 3)
            return UI_EOF;
        return UI_IDLE;
    }
    in->empty_reads = 0;
    for (; r != ERR; r = get_wch(&ch)) {
        bool go;
        if (in->pasting)
            go = paste_key(in, ui, r, ch);
        else if (r == OK && ch == 033)
            go = esc_key(in, ui);
        else
            go = handle_key(in, ui, r, ch);
        if (!go)
            break;
    }
    return in->res;
}
