/* fuzz_chat_json.c — the chat pub/sub payload (chat_payload_parse, app/chat/chat.c), which any Redis
 * client can PUBLISH. Properties: it accepts exactly the JSON objects; the entry's strings are
 * those of the object (empty when absent or not strings); the ID is the "id" string's parse (zero
 * otherwise); the time is a sane "ts" number or digit string, else the ID's time, and never
 * negative (unless the ID's own time is past INT64_MAX); the entry renders as terminal-safe
 * text. */
#include <cjson/cJSON.h>
#include <math.h>
#include <string.h>

#include "app/chat/chat.h"
#include "core/chatlog.h"
#include "core/chatrender.h"

static const char *string_member(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) && v->valuestring ? v->valuestring : "";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    struct chatlog_entry e;
    void *json;
    int rc = chat_payload_parse(s, size, &e, &json);

    cJSON *ref = cJSON_ParseWithLength(s, size);
    FUZZ_CHECK((rc == 0) == (ref != NULL && cJSON_IsObject(ref)));
    if (rc != 0) {
        FUZZ_CHECK(json == NULL);
        cJSON_Delete(ref);
        return 0;
    }

    FUZZ_CHECK(e.nick && e.text && strlen(e.nick) == e.nick_len && strlen(e.text) == e.text_len);
    FUZZ_CHECK(strcmp(e.nick, string_member(ref, "nick")) == 0);
    FUZZ_CHECK(strcmp(e.text, string_member(ref, "text")) == 0);
    struct chatlog_id id;
    const char *ids = string_member(ref, "id");
    chatlog_id_parse(ids, strlen(ids), &id);
    FUZZ_CHECK(chatlog_id_cmp(id, e.id) == 0);
    enum chatlog_kind kind;
    const char *ks = string_member(ref, "kind");
    chatlog_kind_parse(ks, strlen(ks), &kind);
    FUZZ_CHECK(kind == e.kind);

    /* the time: "ts" when it is a sane number or a digit string, else the ID's */
    const cJSON *ts = cJSON_GetObjectItemCaseSensitive(ref, "ts");
    int64_t want = (int64_t)e.id.ms;
    if (cJSON_IsNumber(ts) && ts->valuedouble >= 0 && ts->valuedouble < 9e15)
        want = (int64_t)ts->valuedouble;
    else if (cJSON_IsString(ts) && ts->valuestring)
        want = chatlog_ts_parse(ts->valuestring, strlen(ts->valuestring), want);
    FUZZ_CHECK(e.ts_ms == want);
    if (e.id.ms <= INT64_MAX)
        FUZZ_CHECK(e.ts_ms >= 0);

    /* what the chat pane does with it */
    struct chatlog *log = chatlog_new(4);
    struct chatrender_line line = CHATRENDER_LINE_INIT;
    size_t index;
    if (chatlog_add(log, &e, &index) == CHATLOG_ADDED) {
        chatrender_msg(chatlog_get(log, index), "ops", 0, &line);
        FUZZ_CHECK(text_valid(line.s, line.len));
        for (size_t i = 0; i < line.len; i++)
            FUZZ_CHECK((unsigned char)line.s[i] >= 0x20 && line.s[i] != 0x7f);
    }
    chatrender_line_free(&line);
    chatlog_free(log);
    chat_payload_free(json);
    cJSON_Delete(ref);
    return 0;
}
