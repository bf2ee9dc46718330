package io.atoll.runtime.migration;

import io.atoll.abi.AtollException;
import io.atoll.abi.Envelope;
import io.atoll.engine.InstanceState;
import io.atoll.runtime.atom.Atom;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * An atom captured at a safe point, as it travels between nodes (docs/migration.md): its name and
 * module, its Wasm state (linear memory deflated, so zero pages cost next to nothing; globals;
 * tables; the ABI result buffer), the messages that waited in its mailbox, its aliases and its
 * counters. Big-endian, architecture-neutral, versioned and checksummed:
 *
 * <pre>
 * "ATOLSNAP" | u16 version (2) | u32 CRC-32C of the body | body
 * body: name, app/definition, module "sha256:hex" (UTF strings) | state | messages | aliases | counters
 *       | u32 save-area address | u8 suspended | i64 atom clock ns | i64 wall clock ms
 *       | u8 memory form (0 deflated image, 1 raw image, 2 pages that differ from the pre-copy)
 *       (the last five: version 2; version 1 means none, deflated)
 * </pre>
 *
 * A suspended snapshot was taken mid-run: the call stack is in linear memory at the save area,
 * and the atom resumes it on restore (docs/migration.md).
 */
public record Snapshot(String name, String definition, String module, Atom.Captured captured, List<String> aliases) {
    static final byte[] MAGIC = "ATOLSNAP".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    public static final int VERSION = 2;

    public byte[] encode() {
        try {
            ByteArrayOutputStream bodyBytes = new ByteArrayOutputStream(captured.state().memory().length + 1024);
            DataOutputStream out = new DataOutputStream(bodyBytes);
            out.writeUTF(name);
            out.writeUTF(definition);
            out.writeUTF(module);
            InstanceState s = captured.state();
            out.writeInt(s.pages());
            bytes(out, s.memory());
            out.writeInt(s.globalsLow().length);
            for (int i = 0; i < s.globalsLow().length; i++) {
                out.writeLong(s.globalsLow()[i]);
                out.writeLong(s.globalsHigh()[i]);
            }
            out.writeInt(s.tables().length);
            for (int[] t : s.tables()) {
                out.writeInt(t.length);
                for (int v : t) {
                    out.writeInt(v);
                }
            }
            bytes(out, s.result());
            out.writeInt(captured.waiting().size());
            for (Envelope e : captured.waiting()) {
                bytes(out, e.encode());
            }
            out.writeInt(aliases.size());
            for (String a : aliases) {
                out.writeUTF(a);
            }
            out.writeLong(captured.messages());
            out.writeLong(captured.faults());
            out.writeLong(captured.restarts());
            out.writeInt(s.saveArea());
            out.writeBoolean(s.suspended());
            out.writeLong(captured.clockNanos());
            out.writeLong(captured.wallMillis());
            out.writeByte(s.form());
            out.flush();
            byte[] body = bodyBytes.toByteArray();
            CRC32C crc = new CRC32C();
            crc.update(body);
            ByteArrayOutputStream all = new ByteArrayOutputStream(body.length + 14);
            DataOutputStream head = new DataOutputStream(all);
            head.write(MAGIC);
            head.writeShort(VERSION);
            head.writeInt((int) crc.getValue());
            head.write(body);
            head.flush();
            return all.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e); // in memory: cannot happen
        }
    }

    /** @throws AtollException naming what is wrong: not a snapshot, another version, corrupt */
    public static Snapshot decode(byte[] bytes) {
        if (bytes.length < MAGIC.length + 6 || !java.util.Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new AtollException("not an Atoll snapshot", null);
        }
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, MAGIC.length, bytes.length - MAGIC.length));
            int version = in.readUnsignedShort();
            if (version != VERSION && version != 1) {
                throw new AtollException("snapshot format version " + version + ", this node reads versions 1 and " + VERSION,
                        "run the same Atoll version on both nodes");
            }
            int expected = in.readInt();
            int bodyAt = MAGIC.length + 6;
            CRC32C crc = new CRC32C();
            crc.update(bytes, bodyAt, bytes.length - bodyAt);
            if ((int) crc.getValue() != expected) {
                throw new AtollException("snapshot checksum mismatch: the snapshot is corrupt", null);
            }
            String name = in.readUTF();
            String definition = in.readUTF();
            String module = in.readUTF();
            int pages = in.readInt();
            byte[] memory = bytes(in);
            int globals = in.readInt();
            long[] low = new long[globals];
            long[] high = new long[globals];
            for (int i = 0; i < globals; i++) {
                low[i] = in.readLong();
                high[i] = in.readLong();
            }
            int[][] tables = new int[in.readInt()][];
            for (int t = 0; t < tables.length; t++) {
                tables[t] = new int[in.readInt()];
                for (int i = 0; i < tables[t].length; i++) {
                    tables[t][i] = in.readInt();
                }
            }
            byte[] result = bytes(in);
            int n = in.readInt();
            List<Envelope> waiting = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                waiting.add(Envelope.decode(bytes(in)));
            }
            int a = in.readInt();
            List<String> aliases = new ArrayList<>(a);
            for (int i = 0; i < a; i++) {
                aliases.add(in.readUTF());
            }
            long messages = in.readLong();
            long faults = in.readLong();
            long restarts = in.readLong();
            int saveArea = version >= 2 ? in.readInt() : 0;
            boolean suspended = version >= 2 && in.readBoolean();
            long clock = version >= 2 ? in.readLong() : 0;
            long wall = version >= 2 ? in.readLong() : 0;
            byte form = version >= 2 ? in.readByte() : InstanceState.DEFLATED;
            Atom.Captured c = new Atom.Captured(new InstanceState(pages, memory, low, high, tables, result, saveArea, suspended, form),
                    waiting, messages, faults, restarts, clock, wall, 0);
            return new Snapshot(name, definition, module, c, List.copyOf(aliases));
        } catch (IOException | RuntimeException e) {
            if (e instanceof AtollException ae) {
                throw ae;
            }
            throw new AtollException("malformed snapshot: " + e, null, e);
        }
    }

    private static void bytes(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b.length);
        out.write(b);
    }

    private static byte[] bytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > (1 << 30)) {
            throw new IOException("bad length " + n);
        }
        return in.readNBytes(n);
    }
}
