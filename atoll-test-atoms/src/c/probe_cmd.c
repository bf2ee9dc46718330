/*
 * The probe's command interpreter (see probe_cmd.h and atoll-test-atoms/README.md).
 *
 * Answering rule: a known command is always answered to reply_to. Text that is not a command
 * (for example the answer of another probe to a command we sent it) is answered with
 * "unknown: <text>" only when it comes with a `_reply/` address (API or HTTP); from an atom it
 * is kept in the inbox (command `inbox`) instead, so that two probes never ping-pong forever.
 */
#include "probe_cmd.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- in-memory state ------------------------------------------------------------------- */

static uint64_t handled; /* messages handled by this instance */

typedef struct {
    char *sender;
    long *vals;
    size_t n, cap;
} seq_list;

static seq_list *seqs;
static size_t seqs_n, seqs_cap;

#define INBOX_MAX 64
static char *inbox[INBOX_MAX];
static size_t inbox_next, inbox_n;

/* ---- a growable string for answers ------------------------------------------------------ */

typedef struct {
    char *p;
    size_t n, cap;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n) {
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->n + n + 1) cap *= 2;
        b->p = (char *)realloc(b->p, cap);
        if (b->p == NULL) __builtin_trap();
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

static void sb_str(sbuf *b, const char *s) { sb_add(b, s, strlen(s)); }

/* ---- helpers ---------------------------------------------------------------------------- */

/* Splits s at the first space: returns the rest ("" if none) and NUL-terminates the head. */
static char *split(char *s) {
    char *sp = strchr(s, ' ');
    if (sp == NULL) return s + strlen(s);
    *sp = 0;
    return sp + 1;
}

static int reply_code(const atoll_msg *m, int code) {
    return atoll_replyf(m, "%d %s", code, atoll_strerror(code));
}

static int reply_ok_or_error(const atoll_msg *m, int code) {
    return atoll_reply_str(m, code >= 0 ? "ok" : atoll_strerror(code));
}

static int parse_level(const char *s) {
    static const char *names[] = {"trace", "debug", "info", "warn", "error"};
    int i;
    for (i = 0; i < 5; i++)
        if (strcmp(s, names[i]) == 0) return i;
    return atoi(s);
}

static int parse_mode(const char *s) {
    static const char *names[] = {"exact", "prefix", "alias", "regex"};
    int i;
    for (i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0) return i;
    return atoi(s);
}

static void record_seq(const char *sender, long v) {
    size_t i;
    seq_list *l = NULL;
    for (i = 0; i < seqs_n; i++)
        if (strcmp(seqs[i].sender, sender) == 0) l = &seqs[i];
    if (l == NULL) {
        if (seqs_n == seqs_cap) {
            seqs_cap = seqs_cap ? seqs_cap * 2 : 8;
            seqs = (seq_list *)realloc(seqs, seqs_cap * sizeof *seqs);
            if (seqs == NULL) __builtin_trap();
        }
        l = &seqs[seqs_n++];
        memset(l, 0, sizeof *l);
        l->sender = strdup(sender);
    }
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->vals = (long *)realloc(l->vals, l->cap * sizeof *l->vals);
        if (l->vals == NULL) __builtin_trap();
    }
    l->vals[l->n++] = v;
}

static void record_inbox(const char *sender, const char *text) {
    size_t n = strlen(sender) + 1 + strlen(text) + 1;
    char *s = (char *)malloc(n);
    if (s == NULL) return;
    atoll_snprintf(s, n, "%s %s", sender, text);
    free(inbox[inbox_next]);
    inbox[inbox_next] = s;
    inbox_next = (inbox_next + 1) % INBOX_MAX;
    if (inbox_n < INBOX_MAX) inbox_n++;
}

static int cmd_grow(const atoll_msg *m, const char *arg) {
    unsigned long want = strtoul(arg, NULL, 10), got = 0, off;
    void **head = NULL;
    while (got < want) {
        void **chunk = (void **)malloc(1 << 20);
        if (chunk == NULL) break;
        for (off = 0; off < (1 << 20); off += 4096) ((volatile char *)chunk)[off] = 1;
        chunk[0] = (void *)head;
        head = chunk;
        got++;
    }
    while (head != NULL) { /* give it back so the atom stays usable */
        void **next = (void **)head[0];
        free(head);
        head = next;
    }
    return atoll_replyf(m, "grew %lu", got);
}

