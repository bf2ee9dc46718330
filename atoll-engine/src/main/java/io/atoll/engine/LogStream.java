package io.atoll.engine;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** A WASI stdout/stderr that turns each line the guest writes into one atom log entry. */
final class LogStream extends OutputStream {
    private static final int MAX_LINE = 8192;
    private final AtomHost host;
    private final int level;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    LogStream(AtomHost host, int level) {
        this.host = host;
        this.level = level;
    }

    @Override
    public void write(int b) {
        if (b == '\n' || line.size() >= MAX_LINE) {
            flush();
            if (b == '\n') {
                return;
            }
        }
        line.write(b);
    }

    @Override
    public void flush() {
        if (line.size() > 0) {
            host.log(level, line.toString(StandardCharsets.UTF_8));
            line.reset();
        }
    }
}
