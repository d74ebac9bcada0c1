/* input.h — the terminal's input, decoded: keys from curses (get_wch), a lone Esc, bracketed
 * paste (xterm mode 2004) and mouse events, handed to ui_key, ui_paste and ui_mouse. ui_feed is
 * its face to the app: the stdin watcher calls it whenever the terminal has something. */
#ifndef WR_INPUT_H
#define WR_INPUT_H

struct ui;
struct input;

/* The decoder's state (a paste in progress, hang-up detection). Never returns NULL. */
struct input *input_new(void);

/* NULL is a no-op. */
void input_free(struct input *in);

/* Drains curses and dispatches what it read to ui; see ui_feed for the result bits. */
unsigned input_feed(struct input *in, struct ui *ui);

#endif