/*
 * fill <KiB> [const]: a kept region of that many KiB (malloc'ed, the previous one freed first),
 * written with pseudo-random bytes (xorshift64: deflate cannot shrink them), or with `const` a
 * constant byte (compresses to almost nothing). dirty <KiB>: rewrites the next KiB of that region
 * (wrapping around) with fresh pseudo-random bytes. For bench/migration: memory of a known size
 * and content.
 */
static unsigned char *fill_buf;
static size_t fill_len, dirty_pos;
static uint64_t fill_state = 0x9e3779b97f4a7c15ull;

static void fill_random(unsigned char *p, size_t n) {
    uint64_t x = fill_state;
    size_t i;
    for (i = 0; i + 8 <= n; i += 8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        memcpy(p + i, &x, 8);
    }
    for (; i < n; i++) p[i] = (unsigned char)(x >> (8 * (i & 7)));
    fill_state = x;
}

static int cmd_fill(const atoll_msg *m, char *arg) {
    char *mode = split(arg);
    unsigned long kib = strtoul(arg, NULL, 10);
    free(fill_buf);
    fill_buf = NULL;
    fill_len = dirty_pos = 0;
    if (kib > (4ul << 20)) return atoll_reply_str(m, "EINVAL");
    if (kib > 0) {
        fill_buf = (unsigned char *)malloc(kib * 1024);
        if (fill_buf == NULL) return atoll_reply_str(m, "ENOMEM");
        fill_len = kib * 1024;
        if (strcmp(mode, "const") == 0) {
            memset(fill_buf, 0x5a, fill_len);
        } else {
            fill_random(fill_buf, fill_len);
        }
    }
    return atoll_replyf(m, "filled %lu", kib);
}

static int cmd_dirty(const atoll_msg *m, const char *arg) {
    size_t n = (size_t)strtoul(arg, NULL, 10) * 1024, done = 0;
    if (fill_len == 0) return atoll_reply_str(m, "nofill");
    if (n > fill_len) n = fill_len;
    while (done < n) {
        size_t k = fill_len - dirty_pos < n - done ? fill_len - dirty_pos : n - done;
        fill_random(fill_buf + dirty_pos, k);
        dirty_pos = (dirty_pos + k) % fill_len;
        done += k;
    }
    return atoll_replyf(m, "dirtied %lu", (unsigned long)(n / 1024));
}

/*
 * region init | region <pages> | region check: memory managed the way TeaVM's heap does it. The
 * region keeps its own idea of where memory ends (recorded at init) and, to grow, calls
 * memory.grow by the difference and uses [limit, limit + pages) whatever grow returned. A host
 * that grows memory behind the guest's back (the save page for a mid-run capture) must never put
 * anything there that the region will later own. check: every byte written is still there.
 */
static uintptr_t region_base, region_limit;

static int cmd_region(const atoll_msg *m, const char *arg) {
    if (strcmp(arg, "init") == 0) {
        region_base = region_limit = (uintptr_t)__builtin_wasm_memory_size(0) * 65536u;
        return atoll_replyf(m, "region at %lu", (unsigned long)region_base);
    }
    if (strcmp(arg, "check") == 0) {
        uintptr_t p;
        for (p = region_base; p < region_limit; p += 4) {
            if (*(volatile uint32_t *)p != (uint32_t)p * 2654435761u) {
                return atoll_replyf(m, "corrupt at %lu", (unsigned long)p);
            }
        }
        return atoll_replyf(m, "intact %lu", (unsigned long)(region_limit - region_base));
    }
    unsigned long pages = strtoul(arg, NULL, 10);
    uintptr_t p, end = region_limit + pages * 65536u;
    if (region_base == 0) return atoll_reply_str(m, "noinit");
    if (__builtin_wasm_memory_grow(0, pages) < 0) return atoll_reply_str(m, "ENOMEM");
    for (p = region_limit; p < end; p += 4) *(volatile uint32_t *)p = (uint32_t)p * 2654435761u;
    region_limit = end;
    return atoll_replyf(m, "region %lu", (unsigned long)(region_limit - region_base));
}

