package io.atoll.runtime.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The management API's access rule, as the front applies it to each request's peer address. */
class HttpFrontAuthTest {
    @Test
    void loopbackNeedsNoToken() {
        assertThat(HttpFront.authorized("127.0.0.1", null, "secret")).isTrue();
        assertThat(HttpFront.authorized("127.5.6.7", null, "secret")).isTrue();
        assertThat(HttpFront.authorized("0:0:0:0:0:0:0:1", null, "secret")).isTrue();
    }

    @Test
    void everyoneElseNeedsTheRightBearerToken() {
        assertThat(HttpFront.authorized("10.1.2.3", null, "secret")).isFalse();
        assertThat(HttpFront.authorized("10.1.2.3", "Bearer wrong", "secret")).isFalse();
        assertThat(HttpFront.authorized("10.1.2.3", "secret", "secret")).isFalse();
        assertThat(HttpFront.authorized("2001:db8::1", "Bearer secret", "secret")).isTrue();
        assertThat(HttpFront.authorized("10.1.2.3", "Bearer secret", "secret")).isTrue();
    }

    @Test
    void namesAreNeverResolvedAndNeverTrusted() {
        assertThat(HttpFront.authorized("localhost", null, "secret")).isFalse();
        assertThat(HttpFront.authorized(null, null, "secret")).isFalse();
    }
}
