/* chatinput.c — room names and the input-line /command parser (contract in chatinput.h). */
#include "core/chatinput.h"

#include <stdbool.h>
#include <string.h>

static int is_word_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

static unsigned char fold(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

int chatinput_room_normalize(const char *in, char *out, size_t cap)
{
    if (cap > 0)
        out[0] = '\0';
    if (in == NULL)
        return -1;
    if (*in == '#')
        in++;
    size_t n = strlen(in);
    if (n == 0 || n > CHATLOG_ROOM_MAX || n + 1 > cap)
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)in[i];
        if (!(is_word_byte(c) || c == '.'))
            return -1;
    }
    memcpy(out, in, n + 1);
    return 0;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

struct cmd_word {
    const char *name;
    enum chatinput_cmd cmd;
    int arg; /* 0: ignored/optional, 1: required text, 2: required single word */
    const char *usage;
};

static const struct cmd_word cmd_words[] = {
    {"me", CHATINPUT_CMD_ME, 1, "usage: /me ACTION"},
    {"nick", CHATINPUT_CMD_NICK, 2, "usage: /nick NEWNICK"},
    {"join", CHATINPUT_CMD_JOIN, 2, "usage: /join ROOM"},
    {"part", CHATINPUT_CMD_PART, 0, NULL},
    {"leave", CHATINPUT_CMD_PART, 0, NULL},
    {"who", CHATINPUT_CMD_WHO, 0, NULL},
    {"names", CHATINPUT_CMD_WHO, 0, NULL},
    {"clear", CHATINPUT_CMD_CLEAR, 0, NULL},
    {"help", CHATINPUT_CMD_HELP, 0, NULL},
    {"quit", CHATINPUT_CMD_QUIT, 0, NULL},
    {"exit", CHATINPUT_CMD_QUIT, 0, NULL},
    {"ack", CHATINPUT_CMD_ACK, 0, NULL},
    {"silence", CHATINPUT_CMD_SILENCE, 0, NULL},
    {"filter", CHATINPUT_CMD_FILTER, 2, "usage: /filter alerts (hide or show alert lines)"},
};

void chatinput_parse(const char *line, size_t len, struct chatinput *out)
{
    *out = (struct chatinput){.cmd = CHATINPUT_CMD_NONE, .arg = line, .name = line};
    size_t i = 0;
    while (i < len && (is_blank(line[i]) || line[i] == '\n'))
        i++;
    if (i == len)
        return;
    if (line[0] != '/' || (len > 1 && line[1] == '/')) {
        out->cmd = CHATINPUT_CMD_SAY;
        out->arg = line[0] == '/' ? line + 1 : line;
        out->arg_len = line[0] == '/' ? len - 1 : len;
        return;
    }
    size_t w = 1;
    while (w < len && !is_blank(line[w]))
        w++;
    out->name = line + 1;
    out->name_len = w - 1;
    size_t a = w, b = len;
    while (a < b && is_blank(line[a]))
        a++;
    while (b > a && (is_blank(line[b - 1]) || line[b - 1] == '\n'))
        b--;
    out->arg = line + a;
    out->arg_len = b - a;
    out->cmd = CHATINPUT_CMD_UNKNOWN;
    for (size_t k = 0; k < sizeof(cmd_words) / sizeof(cmd_words[0]); k++) {
        const struct cmd_word *c = &cmd_words[k];
        if (strlen(c->name) != out->name_len)
            continue;
        size_t j = 0;
        while (j < out->name_len && fold((unsigned char)out->name[j]) == (unsigned char)c->name[j])
            j++;
        if (j < out->name_len)
            continue;
        out->cmd = c->cmd;
        bool has_blank = false;
        for (size_t x = 0; x < out->arg_len; x++)
            has_blank |= is_blank(out->arg[x]) || out->arg[x] == '\n';
        bool bad_filter = c->cmd == CHATINPUT_CMD_FILTER &&
                          (out->arg_len != 6 || memcmp(out->arg, "alerts", 6) != 0);
        if ((c->arg >= 1 && out->arg_len == 0) || (c->arg == 2 && has_blank) || bad_filter) {
            out->cmd = CHATINPUT_CMD_USAGE;
            out->error = c->usage;
        }
        return;
    }
}

static const char *const help_lines[] = {
    "/me ACTION        say what you are doing (* nick ACTION)",
    "/nick NEWNICK     change your nick (letters, digits, _-.[]{}|^, up to 24 columns)",
    "/join ROOM        leave this room and join ROOM",
    "/part [REASON]    leave the room",
    "/who              who is online here (heartbeat in the last 30 s)",
    "/clear            clear the pane (the history stays in Redis)",
    "/filter alerts    hide alert lines in this pane, again to show them",
    "/help             this list",
    "/quit [REASON]    leave the room and quit",
    "//TEXT            send TEXT that starts with '/'",
    "/ack ID           acknowledge an alert (its short id in the alerts panel)",
    "/silence M DUR    silence M (rule, alert id, * or {selector}) for DUR [comment]",
    "/unsilence M      lift a silence (M as /alerts lists it)",
    "/alerts           the pending and firing alerts and the active silences",
    "keys: PgUp/PgDn scroll, End jumps to the newest, Up/Down recall input, Tab completes nicks",
};

const char *chatinput_help_line(size_t i)
{
    return i < sizeof(help_lines) / sizeof(help_lines[0]) ? help_lines[i] : NULL;
}