static int cmd_kvscan(const atoll_msg *m, const char *prefix) {
    atoll_kv_list l;
    sbuf b = {0};
    size_t i;
    int r = atoll_kv_scan(prefix, 0, &l);
    if (r < 0) return atoll_reply_str(m, atoll_strerror(r));
    sb_add(&b, "", 0);
    for (i = 0; i < l.count; i++) {
        if (i) sb_str(&b, "\n");
        sb_add(&b, l.entries[i].key, l.entries[i].key_len);
        sb_str(&b, "=");
        sb_add(&b, l.entries[i].value, l.entries[i].value_len);
    }
    atoll_kv_list_free(&l);
    r = atoll_reply(m, b.p, b.n);
    free(b.p);
    return r;
}

static int cmd_fifo(const atoll_msg *m, const char *to, long count) {
    long i;
    char buf[32];
    for (i = 0; i < count; i++) {
        int n = atoll_snprintf(buf, sizeof buf, "seq %ld", i);
        int r = atoll_send(to, buf, (size_t)n, ATOLL_FIFO);
        if (r < 0) return atoll_replyf(m, "error %ld %d %s", i, r, atoll_strerror(r));
    }
    return atoll_replyf(m, "sent %ld", count);
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* the value at percentile p (nearest rank) of n sorted values */
static int64_t percentile(const int64_t *v, long n, int p) {
    long k = (p * n + 99) / 100;
    return v[k > 0 ? k - 1 : 0];
}

/*
 * rtt <to> <count>: count round trips, one at a time: send "echo x" to <to> with a fresh
 * correlation id, then receive (inside this handler) until the answer with that id arrives;
 * each round trip timed with the monotonic clock. Other messages arriving meanwhile are dropped.
 */
static uint64_t rtt_correlation; /* never repeats within an instance: a late answer is never taken for a new one */

static int cmd_rtt(const atoll_msg *m, const char *to, long count) {
    int64_t *ns;
    atoll_msg r = ATOLL_MSG_INIT;
    long i;
    int rc = 0;
    if (count <= 0 || count > 1000000) return atoll_reply_str(m, "EINVAL");
    ns = (int64_t *)malloc((size_t)count * sizeof *ns);
    if (ns == NULL) return atoll_reply_str(m, "ENOMEM");
    for (i = 0; i < count && rc >= 0; i++) {
        uint64_t c = ++rtt_correlation;
        int64_t t0 = atoll_clock_monotonic();
        rc = atoll_send_ex(to, "echo x", 6, 0, c);
        while (rc >= 0) {
            rc = atoll_receive(10000, &r);
            if (rc >= 0 && r.correlation == c) break;
        }
        ns[i] = atoll_clock_monotonic() - t0;
    }
    atoll_msg_free(&r);
    if (rc < 0) {
        rc = atoll_replyf(m, "error %ld %d %s", i - 1, rc, atoll_strerror(rc));
    } else {
        qsort(ns, (size_t)count, sizeof *ns, cmp_i64);
        rc = atoll_replyf(m, "p50=%lld p99=%lld n=%ld", (long long)percentile(ns, count, 50),
                          (long long)percentile(ns, count, 99), count);
    }
    free(ns);
    return rc;
}

static int cmd_seqs(const atoll_msg *m, const char *sender) {
    size_t i, j;
    sbuf b = {0};
    char num[24];
    int r;
    sb_add(&b, "", 0);
    for (i = 0; i < seqs_n; i++) {
        if (strcmp(seqs[i].sender, sender) != 0) continue;
        for (j = 0; j < seqs[i].n; j++) {
            atoll_snprintf(num, sizeof num, j ? " %ld" : "%ld", seqs[i].vals[j]);
            sb_str(&b, num);
        }
    }
    r = atoll_reply(m, b.p, b.n);
    free(b.p);
    return r;
}

static int cmd_inbox(const atoll_msg *m) {
    size_t i;
    sbuf b = {0};
    int r;
    sb_add(&b, "", 0);
    for (i = 0; i < inbox_n; i++) {
        size_t k = (inbox_next + INBOX_MAX - inbox_n + i) % INBOX_MAX;
        if (i) sb_str(&b, "\n");
        sb_str(&b, inbox[k]);
    }
    r = atoll_reply(m, b.p, b.n);
    free(b.p);
    return r;
}

static int cmd_random(const atoll_msg *m, long n) {
    static const char hex[] = "0123456789abcdef";
    unsigned char *raw;
    char *out;
    long i;
    int r;
    if (n < 0 || n > (1 << 19)) return atoll_reply_str(m, "EINVAL");
    raw = (unsigned char *)malloc((size_t)n + 1);
    out = (char *)malloc((size_t)n * 2 + 1);
    if (raw == NULL || out == NULL) __builtin_trap();
    r = atoll_random(raw, (size_t)n);
    if (r < 0) {
        r = atoll_reply_str(m, atoll_strerror(r));
    } else {
        for (i = 0; i < n; i++) {
            out[2 * i] = hex[raw[i] >> 4];
            out[2 * i + 1] = hex[raw[i] & 15];
        }
        r = atoll_reply(m, out, (size_t)n * 2);
    }
    free(raw);
    free(out);
    return r;
}

static int cmd_req(const atoll_msg *m, const atoll_http_request *req) {
    sbuf b = {0};
    size_t i;
    int r;
    if (req == NULL) return atoll_reply_str(m, "not http");
    sb_str(&b, req->method);
    sb_str(&b, " ");
    sb_str(&b, req->target);
    sb_str(&b, "\npath=");
    sb_str(&b, req->path);
    sb_str(&b, "\nquery=");
    sb_str(&b, req->query);
    for (i = 0; i < req->header_count; i++) {
        sb_str(&b, "\n");
        sb_str(&b, req->headers[i].name);
        sb_str(&b, ": ");
        sb_str(&b, req->headers[i].value);
    }
    r = atoll_reply(m, b.p, b.n);
    free(b.p);
    return r;
}

/* ---- the interpreter ---------------------------------------------------------------------- */

static int run(const atoll_msg *m, const atoll_http_request *req, char *text, size_t text_len,
               int *code) {
    char *rest = split(text);
    const char *verb = text;
    int from_reply_address = strncmp(m->reply_to, "_reply/", 7) == 0;

    if (strcmp(verb, "echo") == 0) {
        /* the rest, byte for byte (may contain anything but NUL) */
        size_t skip = (size_t)(rest - text);
        atoll_reply(m, rest, skip <= text_len ? text_len - skip : 0);
    } else if (strcmp(verb, "trap") == 0) {
        __builtin_trap();
    } else if (strcmp(verb, "spin") == 0) {
        volatile uint64_t spins = 0;
        for (;;) spins++;
    } else if (strcmp(verb, "grow") == 0) {
        cmd_grow(m, rest);
    } else if (strcmp(verb, "fill") == 0) {
        cmd_fill(m, rest);
    } else if (strcmp(verb, "region") == 0) {
        cmd_region(m, rest);
    } else if (strcmp(verb, "dirty") == 0) {
        cmd_dirty(m, rest);
    } else if (strcmp(verb, "kvput") == 0) {
        char *value = split(rest);
        reply_ok_or_error(m, atoll_kv_put_str(rest, value));
    } else if (strcmp(verb, "kvget") == 0) {
        char *value;
        size_t len;
        int r = atoll_kv_get(rest, &value, &len);
        if (r == 0) {
            atoll_reply(m, value, len);
            free(value);
        } else {
            atoll_reply_str(m, r == ATOLL_ENOTFOUND ? "notfound" : atoll_strerror(r));
        }
    } else if (strcmp(verb, "kvdel") == 0) {
        reply_ok_or_error(m, atoll_kv_delete(rest));
    } else if (strcmp(verb, "kvscan") == 0) {
        cmd_kvscan(m, rest);
    } else if (strcmp(verb, "alias") == 0) {
        reply_ok_or_error(m, atoll_alias_add(rest));
    } else if (strcmp(verb, "unalias") == 0) {
        reply_ok_or_error(m, atoll_alias_remove(rest));
    } else if (strcmp(verb, "lookup") == 0) {
        char *query = split(rest);
        char *names;
        int r = atoll_lookup(parse_mode(rest), query, &names);
        if (r < 0) {
            atoll_reply_str(m, atoll_strerror(r));
        } else {
            atoll_reply_str(m, names);
            free(names);
        }
    } else if (strcmp(verb, "send") == 0 || strcmp(verb, "sendalias") == 0 ||
               strcmp(verb, "sendpattern") == 0) {
        char *payload = split(rest);
        int flags = verb[4] == 'a' ? ATOLL_ALIAS : verb[4] == 'p' ? ATOLL_PATTERN : 0;
        reply_code(m, atoll_send_str(rest, payload, flags));
    } else if (strcmp(verb, "fifo") == 0) {
        char *count = split(rest);
        cmd_fifo(m, rest, strtol(count, NULL, 10));
    } else if (strcmp(verb, "rtt") == 0) {
        char *count = split(rest);
        cmd_rtt(m, rest, strtol(count, NULL, 10));
    } else if (strcmp(verb, "self") == 0) {
        char *name = atoll_self_name();
        atoll_reply_str(m, name ? name : "ENOMEM");
        free(name);
    } else if (strcmp(verb, "spawn") == 0) {
        char *name;
        int r = atoll_spawn(rest, &name);
        atoll_reply_str(m, r < 0 ? atoll_strerror(r) : name);
        free(name);
    } else if (strcmp(verb, "clock") == 0) {
        atoll_replyf(m, "%lld %lld", (long long)atoll_clock_wall(),
                     (long long)atoll_clock_monotonic());
    } else if (strcmp(verb, "random") == 0) {
        cmd_random(m, strtol(rest, NULL, 10));
    } else if (strcmp(verb, "log") == 0) {
        char *msg = split(rest);
        reply_ok_or_error(m, atoll_log(parse_level(rest), msg));
    } else if (strcmp(verb, "exit") == 0) {
        int c = atoi(rest);
        atoll_replyf(m, "bye %d", c);
        atoll_exit(c);
    } else if (strcmp(verb, "return") == 0) {
        *code = atoi(rest);
        atoll_replyf(m, "returning %d", *code);
        return 1;
    } else if (strcmp(verb, "count") == 0) {
        atoll_replyf(m, "%llu", (unsigned long long)handled);
    } else if (strcmp(verb, "seqs") == 0) {
        cmd_seqs(m, rest);
    } else if (strcmp(verb, "inbox") == 0) {
        cmd_inbox(m);
    } else if (strcmp(verb, "mem") == 0) {
        atoll_replyf(m, "%lu", (unsigned long)__builtin_wasm_memory_size(0) * 65536ul);
    } else if (strcmp(verb, "busy") == 0) {
        int64_t end = atoll_clock_monotonic() + (int64_t)strtol(rest, NULL, 10) * 1000000;
        while (atoll_clock_monotonic() < end) {
        }
        atoll_reply_str(m, "done");
    } else if (strcmp(verb, "http") == 0) {
        /* http <status> <body>: an encoded HTTP response */
        char *body = split(rest);
        atoll_header h[2] = {{"content-type", "text/plain"}, {"x-probe", "yes"}};
        reply_code(m, atoll_http_respond_ex(m, atoi(rest), h, 2, body, strlen(body)));
    } else if (strcmp(verb, "req") == 0) {
        cmd_req(m, req);
    } else if (strcmp(verb, "seq") == 0) {
        record_seq(m->sender, strtol(rest, NULL, 10));
        if (from_reply_address) atoll_reply_str(m, "ok");
    } else {
        if (rest != text + strlen(text)) rest[-1] = ' '; /* undo split */
        if (from_reply_address) {
            size_t n = text_len + 9;
            char *s = (char *)malloc(n + 1);
            if (s == NULL) __builtin_trap();
            memcpy(s, "unknown: ", 9);
            memcpy(s + 9, text, text_len);
            atoll_reply(m, s, n);
            free(s);
        } else {
            record_inbox(m->sender, text);
        }
    }
    return 0;
}

int probe_handle(const atoll_msg *m, int *code) {
    atoll_http_request req;
    const char *text = m->data;
    size_t len = m->len;
    char *copy;
    int r, is_http = atoll_msg_is_http(m);
    handled++;
    if (is_http) {
        r = atoll_http_parse(m, &req);
        if (r < 0) {
            atoll_reply_str(m, "bad http request");
            return 0;
        }
        text = req.body;
        len = req.body_len;
    }
    copy = (char *)malloc(len + 1); /* the interpreter cuts it into words */
    if (copy == NULL) __builtin_trap();
    memcpy(copy, text, len);
    copy[len] = 0;
    r = run(m, is_http ? &req : NULL, copy, len, code);
    free(copy);
    if (is_http) atoll_http_request_free(&req);
    return r;
}

int probe_recover(const char *fault, size_t len) {
    atoll_kv_put_str("recovered", "yes");
    atoll_kv_put("recovered_fault", fault, len);
    return 0;
}
