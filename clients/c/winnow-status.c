/*
 * Ask a running Winnow coordinator where its run stands, from C: the wire contract of Proto/ with
 * protobuf-c and libzmq, as Scripts/status-client.py does from Python. It sends one Envelope holding
 * a StatusRequest over a DEALER socket (CURVE when given keys) and prints the StatusReply.
 *
 *   winnow-status --connect tcp://127.0.0.1:7700
 *   winnow-status --connect tcp://node17:7700 --key keys/worker-1.secret [--server-key keys/coordinator.public]
 *   winnow-status ... --timeout 5
 *
 * Exit codes as winnow's: 0 answered, 64 usage or a bad key file, 69 refused or not a Winnow peer,
 * 75 no answer in time. Built by clients/c/build (protoc-c generates the message code from Proto/).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "winnow/v1/envelope.pb-c.h"

enum { EXIT_ANSWERED = 0, EXIT_USAGE = 64, EXIT_REFUSED = 69, EXIT_NO_ANSWER = 75 };
static const uint32_t MAGIC = 0x574F4E57; /* "WNOW" read as a little-endian UInt32 (Proto/README.md) */
static const uint32_t PROTOCOL_VERSION = 1;

/* A key file of `winnow keygen`: comment lines (#), then one 40-character Z85 key. */
static int read_key(const char *path, char key[41]) {
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "error: %s: %s\n", path, strerror(errno));
        return -1;
    }
    char line[256];
    int found = 0;
    while (fgets(line, sizeof line, f)) {
        size_t n = strcspn(line, "\r\n");
        line[n] = 0;
        if (n == 0 || line[0] == '#') continue;
        if (found || n != 40) {
            found = -1;
            break;
        }
        memcpy(key, line, 41);
        found = 1;
    }
    fclose(f);
    if (found != 1) {
        fprintf(stderr, "error: %s: not a Winnow key file\n", path);
        return -1;
    }
    return 0;
}

static void usage(void) {
    fprintf(stderr, "usage: winnow-status --connect ENDPOINT [--key SECRET_KEY_FILE] [--server-key PUBLIC_KEY_FILE] [--timeout SECONDS]\n");
}

int main(int argc, char **argv) {
    const char *endpoint = NULL, *key_path = NULL, *server_key_path = NULL;
    double timeout = 5.0;
    for (int i = 1; i < argc; i++) {
        if (i + 1 < argc && strcmp(argv[i], "--connect") == 0) endpoint = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--key") == 0) key_path = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--server-key") == 0) server_key_path = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--timeout") == 0) timeout = atof(argv[++i]);
        else {
            usage();
            return EXIT_USAGE;
        }
    }
    if (!endpoint || timeout <= 0) {
        usage();
        return EXIT_USAGE;
    }

    void *context = zmq_ctx_new();
    void *sock = zmq_socket(context, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    if (key_path) {
        char secret[41], public_key[41], server[41];
        char default_server[4096];
        if (!server_key_path) {
            /* coordinator.public beside the worker's key, as winnow status looks for it */
            const char *slash = strrchr(key_path, '/');
            int dir = slash ? (int)(slash - key_path) : 1;
            snprintf(default_server, sizeof default_server, "%.*s/coordinator.public", dir, slash ? key_path : ".");
            server_key_path = default_server;
        }
        if (read_key(key_path, secret) || read_key(server_key_path, server)) return EXIT_USAGE;
        if (zmq_curve_public(public_key, secret) != 0) {
            fprintf(stderr, "error: %s: not a CURVE secret key\n", key_path);
            return EXIT_USAGE;
        }
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, secret, 40);
        zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, public_key, 40);
        zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, server, 40);
    }
    if (zmq_connect(sock, endpoint) != 0) {
        fprintf(stderr, "error: cannot connect to %s: %s\n", endpoint, zmq_strerror(zmq_errno()));
        return EXIT_USAGE;
    }

    char host[256] = "?", sender[300];
    gethostname(host, sizeof host - 1);
    snprintf(sender, sizeof sender, "winnow-status.c@%s", host);
    Winnow__V1__StatusRequest request_body = WINNOW__V1__STATUS_REQUEST__INIT;
    Winnow__V1__Envelope request = WINNOW__V1__ENVELOPE__INIT;
    request.magic = MAGIC;
    request.protocol_version = PROTOCOL_VERSION;
    request.sender = sender;
    request.sequence = 1;
    request.body_case = WINNOW__V1__ENVELOPE__BODY_STATUS_REQUEST;
    request.status_request = &request_body;
    size_t size = winnow__v1__envelope__get_packed_size(&request);
    uint8_t *bytes = malloc(size ? size : 1);
    winnow__v1__envelope__pack(&request, bytes);
    zmq_send(sock, bytes, size, 0);
    free(bytes);

    zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&item, 1, (long)(timeout * 1000)) <= 0) {
        fprintf(stderr, "error: no answer from %s within %g s\n", endpoint, timeout);
        return EXIT_NO_ANSWER;
    }
    zmq_msg_t message;
    zmq_msg_init(&message);
    zmq_msg_recv(&message, sock, 0);
    Winnow__V1__Envelope *reply = winnow__v1__envelope__unpack(NULL, zmq_msg_size(&message), zmq_msg_data(&message));
    zmq_msg_close(&message);
    int status = EXIT_ANSWERED;
    if (!reply || reply->magic != MAGIC) {
        fprintf(stderr, "error: the answer is not a Winnow message\n");
        status = EXIT_REFUSED;
    } else if (reply->body_case == WINNOW__V1__ENVELOPE__BODY_REJECT) {
        fprintf(stderr, "error: refused: %s\n", reply->reject->detail);
        status = EXIT_REFUSED;
    } else if (reply->body_case != WINNOW__V1__ENVELOPE__BODY_STATUS_REPLY) {
        fprintf(stderr, "error: unexpected answer (body %d)\n", (int)reply->body_case);
        status = EXIT_REFUSED;
    } else {
        const Winnow__V1__StatusReply *s = reply->status_reply;
        printf("run %s: %s, %s %" PRIu64 "/%" PRIu64 " tasks, %" PRIu64 "/%" PRIu64 " rows, %.0f rows/s, %u workers, %" PRIu64
               " retries\n",
               s->run_id, s->state, s->phase, s->level_tasks_done, s->level_tasks_total, s->level_rows_done, s->total_rows,
               s->rows_per_second, s->workers_alive, s->retries);
        for (size_t i = 0; i < s->n_workers; i++) {
            const Winnow__V1__WorkerStatus *w = s->workers[i];
            printf("  %s on %s: %u slots, %u running, %" PRIu64 " chunks, %" PRIu64 " merges, busy %.1f s\n", w->name, w->host,
                   w->slots, w->running, w->chunk_tasks, w->merge_tasks, w->busy_seconds);
        }
    }
    if (reply) winnow__v1__envelope__free_unpacked(reply, NULL);
    zmq_close(sock);
    zmq_ctx_destroy(context);
    return status;
}
