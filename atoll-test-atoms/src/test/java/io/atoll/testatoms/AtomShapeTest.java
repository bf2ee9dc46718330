package io.atoll.testatoms;

import static org.assertj.core.api.Assertions.assertThat;

import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionImport;
import com.dylibso.chicory.wasm.types.Import;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What each atom imports and exports: the deploy-time contract the runtime checks. */
class AtomShapeTest {
    private static WasmModule module(String atom) {
        return Parser.parse(FakeHost.load(atom));
    }

    private static List<Import> imports(WasmModule m) {
        return m.importSection().stream().toList();
    }

    private static Set<String> importNames(WasmModule m) {
        Set<String> out = new TreeSet<>();
        for (Import i : imports(m)) {
            out.add(i.module() + "." + i.name());
        }
        return out;
    }

    private static Set<String> exportNames(WasmModule m) {
        Set<String> out = new TreeSet<>();
        for (int i = 0; i < m.exportSection().exportCount(); i++) {
            out.add(m.exportSection().getExport(i).name());
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"probe", "probe_loop", "missing_import", "no_entry", "wasi_hello", "sdk_selftest"})
    void atollImportsHaveTheAbiSignatures(String atom) {
        WasmModule m = module(atom);
        for (Import i : imports(m)) {
            assertThat(i.importType()).isEqualTo(ExternalType.FUNCTION);
            if (i.module().equals("atoll") && !i.name().equals("does_not_exist")) {
                assertThat(FakeHost.ABI).as("known import %s", i.name()).containsKey(i.name());
                var type = m.typeSection().getType(((FunctionImport) i).typeIndex());
                assertThat(type).as("signature of atoll.%s", i.name()).isEqualTo(FakeHost.ABI.get(i.name()));
            }
        }
        assertThat(exportNames(m)).contains("memory", "atoll_abi_version", "atoll_alloc", "_initialize");
    }

    @Test
    void probeImportsOnlyAtollAndIsHandlerStyle() {
        WasmModule m = module("probe");
        assertThat(importNames(m)).allMatch(n -> n.startsWith("atoll."));
        assertThat(importNames(m)).contains("atoll.send", "atoll.take", "atoll.kv_scan", "atoll.spawn", "atoll.exit");
        assertThat(exportNames(m)).containsExactlyInAnyOrder(
                "memory", "_initialize", "atoll_abi_version", "atoll_alloc", "atoll_on_message", "atoll_recover");
    }

    @Test
    void probeLoopImportsOnlyAtollAndIsLoopStyle() {
        WasmModule m = module("probe_loop");
        assertThat(importNames(m)).allMatch(n -> n.startsWith("atoll."));
        assertThat(importNames(m)).contains("atoll.receive");
        assertThat(exportNames(m)).containsExactlyInAnyOrder(
                "memory", "_initialize", "atoll_abi_version", "atoll_alloc", "atoll_main", "atoll_recover");
    }

    @Test
    void missingImportImportsTheTwoBogusFunctions() {
        Set<String> names = importNames(module("missing_import"));
        assertThat(names).contains("atoll.does_not_exist", "env.mystery");
        names.removeAll(Set.of("atoll.does_not_exist", "env.mystery"));
        assertThat(names).allMatch(n -> n.startsWith("atoll."));
        assertThat(exportNames(module("missing_import"))).contains("atoll_on_message");
    }

    @Test
    void noEntryExportsNeitherEntryPoint() {
        Set<String> exports = exportNames(module("no_entry"));
        assertThat(exports).doesNotContain("atoll_main", "atoll_on_message");
        assertThat(importNames(module("no_entry"))).isEmpty();
    }

    @Test
    void wasiHelloImportsWasi() {
        Set<String> names = importNames(module("wasi_hello"));
        assertThat(names).contains("atoll.send", "wasi_snapshot_preview1.fd_write");
        assertThat(names).allMatch(n -> n.startsWith("atoll.") || n.startsWith("wasi_snapshot_preview1."));
    }

    @Test
    void sdkSelftestImportsOnlyAtoll() {
        assertThat(importNames(module("sdk_selftest"))).allMatch(n -> n.startsWith("atoll."));
    }
}
