/* kernels: the compute kernels of the instrumentation-overhead benchmark
 * (bench/src/main/java/io/atoll/bench/InstrumentationOverhead.java, docs/design/mid-run-capture.md §5).
 *
 * A loop-style atom (it exports atoll_main), so that the engine instruments it for mid-run capture;
 * the benchmark calls the k_* exports directly. Each kernel is its own exported, noinline function:
 * kernels inlined into one big function made the JIT's results vary up to 4x between identical
 * modules. Each returns a checksum of its work, so that nothing can be optimised away and so that
 * the benchmark can check that an instrumented module computes exactly what the original does.
 *
 * As an atom, atoll_main answers "<kernel> <n>" (fib, sha256, qsort, matmul, clockloop) with the
 * checksum in decimal: a long computation to try mid-run capture on.
 */
#include <atoll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define KERNEL(name) __attribute__((noinline, export_name(name)))

/* ---- fib: recursive calls (function entries: the worst case for a safe point at every entry) */

static __attribute__((noinline)) int64_t fib(int32_t n) {
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

KERNEL("k_fib") int64_t k_fib(int32_t n) {
    return fib(n);
}

/* ---- sha256: the SHA-256 compression function over `blocks` generated 64-byte blocks (straight-line
 * integer code in a short loop) */

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t ror(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static __attribute__((noinline)) void compress(uint32_t h[8], const uint32_t block[16]) {
    uint32_t w[64];
    for (int i = 0; i < 16; i++) w[i] = block[i];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = hh + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
        uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        hh = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

KERNEL("k_sha256") int64_t k_sha256(int32_t blocks) {
    uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    uint32_t block[16];
    for (int32_t b = 0; b < blocks; b++) {
        for (int i = 0; i < 16; i++) block[i] = (uint32_t)b * 0x9e3779b9u ^ (uint32_t)i * 0x85ebca6bu;
        compress(h, block);
    }
    return (int64_t)((uint64_t)h[0] << 32 | h[1]);
}

/* ---- qsort: libc's qsort of n pseudo-random ints, the comparator called through a function
 * pointer (an indirect call per comparison) */

static int compare(const void *a, const void *b) {
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

KERNEL("k_qsort") int64_t k_qsort(int32_t n) {
    int32_t *a = malloc((size_t)n * sizeof *a);
    if (a == NULL) return -1;
    uint32_t seed = 12345;
    for (int32_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        a[i] = (int32_t)(seed >> 1);
    }
    qsort(a, (size_t)n, sizeof *a, compare);
    int64_t sum = 0;
    for (int32_t i = 0; i < n; i++) {
        if (i > 0 && a[i - 1] > a[i]) sum = -2; /* not sorted: a checksum no correct run gives */
        if (sum >= 0) sum += (int64_t)a[i] * (i % 1000 + 1);
    }
    free(a);
    return sum;
}

/* ---- matmul: n x n double matrices, C = A * B (loads, stores and floating point in nested loops) */

KERNEL("k_matmul") int64_t k_matmul(int32_t n) {
    size_t cells = (size_t)n * (size_t)n;
    double *a = malloc(cells * sizeof *a), *b = malloc(cells * sizeof *b), *c = malloc(cells * sizeof *c);
    if (a == NULL || b == NULL || c == NULL) return -1;
    for (int32_t i = 0; i < n; i++) {
        for (int32_t j = 0; j < n; j++) {
            a[i * n + j] = (double)((i * 7 + j * 3) % 17) / 8.0 + 0.1;
            b[i * n + j] = (double)((i * 5 + j * 11) % 13) / 4.0 - 1.3;
        }
    }
    for (int32_t i = 0; i < n; i++) {
        for (int32_t j = 0; j < n; j++) {
            double s = 0;
            for (int32_t k = 0; k < n; k++) s += a[i * n + k] * b[k * n + j];
            c[i * n + j] = s;
        }
    }
    double sum = 0;
    for (size_t i = 0; i < cells; i++) sum += c[i] * (double)(i % 7 + 1);
    free(a);
    free(b);
    free(c);
    int64_t bits; /* the exact bits: Wasm floating point is deterministic, so must be the result */
    memcpy(&bits, &sum, sizeof bits);
    return bits;
}

/* ---- clockloop: a tight integer loop that calls an import (the clock) every 4096 iterations: the
 * case where IMPORTS instrumentation costs most, since the hot loop contains a safe point */

KERNEL("k_clockloop") int64_t k_clockloop(int32_t n) {
    uint64_t x = 88172645463325252ull, acc = 0, ticks = 0;
    for (int32_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        acc += x;
        if ((i & 4095) == 0 && atoll_clock_monotonic() >= 0) ticks++; /* the time itself varies: not in the checksum */
    }
    return (int64_t)(acc ^ ticks);
}

/* ---- the atom: "<kernel> <n>" -> the checksum */

static int64_t run_kernel(const char *text, size_t len) {
    const char *space = memchr(text, ' ', len);
    if (space == NULL) return -1;
    size_t name = (size_t)(space - text);
    int32_t n = 0;
    for (const char *p = space + 1; p < text + len && *p >= '0' && *p <= '9'; p++) n = n * 10 + (*p - '0');
    if (name == 3 && memcmp(text, "fib", 3) == 0) return k_fib(n);
    if (name == 6 && memcmp(text, "sha256", 6) == 0) return k_sha256(n);
    if (name == 5 && memcmp(text, "qsort", 5) == 0) return k_qsort(n);
    if (name == 6 && memcmp(text, "matmul", 6) == 0) return k_matmul(n);
    if (name == 9 && memcmp(text, "clockloop", 9) == 0) return k_clockloop(n);
    return -1;
}

static int run(void) {
    atoll_msg m = ATOLL_MSG_INIT;
    for (;;) {
        int r = atoll_receive(-1, &m);
        if (r == ATOLL_ETIMEOUT) continue;
        if (r < 0) break;
        char out[24];
        int64_t v = run_kernel((const char *)m.data, m.len);
        int i = sizeof out;
        uint64_t u = v < 0 ? (uint64_t)-v : (uint64_t)v;
        out[--i] = '\0';
        do out[--i] = (char)('0' + u % 10); while ((u /= 10) != 0 && i > 1);
        if (v < 0) out[--i] = '-';
        atoll_reply_str(&m, out + i);
    }
    atoll_msg_free(&m);
    return 0;
}

ATOLL_ABI();
ATOLL_MAIN(run);
