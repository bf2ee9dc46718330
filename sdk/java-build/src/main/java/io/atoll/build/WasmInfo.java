package io.atoll.build;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The imports ({@code module.name}) and exports of a Wasm module, read from its binary: enough to
 * check what a build produced without a Wasm engine.
 */
public record WasmInfo(long size, List<String> imports, List<String> exports) {

    public static WasmInfo read(Path file) throws IOException {
        return parse(Files.readAllBytes(file));
    }

    public static WasmInfo parse(byte[] b) {
        if (b.length < 8 || b[0] != 0 || b[1] != 'a' || b[2] != 's' || b[3] != 'm') {
            throw new IllegalArgumentException("not a Wasm module");
        }
        List<String> imports = new ArrayList<>();
        List<String> exports = new ArrayList<>();
        int[] pos = {8};
        while (pos[0] < b.length) {
            int id = b[pos[0]++] & 0xFF;
            int len = (int) leb(b, pos);
            int end = pos[0] + len;
            if (id == 2) {
                long n = leb(b, pos);
                for (long i = 0; i < n; i++) {
                    String module = name(b, pos);
                    String field = name(b, pos);
                    imports.add(module + "." + field);
                    int kind = b[pos[0]++] & 0xFF;
                    switch (kind) {
                        case 0 -> leb(b, pos); // type index
                        case 1 -> { // table: reftype + limits
                            pos[0]++;
                            limits(b, pos);
                        }
                        case 2 -> limits(b, pos);
                        case 3 -> pos[0] += 2; // valtype + mutability
                        default -> throw new IllegalArgumentException("unknown import kind " + kind);
                    }
                }
            } else if (id == 7) {
                long n = leb(b, pos);
                for (long i = 0; i < n; i++) {
                    exports.add(name(b, pos));
                    pos[0]++;
                    leb(b, pos);
                }
            }
            pos[0] = end;
        }
        return new WasmInfo(b.length, List.copyOf(imports), List.copyOf(exports));
    }

    private static void limits(byte[] b, int[] pos) {
        int flag = b[pos[0]++] & 0xFF;
        leb(b, pos);
        if ((flag & 1) != 0) {
            leb(b, pos);
        }
    }

    private static String name(byte[] b, int[] pos) {
        int n = (int) leb(b, pos);
        String s = new String(b, pos[0], n, StandardCharsets.UTF_8);
        pos[0] += n;
        return s;
    }

    private static long leb(byte[] b, int[] pos) {
        long result = 0;
        int shift = 0;
        while (true) {
            int x = b[pos[0]++] & 0xFF;
            result |= (long) (x & 0x7F) << shift;
            if ((x & 0x80) == 0) {
                return result;
            }
            shift += 7;
        }
    }
}
