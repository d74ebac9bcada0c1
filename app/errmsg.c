/* errmsg.c — the prefix of error lines, set once by main from the command it runs. */
#include "app/errmsg.h"

#include <stdio.h>

static char prefix[48] = "warroom: ";

void errmsg_set_command(const char *name)
{
    if (name == NULL || *name == '\0')
        snprintf(prefix, sizeof(prefix), "warroom: ");
    else
        snprintf(prefix, sizeof(prefix), "warroom %.32s: ", name);
}

const char *errmsg_prefix(void)
{
    return prefix;
}
