package io.atoll.engine;

import com.dylibso.chicory.compiler.Cache;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Chicory's compiled classes, kept on disk by module digest so that a restarted node does not
 * compile its modules again (compiling costs seconds on a cold JVM; loading, milliseconds).
 * Entries live under a directory named after the Chicory release, since classes from another
 * release would not fit. Safe for concurrent processes: entries are published atomically.
 */
final class DiskCompileCache implements Cache {
    static final String CHICORY_RELEASE = "chicory-1.7.5";
    private final Path dir;

    DiskCompileCache(Path root) throws IOException {
        this.dir = Files.createDirectories(root.resolve(CHICORY_RELEASE));
    }

    @Override
    public byte[] get(String key) throws IOException {
        Path f = file(key);
        return Files.exists(f) ? Files.readAllBytes(f) : null;
    }

    @Override
    public void putIfAbsent(String key, byte[] data) throws IOException {
        Path f = file(key);
        if (Files.exists(f)) {
            return;
        }
        Path tmp = Files.createTempFile(dir, "entry", ".tmp");
        try {
            Files.write(tmp, data);
            Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    void evict(String key) {
        try {
            Files.deleteIfExists(file(key));
        } catch (IOException ignored) {
            // a stale entry only costs a compilation
        }
    }

    private Path file(String key) {
        return dir.resolve(key.replaceAll("[^A-Za-z0-9_-]", "_") + ".jar");
    }
}
