package org.semivim.gpu;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;
import org.junit.platform.engine.TestExecutionResult;

/**
 * Runs the module's device tests on a GPU machine that has a JRE but no Maven (the bundle of
 * gpu/bench/device-bundle.sh): {@code java -cp <bundle> org.semivim.gpu.DeviceTestMain [TestClass...]}.
 * Prints one line per test (ok / FAILED / skipped with the reason) and a summary; exit 1 when a
 * test failed or when a test of a {@code Cuda*Test} class was skipped (on a GPU machine none may
 * be; the probe tests that assume no driver do skip there).
 */
public final class DeviceTestMain {
    private DeviceTestMain() {}

    static final List<String> DEFAULT_CLASSES = List.of(
            "org.semivim.gpu.CudaProbeTest", "org.semivim.gpu.OpsProviderTest",
            "org.semivim.gpu.CudaOptimizerParityTest", "org.semivim.gpu.CudaOpsParityTest",
            "org.semivim.gpu.CudaTrainingStepTest", "org.semivim.gpu.CudaDeviceUpdatesTest");

    private static boolean isCudaTest(TestIdentifier id) {
        return id.getUniqueId().contains("[class:org.semivim.gpu.Cuda") && id.getUniqueId().contains("ParityTest")
                || id.getUniqueId().contains("[class:org.semivim.gpu.CudaTrainingStepTest")
                || id.getUniqueId().contains("[class:org.semivim.gpu.CudaDeviceUpdatesTest");
    }

    public static void main(String[] args) throws ClassNotFoundException {
        List<String> names = args.length > 0 ? List.of(args) : DEFAULT_CLASSES;
        LauncherDiscoveryRequestBuilder request = LauncherDiscoveryRequestBuilder.request();
        for (String n : names) request.selectors(selectClass(Class.forName(n)));
        LauncherDiscoveryRequest discovery = request.build();
        List<String> skipped = new ArrayList<>();
        TestExecutionListener lines = new TestExecutionListener() {
            @Override
            public void executionSkipped(TestIdentifier id, String reason) {
                if (isCudaTest(id)) skipped.add(id.getDisplayName() + ": " + reason);
                System.out.println("skipped " + id.getDisplayName() + ": " + reason);
            }

            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                if (!id.isTest() && result.getStatus() == TestExecutionResult.Status.SUCCESSFUL) return;
                String status = switch (result.getStatus()) {
                    case SUCCESSFUL -> "ok     ";
                    case ABORTED -> "ABORTED";
                    case FAILED -> "FAILED ";
                };
                System.out.println(status + " " + id.getLegacyReportingName()
                        + result.getThrowable().map(t -> "  — " + t).orElse(""));
                if (result.getStatus() == TestExecutionResult.Status.ABORTED && isCudaTest(id)) skipped.add(id.getDisplayName());
            }
        };
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        Launcher launcher = LauncherFactory.create();
        launcher.execute(discovery, lines, summary);
        TestExecutionSummary s = summary.getSummary();
        s.printTo(new PrintWriter(System.out));
        s.printFailuresTo(new PrintWriter(System.out), 30);
        boolean ok = s.getTotalFailureCount() == 0 && skipped.isEmpty() && s.getTestsSucceededCount() > 0;
        System.out.println(ok ? "DEVICE TESTS PASSED" : "DEVICE TESTS NOT ALL PASSED");
        System.exit(ok ? 0 : 1);
    }
}
