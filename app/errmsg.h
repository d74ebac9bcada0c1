/* errmsg.h — the one prefix of every error and warning line warroom writes to stderr:
 * "warroom CMD: " while command CMD runs, "warroom: " for the interface and main itself. */
#ifndef WR_ERRMSG_H
#define WR_ERRMSG_H

/* Sets the command whose name the prefix carries (NULL or "": none). main calls it once,
 * before dispatching; the name must outlive the process (a string literal of cmd_entry). */
void errmsg_set_command(const char *name);

/* "warroom query: ", or "warroom: " when no command is set. Never NULL; valid for the
 * process's lifetime, so async-signal-safe code (the out-of-memory path) may write it. */
const char *errmsg_prefix(void);

#endif
