/*
 * sdk_selftest: unit tests of the host-independent parts of atoll.h (formatting, envelope and
 * HTTP parsing, HTTP response encoding), run inside Wasm. Exports `selftest() -> i32` (the
 * number of failures; each failure is also logged at level error through atoll.log), and is a
 * handler atom answering any message with "<failures> failures".
 */
#include <atoll.h>

static int failures;

static void fail(const char *what, const char *got, const char *expected) {
    failures++;
    atoll_logf(ATOLL_LOG_ERROR, "FAIL %s: got [%s] expected [%s]", what, got, expected);
}

static void check_str(const char *what, const char *got, const char *expected) {
    if (got == NULL) got = "(null)";
    if (strcmp(got, expected) != 0) fail(what, got, expected);
}

static void check_int(const char *what, long long got, long long expected) {
    char g[32], e[32];
    if (got == expected) return;
    atoll_snprintf(g, sizeof g, "%lld", got);
    atoll_snprintf(e, sizeof e, "%lld", expected);
    fail(what, g, e);
}

static void test_format(void) {
    char b[256];
    int n;
#define T(exp, ...)                                                                            \
    do {                                                                                       \
        n = atoll_snprintf(b, sizeof b, __VA_ARGS__);                                          \
        check_str(#__VA_ARGS__, b, exp);                                                       \
        check_int("length of " #__VA_ARGS__, n, (long long)strlen(exp));                       \
    } while (0);
#include "fmt_cases.h"
#undef T
    /* truncation: returns the full length, always NUL-terminates */
    n = atoll_snprintf(b, 4, "%d", 123456);
    check_int("truncated length", n, 6);
    check_str("truncated text", b, "123");
    check_int("length only", atoll_snprintf(NULL, 0, "%s-%d", "abc", 42), 6);
    {
        size_t len;
        char *s = atoll_asprintf(&len, "%s=%d", "k", 7);
        check_str("asprintf", s, "k=7");
        check_int("asprintf length", (long long)len, 3);
        free(s);
    }
}

/* Builds an envelope in a malloc'd buffer with the spare byte atoll_msg_parse needs. */
static uint8_t *envelope(uint32_t kind, uint32_t flags, uint64_t corr, const char *sender,
                         const char *reply_to, const void *payload, size_t plen, size_t *len) {
    size_t s = strlen(sender), r = strlen(reply_to), n = 28 + s + r + plen;
    uint8_t *p = (uint8_t *)malloc(n + 1);
    atoll_wr32_(p, kind);
    atoll_wr32_(p + 4, flags);
    memcpy(p + 8, &corr, 8);
    atoll_wr32_(p + 16, (uint32_t)s);
    atoll_wr32_(p + 20, (uint32_t)r);
    atoll_wr32_(p + 24, (uint32_t)plen);
    memcpy(p + 28, sender, s);
    memcpy(p + 28 + s, reply_to, r);
    memcpy(p + 28 + s + r, payload, plen);
    *len = n;
    return p;
}

static size_t put_str(uint8_t *p, const char *s) {
    size_t l = strlen(s);
    atoll_wr32_(p, (uint32_t)l);
    memcpy(p + 4, s, l);
    return 4 + l;
}

static void test_envelope(void) {
    size_t len;
    atoll_msg m = ATOLL_MSG_INIT;
    uint8_t *p = envelope(0, ATOLL_FIFO, 0x1122334455667788ull, "app/a/0", "app/a/0", "hello", 5,
                          &len);
    check_int("parse", atoll_msg_parse(p, len, &m), 0);
    check_int("kind", m.kind, 0);
    check_int("flags", m.flags, ATOLL_FIFO);
    check_int("correlation", (long long)m.correlation, 0x1122334455667788ll);
    check_str("sender", m.sender, "app/a/0");
    check_int("sender_len", (long long)m.sender_len, 7);
    check_str("reply_to", m.reply_to, "app/a/0");
    check_str("payload", m.data, "hello");
    check_int("payload len", (long long)m.len, 5);
    free(p);

    p = envelope(0, 0, 0, "", "", "", 0, &len);
    check_int("empty parse", atoll_msg_parse(p, len, &m), 0);
    check_str("empty payload", m.data, "");
    check_int("empty lens", (long long)(m.len + m.sender_len + m.reply_to_len), 0);
    free(p);

    p = envelope(0, 0, 0, "abc", "d", "xy", 2, &len);
    check_int("short envelope", atoll_msg_parse(p, len - 1, &m), ATOLL_EINVAL);
    free(p);
    p = envelope(0, 0, 0, "abc", "d", "xy", 2, &len);
    atoll_wr32_(p + 24, 1000);
    check_int("bad payload length", atoll_msg_parse(p, len, &m), ATOLL_EINVAL);
    check_int("tiny envelope", atoll_msg_parse(p, 27, &m), ATOLL_EINVAL);
    free(p);
}

static void test_http(void) {
    uint8_t body[512], *p = body, *env;
    size_t len, n;
    atoll_msg m = ATOLL_MSG_INIT;
    atoll_http_request req;
    p += put_str(p, "POST");
    p += put_str(p, "/readings?unit=c&x=1");
    atoll_wr32_(p, 2);
    p += 4;
    p += put_str(p, "content-type");
    p += put_str(p, "text/plain");
    p += put_str(p, "x-empty");
    p += put_str(p, "");
    p += put_str(p, "21.5");
    env = envelope(ATOLL_KIND_HTTP, 0, 9, "_ingress", "_reply/7", body, (size_t)(p - body), &len);
    check_int("http envelope", atoll_msg_parse(env, len, &m), 0);
    check_int("http parse", atoll_http_parse(&m, &req), 0);
    check_str("method", req.method, "POST");
    check_str("target", req.target, "/readings?unit=c&x=1");
    check_str("path", req.path, "/readings");
    check_str("query", req.query, "unit=c&x=1");
    check_int("header count", (long long)req.header_count, 2);
    check_str("header 0 name", req.headers[0].name, "content-type");
    check_str("header 0 value", req.headers[0].value, "text/plain");
    check_str("header lookup", atoll_http_header(&req, "Content-Type"), "text/plain");
    check_str("empty header", atoll_http_header(&req, "x-empty"), "");
    check_int("missing header", atoll_http_header(&req, "accept") == NULL, 1);
    check_str("body", req.body, "21.5");
    check_int("body len", (long long)req.body_len, 4);
    atoll_http_request_free(&req);

    /* malformed: body length beyond the payload; not HTTP */
    ((uint8_t *)m.data)[m.len - 5] = 99;
    check_int("http bad body", atoll_http_parse(&m, &req), ATOLL_EINVAL);
    m.kind = ATOLL_KIND_MESSAGE;
    check_int("not http", atoll_http_parse(&m, &req), ATOLL_EINVAL);
    free(env);

    /* no query, no headers, empty body */
    p = body;
    p += put_str(p, "GET");
    p += put_str(p, "/");
    atoll_wr32_(p, 0);
    p += 4;
    p += put_str(p, "");
    env = envelope(ATOLL_KIND_HTTP, 0, 0, "_ingress", "_reply/8", body, (size_t)(p - body), &len);
    atoll_msg_parse(env, len, &m);
    check_int("http parse 2", atoll_http_parse(&m, &req), 0);
    check_str("path 2", req.path, "/");
    check_str("query 2", req.query, "");
    check_int("body len 2", (long long)req.body_len, 0);
    atoll_http_request_free(&req);
    free(env);

    /* response encoding */
    {
        atoll_header h[1] = {{"content-type", "application/json"}};
        uint8_t *r = atoll_http_encode_response(201, h, 1, "{}", 2, &n);
        uint8_t expect[64], *e = expect;
        atoll_wr32_(e, 201);
        atoll_wr32_(e + 4, 1);
        e += 8;
        e += put_str(e, "content-type");
        e += put_str(e, "application/json");
        e += put_str(e, "{}");
        check_int("response length", (long long)n, (long long)(e - expect));
        check_int("response bytes", memcmp(r, expect, n), 0);
        free(r);
    }
}

static void test_errors(void) {
    check_str("strerror -1", atoll_strerror(ATOLL_ENOTFOUND), "ENOTFOUND");
    check_str("strerror -8", atoll_strerror(ATOLL_EUNREACHABLE), "EUNREACHABLE");
    check_str("strerror 3", atoll_strerror(3), "OK");
    check_str("strerror -50", atoll_strerror(-50), "EUNKNOWN");
}

ATOLL_EXPORT("selftest") int32_t selftest(void) {
    failures = 0;
    test_format();
    test_envelope();
    test_http();
    test_errors();
    return failures;
}

static int on_message(const atoll_msg *m) { return atoll_replyf(m, "%d failures", selftest()); }

ATOLL_ABI();
ATOLL_ON_MESSAGE(on_message);
