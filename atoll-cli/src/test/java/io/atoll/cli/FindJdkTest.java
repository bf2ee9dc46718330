package io.atoll.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** scripts/find-jdk.sh with fake JDKs: JAVA_HOME first if >= 21, else the newest JDK in the JVM directory. */
class FindJdkTest {
    static final Path SCRIPT = locate("scripts/find-jdk.sh");

    @TempDir
    Path tmp;
    Path jvmDir;

    record Result(int code, String out, String err) {}

    @BeforeEach
    void setUp() throws IOException {
        jvmDir = Files.createDirectories(tmp.resolve("jvm"));
    }

    @Test
    void oldJavaHomeFallsBackToTheNewestJdkInTheJvmDirectory() throws Exception {
        Path old = fakeJdk(tmp.resolve("old-jdk"), "openjdk version \"17.0.2\" 2022-01-18", true);
        fakeJdk(jvmDir.resolve("jdk-21"), "openjdk version \"21.0.4\" 2024-07-16 LTS", true);
        Path jdk25 = fakeJdk(jvmDir.resolve("temurin-25"), null, true);
        Files.writeString(jdk25.resolve("release"), "IMPLEMENTOR=\"Eclipse Adoptium\"\nJAVA_VERSION=\"25.0.1\"\n");
        fakeJdk(jvmDir.resolve("jre-26"), "openjdk version \"26\" 2026-03-17", false);

        Result r = run(Map.of("JAVA_HOME", old.toString()));

        assertThat(r.code()).isZero();
        assertThat(r.out()).isEqualTo(jdk25 + "\n");
    }

    @Test
    void noSuitableJdkFailsNamingWhatWasFound() throws Exception {
        Path old = fakeJdk(tmp.resolve("old-jdk"), "openjdk version \"17.0.2\" 2022-01-18", true);
        Path java8 = fakeJdk(jvmDir.resolve("java-8"), "java version \"1.8.0_292\"", true);
        Path jre = fakeJdk(jvmDir.resolve("jre-25"), "openjdk version \"25\" 2025-09-16", false);

        Result r = run(Map.of("JAVA_HOME", old.toString()));

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).startsWith("error: no JDK 21 or newer found")
                .contains("JAVA_HOME=" + old + " (version 17.0.2)")
                .contains(java8 + " (version 1.8.0_292)")
                .contains(jre + " (version 25, but a JRE: no bin/javac)")
                .contains("hint: install a JDK 21+");
    }

    @Test
    void nothingAtAllIsSaidPlainly() throws Exception {
        Result r = run(Map.of());

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("found: nothing (JAVA_HOME is unset and " + jvmDir + " holds no JDK)");
    }

    @Test
    void recentJavaHomeWinsEvenOverANewerInstalledJdk() throws Exception {
        Path home = fakeJdk(tmp.resolve("my-jdk"), "openjdk version \"22.0.1\" 2024-04-16", true);
        fakeJdk(jvmDir.resolve("jdk-25"), "openjdk version \"25.0.1\" 2025-10-21", true);

        Result r = run(Map.of("JAVA_HOME", home.toString()));

        assertThat(r.code()).isZero();
        assertThat(r.out()).isEqualTo(home + "\n");
    }

    @Test
    void newestIsChosenByVersionNotByName() throws Exception {
        fakeJdk(jvmDir.resolve("zulu-21"), "openjdk version \"21.0.9\" 2025-10-21", true);
        Path best = fakeJdk(jvmDir.resolve("a-jdk"), "openjdk version \"23.0.2\" 2025-01-21", true);
        fakeJdk(jvmDir.resolve("b-jdk"), "openjdk version \"23.0.1\" 2024-10-15", true);

        Result r = run(Map.of());

        assertThat(r.out()).isEqualTo(best + "\n");
    }

    @Test
    void sourcingExportsJavaHome() throws Exception {
        Path jdk = fakeJdk(jvmDir.resolve("jdk-21"), "openjdk version \"21.0.4\" 2024-07-16", true);
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", ". \"$0\" && echo \"home=$JAVA_HOME\"", SCRIPT.toString());
        pb.environment().remove("JAVA_HOME");
        pb.environment().put("ATOLL_JVM_DIR", jvmDir.toString());
        Result r = run(pb);

        assertThat(r.code()).isZero();
        assertThat(r.out()).isEqualTo("home=" + jdk + "\n");
    }

    /** The repository file {@code relative}, looked for from the working directory (the module) upwards. */
    static Path locate(String relative) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve(relative))) {
                return dir.resolve(relative);
            }
        }
        throw new IllegalStateException(relative + " not found above " + Path.of("").toAbsolutePath());
    }

    private Result run(Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", SCRIPT.toString());
        pb.environment().remove("JAVA_HOME");
        pb.environment().putAll(env);
        pb.environment().put("ATOLL_JVM_DIR", jvmDir.toString());
        return run(pb);
    }

    private static Result run(ProcessBuilder pb) throws Exception {
        Path out = Files.createTempFile("find-jdk", ".out");
        Path err = Files.createTempFile("find-jdk", ".err");
        try {
            pb.redirectOutput(out.toFile()).redirectError(err.toFile());
            Process p = pb.start();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("find-jdk.sh finished").isTrue();
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** A directory with bin/java printing {@code versionLine} to stderr, like java -version; bin/javac if a JDK. */
    private static Path fakeJdk(Path home, String versionLine, boolean jdk) throws IOException {
        Path bin = Files.createDirectories(home.resolve("bin"));
        script(bin.resolve("java"), versionLine == null ? "exit 1" : "echo '" + versionLine + "' >&2");
        if (jdk) {
            script(bin.resolve("javac"), "exit 0");
        }
        return home;
    }

    private static void script(Path file, String body) throws IOException {
        Files.write(file, List.of("#!/bin/sh", body), StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
