/*
 * atoll.h - the C guest SDK for Atoll, ABI version 1 (docs/abi.md).
 *
 * Header only: include it, and put the export macros in exactly one .c file of the atom:
 *
 *     #include <atoll.h>
 *
 *     static int handle(const atoll_msg *m) {
 *         return atoll_reply(m, m->data, m->len);        // echo
 *     }
 *
 *     ATOLL_ABI();                 // exports atoll_abi_version and atoll_alloc (malloc)
 *     ATOLL_ON_MESSAGE(handle);    // handler style: exports atoll_on_message
 *
 * or, loop style:
 *
 *     static int run(void) {
 *         atoll_msg m = ATOLL_MSG_INIT;
 *         while (atoll_receive(-1, &m) == 0) atoll_reply_str(&m, "ok");
 *         atoll_msg_free(&m);
 *         return 0;
 *     }
 *     ATOLL_ABI();
 *     ATOLL_MAIN(run);             // exports atoll_main
 *
 * Build with scripts/wasm-cc (clang --target=wasm32-wasi -mexec-model=reactor ...).
 * See docs/sdk-c.md for the whole guide.
 *
 * Conventions of this header:
 *  - Functions return int: >= 0 on success, a negative ATOLL_E* code on failure
 *    (atoll_strerror() names it).
 *  - Names, keys, aliases and queries are NUL-terminated C strings (UTF-8).
 *  - Data returned by the host is copied out of the host's result buffer with take():
 *    either into a buffer you provide (the *_into functions, same contract as take: copies at
 *    most cap bytes and returns the full length) or into memory malloc'd by the SDK, which you
 *    own and release with free() or the matching *_free() function, as documented per function.
 *    Every malloc'd result is followed by a NUL byte (not counted in its length), so text can be
 *    used directly as a C string.
 *  - Imports are only emitted for the functions an atom actually uses.
 */
#ifndef ATOLL_H
#define ATOLL_H

#if !defined(__wasm32__)
#error "atoll.h targets wasm32: compile with scripts/wasm-cc (clang --target=wasm32-wasi)"
#endif

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------ */
/* Constants                                                                                  */
/* ------------------------------------------------------------------------------------------ */

#define ATOLL_ABI_VERSION 1

/* Error codes (docs/abi.md section 6). */
#define ATOLL_OK           0
#define ATOLL_ENOTFOUND   (-1) /* no such name / key / pending reply */
#define ATOLL_ETIMEOUT    (-2) /* receive timed out */
#define ATOLL_EFULL       (-3) /* receiver's mailbox full; not delivered */
#define ATOLL_ETOOBIG     (-4) /* payload larger than the limit */
#define ATOLL_EINVAL      (-5) /* malformed argument */
#define ATOLL_EDENIED     (-6) /* capability not granted by the manifest */
#define ATOLL_EINTERNAL   (-7) /* runtime failure; may be retried */
#define ATOLL_EUNREACHABLE (-8) /* receiver's node unreachable */
/* Not part of the ABI: returned by this SDK when malloc fails. */
#define ATOLL_ENOMEM      (-100)

/* atoll_main's special return value: "no loop, keep me alive for handler calls". */
#define ATOLL_SERVE 1

/* send flags */
#define ATOLL_FIFO          0x1
#define ATOLL_ALIAS         0x2
#define ATOLL_PATTERN       0x4
#define ATOLL_HTTP_RESPONSE 0x8

/* envelope kinds */
#define ATOLL_KIND_MESSAGE 0
#define ATOLL_KIND_HTTP    1

/* lookup modes */
#define ATOLL_LOOKUP_EXACT  0
#define ATOLL_LOOKUP_PREFIX 1
#define ATOLL_LOOKUP_ALIAS  2
#define ATOLL_LOOKUP_REGEX  3

/* log levels */
#define ATOLL_LOG_TRACE 0
#define ATOLL_LOG_DEBUG 1
#define ATOLL_LOG_INFO  2
#define ATOLL_LOG_WARN  3
#define ATOLL_LOG_ERROR 4

/* ------------------------------------------------------------------------------------------ */
/* Raw imports: module "atoll" (docs/abi.md section 2)                                        */
/* Prefixed atoll_sys_ so they never clash with libc (send, log, exit, random...).            */
/* ------------------------------------------------------------------------------------------ */

#define ATOLL_IMPORT(name) __attribute__((import_module("atoll"), import_name(name)))

ATOLL_IMPORT("take") int32_t atoll_sys_take(void *ptr, int32_t cap);
ATOLL_IMPORT("send") int32_t atoll_sys_send(const void *to, int32_t to_len, const void *data,
                                            int32_t data_len, int32_t flags, int64_t correlation);
ATOLL_IMPORT("receive") int32_t atoll_sys_receive(int64_t timeout_ms);
ATOLL_IMPORT("alias_add") int32_t atoll_sys_alias_add(const void *name, int32_t name_len);
ATOLL_IMPORT("alias_remove") int32_t atoll_sys_alias_remove(const void *name, int32_t name_len);
ATOLL_IMPORT("lookup") int32_t atoll_sys_lookup(int32_t mode, const void *query, int32_t query_len);
ATOLL_IMPORT("self_name") int32_t atoll_sys_self_name(void);
ATOLL_IMPORT("spawn") int32_t atoll_sys_spawn(const void *def, int32_t def_len);
ATOLL_IMPORT("kv_get") int32_t atoll_sys_kv_get(const void *key, int32_t key_len);
ATOLL_IMPORT("kv_put") int32_t atoll_sys_kv_put(const void *key, int32_t key_len, const void *val,
                                                int32_t val_len);
ATOLL_IMPORT("kv_delete") int32_t atoll_sys_kv_delete(const void *key, int32_t key_len);
ATOLL_IMPORT("kv_scan") int32_t atoll_sys_kv_scan(const void *prefix, int32_t prefix_len,
                                                  int32_t limit);
