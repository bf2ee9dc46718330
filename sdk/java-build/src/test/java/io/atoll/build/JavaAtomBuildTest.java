package io.atoll.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.teavm.vm.TeaVMOptimizationLevel;

/** Command line and checks; real TeaVM builds are exercised by the examples module. */
class JavaAtomBuildTest {

    @Test
    void singleAtomForm() {
        var o = JavaAtomBuild.parse(new String[] {"out/echo.wasm", "com.x.Echo", "a" + File.pathSeparator + "b", "c"});
        assertThat(o.atoms).singleElement().satisfies(a -> {
            assertThat(a.name()).isEqualTo("echo");
            assertThat(a.mainClass()).isEqualTo("com.x.Echo");
            assertThat(a.output()).isEqualTo(Path.of("out/echo.wasm"));
        });
        assertThat(o.classPath).containsExactly(new File("a"), new File("b"), new File("c"));
        assertThat(o.minHeap).isEqualTo(4 << 20);
        assertThat(o.maxHeap).isEqualTo(48 << 20);
        assertThat(o.optimization).isEqualTo(TeaVMOptimizationLevel.SIMPLE);
    }

    @Test
    void manyAtomsForm() {
        var o = JavaAtomBuild.parse(new String[] {"--out-dir", "w", "--atom", "a=p.A", "--atom", "b=p.B",
                "--min-heap", "512Ki", "--max-heap", "16Mi", "--opt", "full", "--cp", "x", "y"});
        assertThat(o.atoms).extracting(JavaAtomBuild.Atom::output).containsExactly(Path.of("w/a.wasm"), Path.of("w/b.wasm"));
        assertThat(o.minHeap).isEqualTo(512 << 10);
        assertThat(o.maxHeap).isEqualTo(16 << 20);
        assertThat(o.optimization).isEqualTo(TeaVMOptimizationLevel.FULL);
        assertThat(o.classPath).containsExactly(new File("x"), new File("y"));
    }

    @Test
    void badCommandLinesSayWhatIsWrong() {
        assertThatThrownBy(() -> JavaAtomBuild.parse(new String[] {"x.wasm"})).hasMessageContaining("missing OUTPUT.wasm and MAIN-CLASS");
        assertThatThrownBy(() -> JavaAtomBuild.parse(new String[] {"--atom", "a=p.A"})).hasMessageContaining("--atom needs --out-dir");
        assertThatThrownBy(() -> JavaAtomBuild.parse(new String[] {"--out-dir", "w", "--atom", "a"})).hasMessageContaining("NAME=MAIN-CLASS");
        assertThatThrownBy(() -> JavaAtomBuild.parse(new String[] {"--min-heap", "lots", "o.wasm", "p.A"})).hasMessageContaining("512Ki");
        assertThatThrownBy(() -> JavaAtomBuild.parse(new String[] {"--min-heap", "8Mi", "--max-heap", "4Mi", "o.wasm", "p.A"}))
                .hasMessageContaining("below --min-heap");
        assertThatThrownBy(() -> JavaAtomBuild.parse(new String[] {"o.wasm", "not-a-class"})).hasMessageContaining("not a class name");
        assertThatThrownBy(() -> JavaAtomBuild.parse(new String[] {"--frobnicate"})).hasMessageContaining("unknown option --frobnicate");
        assertThat(JavaAtomBuild.parse(new String[] {"--help"}).help).isTrue();
    }

    @Test
    void missingInputsAreReportedBeforeTeaVMRuns(@TempDir Path dir) throws Exception {
        var quiet = new PrintStream(new ByteArrayOutputStream());
        var noEntry = JavaAtomBuild.parse(new String[] {dir.resolve("a.wasm").toString(), "p.A", dir.resolve("nope").toString()});
        assertThatThrownBy(() -> JavaAtomBuild.build(noEntry, quiet, quiet)).hasMessageContaining("does not exist");

        Files.createDirectories(dir.resolve("classes/p"));
        var noClass = JavaAtomBuild.parse(new String[] {dir.resolve("a.wasm").toString(), "p.A", dir.resolve("classes").toString()});
        assertThatThrownBy(() -> JavaAtomBuild.build(noClass, quiet, quiet)).hasMessageContaining("main class p.A not found");
    }

    @Test
    void wasmInfoReadsImportsAndExports() {
        // (module (import "atoll" "send" (func (param i32))) (memory 1) (export "memory" (memory 0))
        //   (func (export "atoll_main") (result i32) i32.const 0))
        byte[] wasm = {0, 'a', 's', 'm', 1, 0, 0, 0,
            1, 9, 2, 0x60, 1, 0x7F, 0, 0x60, 0, 1, 0x7F,
            2, 14, 1, 5, 'a', 't', 'o', 'l', 'l', 4, 's', 'e', 'n', 'd', 0, 0,
            3, 2, 1, 1,
            5, 3, 1, 0, 1,
            7, 23, 2, 6, 'm', 'e', 'm', 'o', 'r', 'y', 2, 0, 10, 'a', 't', 'o', 'l', 'l', '_', 'm', 'a', 'i', 'n', 0, 1,
            10, 6, 1, 4, 0, 0x41, 0, 0x0B};
        WasmInfo info = WasmInfo.parse(wasm);
        assertThat(info.imports()).containsExactly("atoll.send");
        assertThat(info.exports()).containsExactly("memory", "atoll_main");
        assertThatThrownBy(() -> WasmInfo.parse(new byte[] {1, 2, 3})).hasMessageContaining("not a Wasm module");
    }
}
