package io.atoll.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.atoll.abi.AtollException;
import io.atoll.runtime.manifest.ManifestParser;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code atoll deploy app.yaml}: uploads the modules the manifest names by path
 * ({@code PUT /api/v1/modules/<sha256>}), then the manifest ({@code POST /api/v1/apps}).
 */
@Command(name = "deploy", mixinStandardHelpOptions = true, description = "Deploy an application from its manifest (docs/manifest.md).")
final class DeployCommand implements Callable<Integer> {
    static final String SHA256_PREFIX = "sha256:";

    @Spec
    CommandSpec spec;

    @Mixin
    NodeOptions nodeOptions;

    @Parameters(index = "0", paramLabel = "MANIFEST", description = "the application's app.yaml")
    String file;

    /** A module the manifest names by path, read and hashed. */
    record LocalModule(String reference, Path path, byte[] bytes, String sha256) {}

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Path manifestPath = Path.of(file);
        String manifest = readManifest(manifestPath, file);
        List<LocalModule> modules = localModules(manifest, file, manifestPath.toAbsolutePath().getParent());

        NodeClient client = nodeOptions.client();
        Map<String, String> refs = new LinkedHashMap<>();
        for (LocalModule m : modules) {
            client.putBytes("/api/v1/modules/" + m.sha256(), m.bytes());
            refs.put(m.reference(), SHA256_PREFIX + m.sha256());
            out.printf("uploaded %s (%,d bytes, sha256:%s)%n", m.reference(), m.bytes().length,
                    m.sha256().substring(0, 12));
        }

        JsonNode answer = client.postJson("/api/v1/apps", request(manifest, file, refs));
        String app = answer.path("app").asText("?");
        List<String> atoms = new ArrayList<>();
        answer.path("atoms").forEach(a -> atoms.add(a.asText()));
        out.printf("deployed %s: %d atom%s%n", app, atoms.size(), atoms.size() == 1 ? "" : "s");
        for (String atom : atoms) {
            out.println("  " + atom);
        }
        out.println("ingress: " + client.baseUrl() + "/apps/" + app + "/");
        out.flush();
        return 0;
    }

    /** The body of {@code POST /api/v1/apps}. */
    static ObjectNode request(String manifest, String fileAsGiven, Map<String, String> modules) {
        ObjectNode body = NodeClient.JSON.createObjectNode();
        body.put("manifest", manifest);
        body.put("file", fileAsGiven);
        ObjectNode m = body.putObject("modules");
        modules.forEach(m::put);
        return body;
    }

    static String readManifest(Path path, String asGiven) {
        try {
            return Files.readString(path);
        } catch (NoSuchFileException e) {
            throw new AtollException("no such file: " + asGiven,
                    "give the path of the application's app.yaml (relative to " + Path.of("").toAbsolutePath() + ")");
        } catch (IOException e) {
            throw new AtollException("cannot read " + asGiven + ": " + e.getMessage(), null, e);
        }
    }

    /**
     * The {@code module:} fields of the manifest's atoms, in order, without duplicates. The
     * manifest is validated here first (errors name the file, line and field), before any upload.
     */
    static List<String> moduleReferences(String yaml, String fileName) {
        return ManifestParser.moduleReferences(yaml, fileName);
    }

    /** Reads and hashes every module referenced by path (relative to the manifest's directory). */
    static List<LocalModule> localModules(String yaml, String fileName, Path manifestDir) {
        List<LocalModule> modules = new ArrayList<>();
        for (String ref : moduleReferences(yaml, fileName)) {
            if (ref.startsWith(SHA256_PREFIX)) {
                continue;
            }
            Path path = manifestDir.resolve(ref).normalize();
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(path);
            } catch (NoSuchFileException e) {
                throw new AtollException(fileName + ": module file not found: " + ref + " (looked for " + path + ")",
                        "build the module first, or fix its module: path (relative to the manifest's directory)");
            } catch (IOException e) {
                throw new AtollException(fileName + ": cannot read module " + ref + ": " + e.getMessage(), null, e);
            }
            modules.add(new LocalModule(ref, path, bytes, sha256Hex(bytes)));
        }
        return modules;
    }

    static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