ATOLL_IMPORT("clock_wall") int64_t atoll_sys_clock_wall(void);
ATOLL_IMPORT("clock_monotonic") int64_t atoll_sys_clock_monotonic(void);
ATOLL_IMPORT("random") int32_t atoll_sys_random(void *ptr, int32_t len);
ATOLL_IMPORT("log") int32_t atoll_sys_log(int32_t level, const void *ptr, int32_t len);
ATOLL_IMPORT("exit") __attribute__((noreturn)) void atoll_sys_exit(int32_t code);

/* ------------------------------------------------------------------------------------------ */
/* Exports                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/* Marks a function as exported under `name` (and keeps the linker from dropping it). */
#define ATOLL_EXPORT(name) __attribute__((export_name(name), used))

/* Each macro below defines exported functions; write it once, at file scope, with a ';'. */
#define ATOLL_END_MACRO_ extern int atoll_macro_semicolon_

/*
 * ATOLL_ABI(): exports atoll_abi_version (returns 1) and atoll_alloc (malloc).
 * atoll_alloc(len) returns len + 1 bytes (the extra byte lets the SDK NUL-terminate the payload
 * in place) and traps if memory is exhausted, rather than let the host write at address 0.
 * Required by every atom.
 */
#define ATOLL_ABI()                                                                            \
    ATOLL_EXPORT("atoll_abi_version") int32_t atoll_abi_version(void) {                       \
        return ATOLL_ABI_VERSION;                                                              \
    }                                                                                          \
    ATOLL_EXPORT("atoll_alloc") void *atoll_alloc(int32_t len) {                               \
        void *p_ = len < 0 ? NULL : malloc((size_t)len + 1);                                   \
        if (p_ == NULL) __builtin_trap();                                                      \
        return p_;                                                                             \
    }                                                                                          \
    ATOLL_END_MACRO_

/*
 * ATOLL_ON_MESSAGE(fn): handler style. `int fn(const atoll_msg *m)` is called once per message.
 * The message (and everything it points to) is freed when fn returns: copy what you keep.
 * Return 0, or a negative error code (the runtime counts it as a fault); positive values are
 * reported as 0, so `return atoll_reply(m, ...);` works (a failed reply is then a fault).
 * Requires ATOLL_ABI()'s atoll_alloc (the envelope buffer comes from it and is freed here).
 */
#define ATOLL_ON_MESSAGE(fn)                                                                   \
    ATOLL_EXPORT("atoll_on_message") int32_t atoll_export_on_message(void *ptr_, int32_t len_) { \
        atoll_msg m_ = ATOLL_MSG_INIT;                                                         \
        int32_t r_;                                                                            \
        if (len_ < 0 || atoll_msg_parse(ptr_, (size_t)len_, &m_) != 0) {                       \
            free(ptr_);                                                                        \
            return ATOLL_EINVAL;                                                               \
        }                                                                                      \
        r_ = (fn)(&m_);                                                                        \
        free(ptr_);                                                                            \
        return r_ > 0 ? 0 : r_;                                                                \
    }                                                                                          \
    ATOLL_END_MACRO_

/*
 * ATOLL_MAIN(fn): loop style. `int fn(void)` runs once after start-up, usually looping on
 * atoll_receive(). Its return value ends the atom with that exit code (0 = normal end), except
 * ATOLL_SERVE (1): "no loop; call my atoll_on_message for each message".
 */
#define ATOLL_MAIN(fn)                                                                         \
    ATOLL_EXPORT("atoll_main") int32_t atoll_export_main(void) { return (fn)(); }              \
    ATOLL_END_MACRO_

/*
 * ATOLL_ON_RECOVER(fn): `int fn(const char *fault, size_t len)` is called before a restart
 * under recovery policy `recover`, with the fault description (NUL-terminated copy, freed after
 * fn returns). It may use storage to repair state. Return 0 or a negative error code.
 */
#define ATOLL_ON_RECOVER(fn)                                                                   \
    ATOLL_EXPORT("atoll_recover") int32_t atoll_export_recover(const void *ptr_, int32_t len_) { \
        char *s_;                                                                              \
        int32_t r_;                                                                            \
        if (len_ < 0) return ATOLL_EINVAL;                                                     \
        s_ = (char *)malloc((size_t)len_ + 1);                                                 \
        if (s_ == NULL) return ATOLL_ENOMEM;                                                   \
        memcpy(s_, ptr_, (size_t)len_);                                                        \
        s_[len_] = 0;                                                                          \
        r_ = (fn)(s_, (size_t)len_);                                                           \
        free(s_);                                                                              \
        return r_ > 0 ? 0 : r_;                                                                \
    }                                                                                          \
    ATOLL_END_MACRO_

