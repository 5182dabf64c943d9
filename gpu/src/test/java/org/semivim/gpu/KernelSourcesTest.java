package org.semivim.gpu;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The packaging of the kernels: every module's source (for NVRTC) is on the class path, and, when
 * the build had nvcc, its PTX defines exactly the entry points the Java code launches.
 */
class KernelSourcesTest {
    private static final Pattern EXTERN_KERNEL = Pattern.compile("extern \"C\" __global__ void (?:__launch_bounds__\\([^)]*\\) )?(\\w+)\\(");
    private static final Pattern PTX_ENTRY = Pattern.compile("\\.visible \\.entry (\\w+)\\(");

    private static List<String> names(Pattern p, String text) {
        Matcher m = p.matcher(text);
        List<String> out = new java.util.ArrayList<>();
        while (m.find()) out.add(m.group(1));
        return out;
    }

    @Test
    void everySourceIsPackagedAndDefinesTheKernelsTheJavaCodeLaunches() {
        for (String header : KernelModules.HEADERS) {
            String text = KernelModules.resourceText(header);
            assertNotNull(text, header + " packaged");
            assertTrue(!text.contains("#include <"), header + " must not include system headers (NVRTC has none)");
        }
        for (Map.Entry<String, List<String>> e : KernelModules.KERNELS.entrySet()) {
            String src = KernelModules.resourceText(e.getKey() + ".cu");
            assertNotNull(src, e.getKey() + ".cu packaged");
            assertEquals(new java.util.TreeSet<>(e.getValue()), new java.util.TreeSet<>(names(EXTERN_KERNEL, src)),
                    e.getKey() + ".cu defines exactly the kernels KernelModules lists");
            assertTrue(!src.contains("#include <"), e.getKey() + ".cu must not include system headers (NVRTC has none)");
        }
    }

    @Test
    void packagedPtxHasEveryEntryPoint() {
        assumeTrue(KernelModules.resourceText("gemm.ptx") != null,
                "no PTX packaged: the build ran without nvcc (kernels are compiled by NVRTC at run time)");
        for (Map.Entry<String, List<String>> e : KernelModules.KERNELS.entrySet()) {
            String ptx = KernelModules.resourceText(e.getKey() + ".ptx");
            assertNotNull(ptx, e.getKey() + ".ptx missing while gemm.ptx exists");
            assertEquals(new java.util.TreeSet<>(e.getValue()), new java.util.TreeSet<>(names(PTX_ENTRY, ptx)), e.getKey() + ".ptx entries");
        }
    }

    @Test
    void kernelNamesMapToTheirModule() {
        assertEquals("scan", KernelModules.moduleOf("scan_fwd"));
        assertEquals("scan_bwd", KernelModules.moduleOf("scan_bwd"));
        assertEquals("optim", KernelModules.moduleOf("adamw_apply"));
        assertThrows(IllegalArgumentException.class, () -> KernelModules.moduleOf("no_such_kernel"));
    }
}
