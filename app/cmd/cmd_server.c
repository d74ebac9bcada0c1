/* cmd_server.c — `warroom server stop|status`: the private redis-server that warroom starts
 * when no Redis is named and none answers on 127.0.0.1:6379 (see app/redis/localredis.h). */
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "app/cmd/cmd.h"
#include "app/redis/localredis.h"

static const char server_help[] =
    "usage: warroom server stop|status\n"
    "  stop    stop the private redis-server warroom started (exit 0 when it is stopped\n"
    "          or none was running, 1 when it could not be stopped)\n"
    "  status  say whether it runs and where (exit 0 if it runs)\n";

const struct cmd_entry cmd_server_entry = {
    .name = "server",
    .usage = "stop|status",
    .summary = "stop or show the private redis-server warroom started",
    .help = server_help,
    .run = cmd_server,
};

static int server_status(void)
{
    struct localredis_paths p;
    char err[256];
    if (localredis_paths(&p, err, sizeof(err)) != 0) {
        fprintf(stderr, "warroom server: %s\n", err);
        return EXIT_FAILURE_GENERIC;
    }
    struct timeval tv = {0, 300000};
    redisContext *c = redisConnectUnixWithTimeout(p.sock, tv);
    int up = 0;
    if (c && !c->err) {
        redisReply *r = redisCommand(c, "PING");
        up = r && r->type == REDIS_REPLY_STATUS;
        if (r)
            freeReplyObject(r);
    }
    if (c)
        redisFree(c);
    if (up) {
        printf("private redis-server running at unix://%s\n  data: %s\n  log:  %s\n", p.sock,
               p.state_dir, p.logfile);
        return EXIT_OK;
    }
    printf("no private redis-server running (it would live at unix://%s)\n", p.sock);
    return EXIT_FAILURE_GENERIC;
}

int cmd_server(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "stop") == 0) {
        char msg[512];
        enum localredis_stop_result r = localredis_stop(msg, sizeof(msg));
        if (r == LOCALREDIS_STOP_FAILED)
            fprintf(stderr, "warroom server: %s\n", msg);
        else
            printf("%s\n", msg);
        /* nothing running is the state `stop` asks for: success, as `systemctl stop` */
        return r == LOCALREDIS_STOP_FAILED ? EXIT_FAILURE_GENERIC : EXIT_OK;
    }
    if (argc == 2 && strcmp(argv[1], "status") == 0)
        return server_status();
    if (argc >= 2)
        fprintf(stderr, "warroom server: unknown subcommand '%s'\n", argv[1]);
    fputs(server_help, stderr);
    return EXIT_USAGE;
}