/* ------------------------------------------------------------------------------------------ */
/* Errors                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/* "ENOTFOUND", "ETIMEOUT", ...; "OK" for codes >= 0; "EUNKNOWN" otherwise. Static strings. */
static inline const char *atoll_strerror(int code) {
    switch (code) {
    case ATOLL_ENOTFOUND: return "ENOTFOUND";
    case ATOLL_ETIMEOUT: return "ETIMEOUT";
    case ATOLL_EFULL: return "EFULL";
    case ATOLL_ETOOBIG: return "ETOOBIG";
    case ATOLL_EINVAL: return "EINVAL";
    case ATOLL_EDENIED: return "EDENIED";
    case ATOLL_EINTERNAL: return "EINTERNAL";
    case ATOLL_EUNREACHABLE: return "EUNREACHABLE";
    case ATOLL_ENOMEM: return "ENOMEM";
    default: return code >= 0 ? "OK" : "EUNKNOWN";
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Result buffer                                                                              */
/* ------------------------------------------------------------------------------------------ */

static inline uint32_t atoll_rd32_(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, 4); /* wasm is little-endian, as the ABI */
    return v;
}

static inline uint64_t atoll_rd64_(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline void atoll_wr32_(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

/*
 * Copies min(cap, n) bytes of the host's result buffer to buf and returns n, the full length.
 * The result buffer is kept until the next call that produces one, so this may be repeated
 * with a bigger buffer.
 */
static inline int32_t atoll_take(void *buf, size_t cap) {
    return atoll_sys_take(buf, (int32_t)cap);
}

/* Copies the n bytes of the result buffer into a new malloc'd, NUL-terminated block (caller
 * frees), or returns NULL if malloc fails. */
static inline char *atoll_take_alloc(int32_t n) {
    char *p;
    if (n < 0) return NULL;
    p = (char *)malloc((size_t)n + 1);
    if (p == NULL) return NULL;
    atoll_sys_take(p, n);
    p[n] = 0;
    return p;
}

/* ------------------------------------------------------------------------------------------ */
/* Formatting without stdio                                                                   */
/* ------------------------------------------------------------------------------------------ */

/*
 * wasi-libc's printf family (snprintf included) links stderr, which makes the module import
 * wasi_snapshot_preview1 fd_write/fd_seek/fd_close: such an atom needs the `wasi` capability.
 * These functions format without stdio and add no import. Supported: %d %i %u %x %X %o %c %s
 * %p %% %f %e %g (flags - 0 + space, width and precision, also as *; length hh h l ll z j t).
 * Doubles: %f of a value >= 1e18 is printed as %e; the last digit of %e/%g may be off by one
 * for very large or small exponents. Other conversions are copied literally.
 */

typedef struct {
    char *buf;
    size_t cap;
    size_t n;
} atoll_fmt_out_;

static inline void atoll_fmt_put_(atoll_fmt_out_ *o, char c) {
    if (o->n + 1 < o->cap) o->buf[o->n] = c;
    o->n++;
}

static inline void atoll_fmt_fill_(atoll_fmt_out_ *o, char c, int count) {
    while (count-- > 0) atoll_fmt_put_(o, c);
}

/* Emits sign/prefix + body, padded to width: zero padding goes between prefix and body. */
static inline void atoll_fmt_emit_(atoll_fmt_out_ *o, const char *prefix, const char *body,
                                   size_t body_len, int width, int left, int zero) {
    int len = (int)(strlen(prefix) + body_len);
    size_t i;
    if (!left && !zero) atoll_fmt_fill_(o, ' ', width - len);
    for (i = 0; prefix[i]; i++) atoll_fmt_put_(o, prefix[i]);
    if (!left && zero) atoll_fmt_fill_(o, '0', width - len);
    for (i = 0; i < body_len; i++) atoll_fmt_put_(o, body[i]);
    if (left) atoll_fmt_fill_(o, ' ', width - len);
}

/* Writes v in base (digits only, at least min_digits) at the end of tmp; returns the start. */
static inline char *atoll_fmt_digits_(char *end, uint64_t v, unsigned base, int upper,
                                      int min_digits) {
    const char *d = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char *p = end;
    while (v != 0 || min_digits > 0) {
        *--p = d[v % base];
        v /= base;
        min_digits--;
    }
    return p;
}

static inline uint64_t atoll_fmt_pow10_(int n) {
    uint64_t r = 1;
    while (n-- > 0) r *= 10;
    return r;
}

/* |x| (finite, >= 0) as mantissa digits for %e with prec decimals; returns the exponent. */
static inline int atoll_fmt_exp_digits_(double x, int prec, uint64_t *mant) {
    int e = 0;
    uint64_t m, lim;
    if (x != 0) {
        while (x >= 1e16) { x /= 1e16; e += 16; }
        while (x >= 10) { x /= 10; e++; }
        while (x < 1e-16) { x *= 1e16; e -= 16; }
        while (x < 1) { x *= 10; e--; }
    }
    m = (uint64_t)(x * (double)atoll_fmt_pow10_(prec) + 0.5);
    lim = atoll_fmt_pow10_(prec + 1);
    if (m >= lim) { m /= 10; e++; }
    *mant = m;
    return e;
}

static inline size_t atoll_fmt_double_(char *out, double x, char conv, int prec, int alt) {
    /* out: at least 64 bytes; returns the length (no sign) */
    char tmp[40], *p;
    size_t n = 0, i;
    int upper = conv == 'E' || conv == 'G' || conv == 'F';
    char lower = (char)(conv | 0x20);
    if (x != x) { memcpy(out, upper ? "NAN" : "nan", 3); return 3; }
    if (x > 1.7976931348623157e308) { memcpy(out, upper ? "INF" : "inf", 3); return 3; }
    if (prec < 0) prec = 6;
    if (prec > 17) prec = 17;
    if (lower == 'g') {
        uint64_t m;
        int P = prec == 0 ? 1 : prec, X = atoll_fmt_exp_digits_(x, P - 1, &m);
        if (X >= -4 && X < P && x < 1e18) {
            lower = 'f';
            prec = P - 1 - X;
        } else {
            lower = 'e';
            prec = P - 1;
        }
        n = atoll_fmt_double_(out, x, upper ? (char)(lower - 32) : lower, prec, alt);
        if (!alt) { /* strip trailing zeros of the fraction */
            size_t dot = 0, end = n, k;
            while (dot < n && out[dot] != '.') dot++;
            if (dot < n) {
                for (k = dot; k < n && out[k] != 'e' && out[k] != 'E'; k++) {
                }
                end = k;
                while (end > dot + 1 && out[end - 1] == '0') end--;
                if (end == dot + 1) end = dot;
                memmove(out + end, out + k, n - k);
                n = end + (n - k);
            }
        }
        return n;
    }
    if (lower == 'f' && x < 1e18) {
        uint64_t ip = (uint64_t)x, scale = atoll_fmt_pow10_(prec);
        uint64_t fr = (uint64_t)((x - (double)ip) * (double)scale + 0.5);
        if (fr >= scale) { ip++; fr -= scale; }
        p = atoll_fmt_digits_(tmp + sizeof tmp, ip, 10, 0, 1);
        n = (size_t)(tmp + sizeof tmp - p);
        memcpy(out, p, n);
        if (prec > 0 || alt) out[n++] = '.';
        p = atoll_fmt_digits_(tmp + sizeof tmp, fr, 10, 0, prec);
        if (prec > 0) { memcpy(out + n, p, (size_t)prec); n += (size_t)prec; }
        return n;
    }
    {
        uint64_t m;
        int e = atoll_fmt_exp_digits_(x, prec, &m), ue;
        p = atoll_fmt_digits_(tmp + sizeof tmp, m, 10, 0, prec + 1);
        out[n++] = p[0];
        if (prec > 0 || alt) out[n++] = '.';
        for (i = 1; i <= (size_t)prec; i++) out[n++] = p[i];
        out[n++] = upper ? 'E' : 'e';
        out[n++] = e < 0 ? '-' : '+';
        ue = e < 0 ? -e : e;
        p = atoll_fmt_digits_(tmp + sizeof tmp, (uint64_t)ue, 10, 0, 2);
        while (p < tmp + sizeof tmp) out[n++] = *p++;
        return n;
    }
}

/* vsnprintf without stdio: writes at most cap bytes (NUL included) and returns the full length. */
static inline int atoll_vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap) {
    atoll_fmt_out_ o;
    o.buf = buf;
    o.cap = cap;
    o.n = 0;
    while (*fmt) {
        int left = 0, zero = 0, plus = 0, space = 0, alt = 0, width = 0, prec = -1, lng = 0;
        char c, tmp[72], *body;
        const char *start = fmt;
        if (*fmt != '%') { atoll_fmt_put_(&o, *fmt++); continue; }
        fmt++;
        for (;; fmt++) {
            if (*fmt == '-') left = 1;
            else if (*fmt == '0') zero = 1;
            else if (*fmt == '+') plus = 1;
            else if (*fmt == ' ') space = 1;
            else if (*fmt == '#') alt = 1;
            else break;
        }
        if (*fmt == '*') {
            width = va_arg(ap, int);
            if (width < 0) { left = 1; width = -width; }
            fmt++;
        } else {
            while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
        }
        if (*fmt == '.') {
            fmt++;
            prec = 0;
            if (*fmt == '*') { prec = va_arg(ap, int); fmt++; }
            else while (*fmt >= '0' && *fmt <= '9') prec = prec * 10 + (*fmt++ - '0');
        }
        for (;; fmt++) { /* 1 = long, 2 = long long / intmax_t; size_t and ptrdiff_t are 32-bit */
            if (*fmt == 'l') lng++;
            else if (*fmt == 'j') lng = 2;
            else if (*fmt == 'h' || *fmt == 'z' || *fmt == 't') {
            } else break;
        }
        if (left) zero = 0;
        c = *fmt;
        if (c == 0) break;
        fmt++;
        switch (c) {
        case '%': atoll_fmt_put_(&o, '%'); break;
        case 'c':
            tmp[0] = (char)va_arg(ap, int);
            atoll_fmt_emit_(&o, "", tmp, 1, width, left, 0);
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            size_t l = 0;
            if (s == NULL) s = "(null)";
            while ((prec < 0 || l < (size_t)prec) && s[l]) l++;
            atoll_fmt_emit_(&o, "", s, l, width, left, 0);
            break;
        }
        case 'd': case 'i': case 'u': case 'x': case 'X': case 'o': case 'p': {
            uint64_t v;
            int neg = 0;
            const char *prefix = "";
            if (c == 'p') {
                v = (uintptr_t)va_arg(ap, void *);
                prefix = "0x";
            } else if (c == 'd' || c == 'i') {
                int64_t sv = lng >= 2 ? va_arg(ap, long long) : lng == 1 ? va_arg(ap, long)
                                                                          : va_arg(ap, int);
                neg = sv < 0;
                v = neg ? (uint64_t)0 - (uint64_t)sv : (uint64_t)sv;
                prefix = neg ? "-" : plus ? "+" : space ? " " : "";
            } else {
                v = lng >= 2 ? va_arg(ap, unsigned long long)
                             : lng == 1 ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
                if (alt && c == 'x' && v) prefix = "0x";
                if (alt && c == 'X' && v) prefix = "0X";
            }
            if (prec >= 0) zero = 0;
            if (prec > 64) prec = 64;
            body = atoll_fmt_digits_(tmp + sizeof tmp, v,
                                     c == 'x' || c == 'X' || c == 'p' ? 16 : c == 'o' ? 8 : 10,
                                     c == 'X', prec < 0 ? 1 : prec);
            atoll_fmt_emit_(&o, prefix, body, (size_t)(tmp + sizeof tmp - body), width, left,
                            zero);
            break;
        }
        case 'f': case 'F': case 'e': case 'E': case 'g': case 'G': {
            double x = va_arg(ap, double);
            int neg = x < 0 || (x == 0 && 1 / x < 0);
            size_t l = atoll_fmt_double_(tmp, neg ? -x : x, c, prec, alt);
            int finite = x == x && x - x == 0;
            atoll_fmt_emit_(&o, neg ? "-" : plus ? "+" : space ? " " : "", tmp, l, width, left,
                            zero && finite);
            break;
        }
        default: /* unsupported: copy the directive */
            while (start < fmt) atoll_fmt_put_(&o, *start++);
        }
    }
    if (o.cap > 0) o.buf[o.n < o.cap ? o.n : o.cap - 1] = 0;
    return (int)o.n;
}

__attribute__((format(printf, 3, 4))) static inline int atoll_snprintf(char *buf, size_t cap,
                                                                       const char *fmt, ...) {
    int n;
    va_list ap;
    va_start(ap, fmt);
    n = atoll_vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
    return n;
}

/* Formats into a new malloc'd string (caller frees); *len (may be NULL) gets its length. */
static inline char *atoll_vasprintf(size_t *len, const char *fmt, va_list ap) {
    va_list ap2;
    char *p;
    int n;
    va_copy(ap2, ap);
    n = atoll_vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    p = (char *)malloc((size_t)n + 1);
    if (p == NULL) return NULL;
    atoll_vsnprintf(p, (size_t)n + 1, fmt, ap);
    if (len) *len = (size_t)n;
    return p;
}

__attribute__((format(printf, 2, 3))) static inline char *atoll_asprintf(size_t *len,
                                                                         const char *fmt, ...) {
    char *p;
    va_list ap;
    va_start(ap, fmt);
    p = atoll_vasprintf(len, fmt, ap);
    va_end(ap);
    return p;
}

/* ------------------------------------------------------------------------------------------ */
/* Messages                                                                                   */
/* ------------------------------------------------------------------------------------------ */

typedef struct atoll_msg {
    uint32_t kind;          /* ATOLL_KIND_MESSAGE or ATOLL_KIND_HTTP */
    uint32_t flags;         /* flags as sent (ATOLL_FIFO, ...) */
    uint64_t correlation;   /* as sent; atoll_reply() sends it back */
    const char *sender;     /* full name of the sender, or "_ingress" / "_api"; NUL-terminated */
    size_t sender_len;
    const char *reply_to;   /* where answers go; NUL-terminated */
    size_t reply_to_len;
    const char *data;       /* payload bytes, followed by a NUL (not counted in len) */
    size_t len;
    /* internal: the buffer holding all of the above (atoll_receive reuses it) */
    void *buf_;
    size_t cap_;
} atoll_msg;

/* Initialiser for an atoll_msg that atoll_receive() will fill (and reuse). */
#define ATOLL_MSG_INIT {0, 0, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0}

/*
 * Parses an envelope (docs/abi.md section 3) IN PLACE: buf must hold len bytes plus one spare
 * byte (atoll_alloc and atoll_receive provide it). Afterwards the buffer holds the
 * NUL-terminated sender, reply-to and payload that m points to; it is no longer an envelope.
 * Does not take ownership of buf. Returns 0 or ATOLL_EINVAL.
 */
static inline int atoll_msg_parse(void *buf, size_t len, atoll_msg *m) {
    uint8_t *p = (uint8_t *)buf;
    uint32_t s, r, n;
    if (len < 28) return ATOLL_EINVAL;
    s = atoll_rd32_(p + 16);
    r = atoll_rd32_(p + 20);
    n = atoll_rd32_(p + 24);
    if ((uint64_t)28 + s + r + n != len) return ATOLL_EINVAL;
    m->kind = atoll_rd32_(p);
    m->flags = atoll_rd32_(p + 4);
    m->correlation = atoll_rd64_(p + 8);
    /* Move sender and reply-to over the 28-byte header (leftwards: memmove is safe), each with
     * a NUL after it; the payload stays where it is and gets the spare byte as its NUL. */
    memmove(p, p + 28, s);
    p[s] = 0;
    memmove(p + s + 1, p + 28 + s, r);
    p[s + 1 + r] = 0;
    p[len] = 0;
    m->sender = (const char *)p;
    m->sender_len = s;
    m->reply_to = (const char *)(p + s + 1);
    m->reply_to_len = r;
    m->data = (const char *)(p + 28 + s + r);
    m->len = n;
    return 0;
}

/*
 * Loop style: waits for the next message (timeout_ms: -1 = forever, 0 = poll) and fills *m.
 * m must start as ATOLL_MSG_INIT; its buffer is reused by the next call (so the previous
 * message's pointers become invalid) and released by atoll_msg_free().
 * Returns 0, ATOLL_ETIMEOUT, or another negative error code.
 */
static inline int atoll_receive(int64_t timeout_ms, atoll_msg *m) {
    int32_t n = atoll_sys_receive(timeout_ms);
    if (n < 0) return n;
    if (m->buf_ == NULL || m->cap_ < (size_t)n + 1) {
        void *nb = realloc(m->buf_, (size_t)n + 1);
        if (nb == NULL) return ATOLL_ENOMEM;
        m->buf_ = nb;
        m->cap_ = (size_t)n + 1;
    }
    atoll_sys_take(m->buf_, n);
    return atoll_msg_parse(m->buf_, (size_t)n, m);
}

/* Releases the buffer of a message filled by atoll_receive(). The struct can be reused. */
static inline void atoll_msg_free(atoll_msg *m) {
    free(m->buf_);
    m->buf_ = NULL;
    m->cap_ = 0;
    m->sender = m->reply_to = m->data = NULL;
    m->sender_len = m->reply_to_len = m->len = 0;
}

static inline int atoll_msg_is_http(const atoll_msg *m) { return m->kind == ATOLL_KIND_HTTP; }

/*
 * Sends data to `to` (a full name "app/def/instance", a name relative to this application
 * "def/instance", a definition "def", or with ATOLL_ALIAS an alias, with ATOLL_PATTERN a regex).
 * Never blocks. Returns the number of atoms it was delivered to (>= 1) or a negative error.
 */
static inline int atoll_send_ex(const char *to, const void *data, size_t len, int flags,
                                uint64_t correlation) {
    return atoll_sys_send(to, (int32_t)strlen(to), data, (int32_t)len, flags,
                          (int64_t)correlation);
}

static inline int atoll_send(const char *to, const void *data, size_t len, int flags) {
    return atoll_send_ex(to, data, len, flags, 0);
}

static inline int atoll_send_str(const char *to, const char *text, int flags) {
    return atoll_send_ex(to, text, strlen(text), flags, 0);
}

/* Answers m: sends to its reply-to with the same correlation id. For an HTTP request a plain
 * reply becomes a 200 response with Content-Type application/octet-stream (see
 * atoll_http_respond for more). Returns >= 1 or a negative error (ENOTFOUND: already answered). */
/*
 * A reply address ("_reply/...") whose requester stopped waiting (an HTTP client that gave up)
 * answers ENOTFOUND; that is not the replying atom's fault, so replies report it as 1 (done).
 */
static inline int atoll_reply_result_(const atoll_msg *m, int r) {
    return (r == ATOLL_ENOTFOUND && strncmp(m->reply_to, "_reply/", 7) == 0) ? 1 : r;
}

static inline int atoll_reply(const atoll_msg *m, const void *data, size_t len) {
    return atoll_reply_result_(m, atoll_sys_send(m->reply_to, (int32_t)m->reply_to_len, data,
                                                 (int32_t)len, 0, (int64_t)m->correlation));
}

static inline int atoll_reply_str(const atoll_msg *m, const char *text) {
    return atoll_reply(m, text, strlen(text));
}

/* printf-style reply (atoll_vsnprintf's conversions; no stdio, no WASI import). */
__attribute__((format(printf, 2, 3))) static inline int atoll_replyf(const atoll_msg *m,
                                                                     const char *fmt, ...) {
    char *p;
    size_t n;
    int r;
    va_list ap;
    va_start(ap, fmt);
    p = atoll_vasprintf(&n, fmt, ap);
    va_end(ap);
    if (p == NULL) return ATOLL_ENOMEM;
    r = atoll_reply(m, p, n);
    free(p);
    return r;
}

/* ------------------------------------------------------------------------------------------ */
/* HTTP (docs/abi.md section 5)                                                               */
/* ------------------------------------------------------------------------------------------ */

typedef struct atoll_header {
    const char *name;  /* lower case in requests */
    const char *value;
} atoll_header;

typedef struct atoll_http_request {
    const char *method;       /* "GET", "POST", ... */
    const char *target;       /* path below /apps/<app> with the query string: "/echo?x=1" */
    const char *path;         /* without the query string: "/echo" */
    const char *query;        /* after the '?', "" if none: "x=1" */
    size_t header_count;
    const atoll_header *headers;
    const char *body;         /* points into the message; followed by a NUL */
    size_t body_len;
    void *mem_;               /* internal: method, paths and headers (freed by _free) */
} atoll_http_request;

/*
 * Decodes the HTTP request carried by m (kind ATOLL_KIND_HTTP). Strings are NUL-terminated
 * copies in one malloc'd block owned by req (release with atoll_http_request_free); `body`
 * points into m's payload, so it is valid only as long as m. Returns 0, ATOLL_EINVAL (not an
 * HTTP request or malformed) or ATOLL_ENOMEM.
 */
static inline int atoll_http_parse(const atoll_msg *m, atoll_http_request *req) {
    const uint8_t *p = (const uint8_t *)m->data;
    size_t len = m->len, off = 0, i, strings = 0, count, pass;
    uint32_t l;
    char *mem = NULL, *out = NULL;
    atoll_header *hs = NULL;
    memset(req, 0, sizeof *req);
    if (m->kind != ATOLL_KIND_HTTP) return ATOLL_EINVAL;
#define ATOLL_HTTP_FIELD_(dst)                                                                 \
    do {                                                                                       \
        if (len - off < 4) goto bad;                                                           \
        l = atoll_rd32_(p + off);                                                              \
        off += 4;                                                                              \
        if (len - off < l) goto bad;                                                           \
        if (pass == 1) {                                                                       \
            memcpy(out, p + off, l);                                                           \
            out[l] = 0;                                                                        \
            dst = out;                                                                         \
            out += l + 1;                                                                      \
        } else {                                                                               \
            strings += l + 1;                                                                  \
        }                                                                                      \
        off += l;                                                                              \
    } while (0)
    /* pass 0 validates and sizes, pass 1 copies */
    for (pass = 0; pass < 2; pass++) {
        const char *ignored = NULL;
        off = 0;
        ATOLL_HTTP_FIELD_(req->method);
        ATOLL_HTTP_FIELD_(req->target);
        if (len - off < 4) goto bad;
        count = atoll_rd32_(p + off);
        off += 4;
        if (count > (len - off) / 8) goto bad;
        if (pass == 0) {
            size_t target_len;
            for (i = 0; i < count; i++) {
                ATOLL_HTTP_FIELD_(ignored);
                ATOLL_HTTP_FIELD_(ignored);
            }
            if (len - off < 4) goto bad;
            l = atoll_rd32_(p + off);
            if (len - off - 4 != l) goto bad;
            /* the target is at offset 4 + method length + 4 */
            target_len = atoll_rd32_(p + 4 + atoll_rd32_(p));
            strings += target_len + 1; /* a second copy of the target: path then query */
            mem = (char *)malloc(count * sizeof(atoll_header) + strings);
            if (mem == NULL) return ATOLL_ENOMEM;
            hs = (atoll_header *)mem;
            out = mem + count * sizeof(atoll_header);
        } else {
            for (i = 0; i < count; i++) {
                ATOLL_HTTP_FIELD_(hs[i].name);
                ATOLL_HTTP_FIELD_(hs[i].value);
            }
            req->header_count = count;
            req->body_len = atoll_rd32_(p + off);
            req->body = (const char *)(p + off + 4);
        }
        (void)ignored;
    }
#undef ATOLL_HTTP_FIELD_
    {
        /* path and query: split a copy of the target at the first '?' */
        const char *q = strchr(req->target, '?');
        size_t pl = q ? (size_t)(q - req->target) : strlen(req->target);
        memcpy(out, req->target, pl);
        out[pl] = 0;
        req->path = out;
        if (q) {
            strcpy(out + pl + 1, q + 1);
            req->query = out + pl + 1;
        } else {
            req->query = out + pl; /* "" */
        }
    }
    req->headers = hs;
    req->mem_ = mem;
    return 0;
bad:
    free(mem);
    memset(req, 0, sizeof *req);
    return ATOLL_EINVAL;
}

static inline void atoll_http_request_free(atoll_http_request *req) {
    free(req->mem_);
    memset(req, 0, sizeof *req);
}

/* Value of the first header with this name (case-insensitive), or NULL. */
static inline const char *atoll_http_header(const atoll_http_request *req, const char *name) {
    size_t i, j;
    for (i = 0; i < req->header_count; i++) {
        const char *a = req->headers[i].name;
        for (j = 0;; j++) {
            char x = a[j], y = name[j];
            if (x >= 'A' && x <= 'Z') x = (char)(x - 'A' + 'a');
            if (y >= 'A' && y <= 'Z') y = (char)(y - 'A' + 'a');
            if (x != y) break;
            if (x == 0) return req->headers[i].value;
        }
    }
    return NULL;
}

/*
 * Encodes an HTTP response payload (u32 status, headers, body) into a new malloc'd buffer
 * (caller frees); its length goes to *out_len. Returns NULL if malloc fails.
 */
static inline uint8_t *atoll_http_encode_response(int status, const atoll_header *headers,
                                                  size_t header_count, const void *body,
                                                  size_t body_len, size_t *out_len) {
    size_t n = 4 + 4 + 4 + body_len, i, l;
    uint8_t *buf, *p;
    for (i = 0; i < header_count; i++)
        n += 8 + strlen(headers[i].name) + strlen(headers[i].value);
    buf = (uint8_t *)malloc(n);
    if (buf == NULL) return NULL;
    p = buf;
    atoll_wr32_(p, (uint32_t)status);
    atoll_wr32_(p + 4, (uint32_t)header_count);
    p += 8;
    for (i = 0; i < header_count; i++) {
        l = strlen(headers[i].name);
        atoll_wr32_(p, (uint32_t)l);
        memcpy(p + 4, headers[i].name, l);
        p += 4 + l;
        l = strlen(headers[i].value);
        atoll_wr32_(p, (uint32_t)l);
        memcpy(p + 4, headers[i].value, l);
        p += 4 + l;
    }
    atoll_wr32_(p, (uint32_t)body_len);
    if (body_len) memcpy(p + 4, body, body_len);
    *out_len = n;
    return buf;
}

/* Answers the HTTP request m with a full response (flag ATOLL_HTTP_RESPONSE). */
static inline int atoll_http_respond_ex(const atoll_msg *m, int status,
                                        const atoll_header *headers, size_t header_count,
                                        const void *body, size_t body_len) {
    size_t n;
    int r;
    uint8_t *enc = atoll_http_encode_response(status, headers, header_count, body, body_len, &n);
    if (enc == NULL) return ATOLL_ENOMEM;
    r = atoll_sys_send(m->reply_to, (int32_t)m->reply_to_len, enc, (int32_t)n,
                       ATOLL_HTTP_RESPONSE, (int64_t)m->correlation);
    free(enc);
    return atoll_reply_result_(m, r);
}

/* Answers the HTTP request m with a status, an optional Content-Type (NULL: none) and a body. */
static inline int atoll_http_respond(const atoll_msg *m, int status, const char *content_type,
                                     const void *body, size_t body_len) {
    atoll_header h;
    h.name = "content-type";
    h.value = content_type;
    return atoll_http_respond_ex(m, status, &h, content_type ? 1 : 0, body, body_len);
}

static inline int atoll_http_respond_str(const atoll_msg *m, int status,
                                         const char *content_type, const char *text) {
    return atoll_http_respond(m, status, content_type, text, strlen(text));
}

/* ------------------------------------------------------------------------------------------ */
/* Storage (needs the manifest capability `storage`, on by default; else ATOLL_EDENIED)       */
/* ------------------------------------------------------------------------------------------ */

/* Stores a value; returns 0 once the write is durable, or a negative error. */
static inline int atoll_kv_put(const char *key, const void *value, size_t len) {
    return atoll_sys_kv_put(key, (int32_t)strlen(key), value, (int32_t)len);
}

static inline int atoll_kv_put_str(const char *key, const char *value) {
    return atoll_kv_put(key, value, strlen(value));
}

/*
 * Reads a value into a new malloc'd, NUL-terminated block: *value (caller frees), its length in
 * *len (len may be NULL). Returns 0, ATOLL_ENOTFOUND (then *value is NULL), or another error.
 */
static inline int atoll_kv_get(const char *key, char **value, size_t *len) {
    int32_t n = atoll_sys_kv_get(key, (int32_t)strlen(key));
    *value = NULL;
    if (n < 0) return n;
    *value = atoll_take_alloc(n);
    if (*value == NULL) return ATOLL_ENOMEM;
    if (len) *len = (size_t)n;
    return 0;
}

/* Reads a value into buf (at most cap bytes). Returns its full length (larger than cap: it was
 * truncated; atoll_take() can fetch it whole) or a negative error (ATOLL_ENOTFOUND). */
static inline int32_t atoll_kv_get_into(const char *key, void *buf, size_t cap) {
    int32_t n = atoll_sys_kv_get(key, (int32_t)strlen(key));
    if (n < 0) return n;
    return atoll_sys_take(buf, (int32_t)cap);
}

/* Deletes a key (a missing key is not an error). Returns 0 or a negative error. */
static inline int atoll_kv_delete(const char *key) {
    return atoll_sys_kv_delete(key, (int32_t)strlen(key));
}

typedef struct atoll_kv_entry {
    const char *key;    /* NUL-terminated */
    size_t key_len;
    const char *value;  /* followed by a NUL */
    size_t value_len;
} atoll_kv_entry;

typedef struct atoll_kv_list {
    size_t count;
    atoll_kv_entry *entries;   /* sorted by key */
    void *mem_;                /* internal: one block holding entries and bytes */
} atoll_kv_list;

/*
 * Lists the pairs whose key starts with prefix ("" = all), sorted by key, at most limit of them
 * (0 = no limit). On success returns the count and fills *out (one malloc'd block: release
 * with atoll_kv_list_free). On error returns a negative code and *out is empty.
 */
static inline int atoll_kv_scan(const char *prefix, int limit, atoll_kv_list *out) {
    int32_t n = atoll_sys_kv_scan(prefix, (int32_t)strlen(prefix), limit);
    uint8_t head[4];
    uint32_t count, i, l;
    size_t off, words;
    uint8_t *data;
    memset(out, 0, sizeof *out);
    if (n < 0) return n;
    if (n < 4) return ATOLL_EINVAL;
    atoll_sys_take(head, 4);
    count = atoll_rd32_(head);
    if (count > (uint32_t)(n - 4) / 8) return ATOLL_EINVAL;
    /* layout: entries array, then the list bytes (+1 spare byte for the last NUL) */
    words = count * sizeof(atoll_kv_entry);
    out->mem_ = malloc(words + (size_t)n + 1);
    if (out->mem_ == NULL) return ATOLL_ENOMEM;
    out->entries = (atoll_kv_entry *)out->mem_;
    data = (uint8_t *)out->mem_ + words;
    atoll_sys_take(data, n);
    off = 4;
    for (i = 0; i < count; i++) {
        if ((size_t)n - off < 4) goto bad;
        l = atoll_rd32_(data + off);
        off += 4;
        if ((size_t)n - off < l) goto bad;
        out->entries[i].key = (const char *)(data + off);
        out->entries[i].key_len = l;
        off += l;
        if ((size_t)n - off < 4) goto bad;
        l = atoll_rd32_(data + off);
        off += 4;
        if ((size_t)n - off < l) goto bad;
        out->entries[i].value = (const char *)(data + off);
        out->entries[i].value_len = l;
        off += l;
    }
    /* Now that every length was read, NUL-terminate in place: the byte after a key or a value
     * is the first byte of the next length field (or the spare byte at the end). */
    for (i = 0; i < count; i++) {
        ((char *)out->entries[i].key)[out->entries[i].key_len] = 0;
        ((char *)out->entries[i].value)[out->entries[i].value_len] = 0;
    }
    out->count = count;
    return (int)count;
bad:
    free(out->mem_);
    memset(out, 0, sizeof *out);
    return ATOLL_EINVAL;
}

static inline void atoll_kv_list_free(atoll_kv_list *l) {
    free(l->mem_);
    memset(l, 0, sizeof *l);
}

/* ------------------------------------------------------------------------------------------ */
/* Names                                                                                      */
/* ------------------------------------------------------------------------------------------ */

/* Adds an alias for this instance (many instances may share one). Returns 0 or an error. */
static inline int atoll_alias_add(const char *alias) {
    return atoll_sys_alias_add(alias, (int32_t)strlen(alias));
}

/* Removes an alias of this instance. Returns 0 or ATOLL_ENOTFOUND. */
static inline int atoll_alias_remove(const char *alias) {
    return atoll_sys_alias_remove(alias, (int32_t)strlen(alias));
}

/*
 * Looks names up (mode ATOLL_LOOKUP_EXACT / _PREFIX / _ALIAS / _REGEX). On success returns the
 * number of names and, if names is not NULL, sets *names to a malloc'd NUL-terminated string of
 * the names, sorted, separated by '\n' ("" when none; caller frees). Negative: an error.
 */
static inline int atoll_lookup(int mode, const char *query, char **names) {
    int32_t n = atoll_sys_lookup(mode, query, (int32_t)strlen(query));
    char *s;
    int count = 0;
    int32_t i;
    if (names) *names = NULL;
    if (n < 0) return n;
    s = atoll_take_alloc(n);
    if (s == NULL) return ATOLL_ENOMEM;
    if (n > 0) {
        count = 1;
        for (i = 0; i < n; i++)
            if (s[i] == '\n') count++;
    }
    if (names) *names = s; else free(s);
    return count;
}

/* This instance's full name ("app/def/instance") as a malloc'd string (caller frees), or NULL. */
static inline char *atoll_self_name(void) {
    int32_t n = atoll_sys_self_name();
    return n < 0 ? NULL : atoll_take_alloc(n);
}

/* Creates an instance of the reactive definition def (same application). On success returns 0
 * and, if name is not NULL, sets *name to its full name (malloc'd; caller frees). */
static inline int atoll_spawn(const char *def, char **name) {
    int32_t n = atoll_sys_spawn(def, (int32_t)strlen(def));
    char *s;
    if (name) *name = NULL;
    if (n < 0) return n;
    if (name) {
        s = atoll_take_alloc(n);
        if (s == NULL) return ATOLL_ENOMEM;
        *name = s;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Clocks, randomness, logging, exit                                                          */
/* ------------------------------------------------------------------------------------------ */

/* Nanoseconds since the Unix epoch. */
static inline int64_t atoll_clock_wall(void) { return atoll_sys_clock_wall(); }

/* Nanoseconds from an arbitrary origin; never goes backwards. */
static inline int64_t atoll_clock_monotonic(void) { return atoll_sys_clock_monotonic(); }

/* Fills buf with len bytes from a secure random source. Returns 0 or an error. */
static inline int atoll_random(void *buf, size_t len) {
    return atoll_sys_random(buf, (int32_t)len);
}

/* Logs text at a level (ATOLL_LOG_TRACE .. ATOLL_LOG_ERROR) to the atom's log. */
static inline int atoll_log(int level, const char *text) {
    return atoll_sys_log(level, text, (int32_t)strlen(text));
}

/* printf-style atoll_log (atoll_vsnprintf's conversions). Longer than 1 KiB is truncated. */
__attribute__((format(printf, 2, 3))) static inline int atoll_logf(int level, const char *fmt,
                                                                   ...) {
    char buf[1024];
    int n;
    va_list ap;
    va_start(ap, fmt);
    n = atoll_vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if ((size_t)n >= sizeof buf) n = (int)sizeof buf - 1;
    return atoll_sys_log(level, buf, n);
}

/* Ends the atom: 0 = normal end, anything else is a fault. Does not return. */
__attribute__((noreturn)) static inline void atoll_exit(int code) {
    atoll_sys_exit(code);
}

#ifdef __cplusplus
}
#endif

#endif /* ATOLL_H */
