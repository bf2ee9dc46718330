/*
 * sensor: an Atoll atom in C (handler style) that keeps sensor readings in the key-value store.
 *
 *   POST   /apps/sensor/readings        body: a number   -> 201 {"stored":21.5,"count":3}
 *   GET    /apps/sensor/readings                          -> 200 {"count":3,"min":..,"max":..,"average":..}
 *   GET    /apps/sensor/readings/all                      -> 200 [20,21.5,23]   (oldest first)
 *   DELETE /apps/sensor/readings                          -> 200 {"count":0,...}
 *
 * Other atoms of the application can also send it plain messages: a number stores a reading
 * (answer "ok"), "stats" answers the JSON statistics.
 *
 * Storage: key "stats" holds the running aggregate (binary), "reading/<seq>" each reading (text).
 * Every write is durable before kv_put returns, so a restarted instance carries on.
 */
#include <atoll.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint64_t count;
    uint64_t next_seq;
    double sum, min, max;
} stats;

static const atoll_header JSON[] = {{"content-type", "application/json"}};

static int load_stats(stats *s) {
    int32_t n = atoll_kv_get_into("stats", s, sizeof *s);
    if (n == ATOLL_ENOTFOUND) {
        memset(s, 0, sizeof *s);
        return 0;
    }
    if (n < 0) return n;
    return n == (int32_t)sizeof *s ? 0 : ATOLL_EINTERNAL;
}

/* The statistics as JSON (malloc'd). */
static char *stats_json(const stats *s, size_t *len) {
    if (s->count == 0)
        return atoll_asprintf(len, "{\"count\":0,\"min\":null,\"max\":null,\"average\":null}");
    return atoll_asprintf(len, "{\"count\":%llu,\"min\":%.10g,\"max\":%.10g,\"average\":%.10g}",
                          (unsigned long long)s->count, s->min, s->max,
                          s->sum / (double)s->count);
}

/* Parses a whole body as a finite number (surrounding white space allowed). */
static int parse_number(const char *text, double *out) {
    char *end;
    errno = 0;
    *out = strtod(text, &end);
    if (end == text || errno != 0 || !isfinite(*out)) return 0;
    while (*end == ' ' || *end == '\n' || *end == '\r' || *end == '\t') end++;
    return *end == 0;
}

static int store(double v, stats *s) {
    char key[40], val[40];
    int r = load_stats(s);
    if (r < 0) return r;
    atoll_snprintf(key, sizeof key, "reading/%012llu", (unsigned long long)s->next_seq);
    atoll_snprintf(val, sizeof val, "%.17g", v);
    r = atoll_kv_put_str(key, val);
    if (r < 0) return r;
    if (s->count == 0 || v < s->min) s->min = v;
    if (s->count == 0 || v > s->max) s->max = v;
    s->count++;
    s->next_seq++;
    s->sum += v;
    return atoll_kv_put("stats", s, sizeof *s);
}

static int reset(void) {
    atoll_kv_list l;
    size_t i;
    int r;
    /* in batches: a scan result is one message-sized buffer */
    while ((r = atoll_kv_scan("reading/", 1000, &l)) > 0) {
        for (i = 0; i < l.count && r >= 0; i++) r = atoll_kv_delete(l.entries[i].key);
        atoll_kv_list_free(&l);
        if (r < 0) return r;
    }
    if (r < 0) return r;
    return atoll_kv_delete("stats");
}

static int respond_json(const atoll_msg *m, int status, const char *json, size_t len) {
    return atoll_http_respond_ex(m, status, JSON, 1, json, len);
}

static int respond_error(const atoll_msg *m, int status, const char *message) {
    size_t len;
    char *json = atoll_asprintf(&len, "{\"error\":\"%s\"}", message);
    int r = respond_json(m, status, json, len);
    free(json);
    return r;
}

static int respond_stats(const atoll_msg *m, int status) {
    stats s;
    size_t len;
    char *json;
    int r = load_stats(&s);
    if (r < 0) return respond_error(m, 500, atoll_strerror(r));
    json = stats_json(&s, &len);
    r = respond_json(m, status, json, len);
    free(json);
    return r;
}

static int respond_all(const atoll_msg *m) {
    atoll_kv_list l;
    size_t i, len = 0, cap = 64;
    char *json = (char *)malloc(cap);
    int n = atoll_kv_scan("reading/", 0, &l), r;
    if (n < 0) {
        free(json);
        return respond_error(m, 500, atoll_strerror(n));
    }
    json[len++] = '[';
    for (i = 0; i < l.count; i++) {
        size_t need = len + l.entries[i].value_len + 3;
        if (need > cap) {
            while (cap < need) cap *= 2;
            json = (char *)realloc(json, cap);
        }
        if (i) json[len++] = ',';
        memcpy(json + len, l.entries[i].value, l.entries[i].value_len);
        len += l.entries[i].value_len;
    }
    json[len++] = ']';
    atoll_kv_list_free(&l);
    r = respond_json(m, 200, json, len);
    free(json);
    return r;
}

static int on_http(const atoll_msg *m) {
    atoll_http_request req;
    int r;
    if (atoll_http_parse(m, &req) < 0) return respond_error(m, 400, "malformed request");
    if (strcmp(req.path, "/readings") == 0) {
        if (strcmp(req.method, "GET") == 0) {
            r = respond_stats(m, 200);
        } else if (strcmp(req.method, "POST") == 0) {
            double v;
            stats s;
            if (!parse_number(req.body, &v)) {
                r = respond_error(m, 400, "the body must be a number");
            } else if ((r = store(v, &s)) < 0) {
                r = respond_error(m, 500, atoll_strerror(r));
            } else {
                size_t len;
                char *json = atoll_asprintf(&len, "{\"stored\":%.10g,\"count\":%llu}", v,
                                            (unsigned long long)s.count);
                r = respond_json(m, 201, json, len);
                free(json);
            }
        } else if (strcmp(req.method, "DELETE") == 0) {
            r = reset();
            r = r < 0 ? respond_error(m, 500, atoll_strerror(r)) : respond_stats(m, 200);
        } else {
            atoll_header h[2] = {{"content-type", "application/json"},
                                 {"allow", "GET, POST, DELETE"}};
            static const char body[] = "{\"error\":\"method not allowed\"}";
            r = atoll_http_respond_ex(m, 405, h, 2, body, sizeof body - 1);
        }
    } else if (strcmp(req.path, "/readings/all") == 0 && strcmp(req.method, "GET") == 0) {
        r = respond_all(m);
    } else {
        r = respond_error(m, 404, "not found");
    }
    atoll_http_request_free(&req);
    return r < 0 ? r : 0;
}

static int on_message(const atoll_msg *m) {
    double v;
    stats s;
    int r;
    if (atoll_msg_is_http(m)) return on_http(m);
    if (strcmp(m->data, "stats") == 0) {
        size_t len;
        char *json;
        if ((r = load_stats(&s)) < 0) return atoll_reply_str(m, atoll_strerror(r));
        json = stats_json(&s, &len);
        r = atoll_reply(m, json, len);
        free(json);
        return r;
    }
    if (!parse_number(m->data, &v)) return atoll_reply_str(m, "error: not a number");
    r = store(v, &s);
    return atoll_reply_str(m, r < 0 ? atoll_strerror(r) : "ok");
}

ATOLL_ABI();
ATOLL_ON_MESSAGE(on_message);
