package org.semivim.cli.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class MetricsSeriesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static MetricsSeries of(String... lines) throws Exception {
        List<ObjectNode> records = new ArrayList<>();
        for (String l : lines) records.add((ObjectNode) JSON.readTree(l));
        return MetricsSeries.of(records);
    }

    @Test
    void stepRecordsGiveSeriesAndViolations() throws Exception {
        MetricsSeries m = of(
                "{\"step\":0,\"loss\":2.0,\"alpha\":0.99,\"violated\":false}",
                "{\"step\":1,\"loss\":null,\"alpha\":0.98,\"violated\":true}",
                "{\"step\":2,\"loss\":1.5,\"alpha\":\"NaN\",\"violated\":true}");
        assertEquals(3, m.stepRecords());
        assertEquals(0, m.evalRecords());
        MetricsSeries.Series loss = m.series("loss");
        assertArrayEquals(new double[] {0, 2}, loss.x(), "null loss left out");
        assertArrayEquals(new double[] {2.0, 1.5}, loss.y());
        assertArrayEquals(new double[] {1}, m.seriesWhere("alpha", "violated").x(), "violations with a numeric value");
        assertEquals(2, m.count("violated"));
        assertEquals(2, m.lastStep());
        assertTrue(m.has("alpha"));
        assertFalse(m.has("lam"));
    }

    @Test
    void evaluationRecordsInEveryAcceptedLayout() throws Exception {
        MetricsSeries m = of(
                "{\"step\":0,\"loss\":2.0}",
                "{\"step\":10,\"kind\":\"eval\",\"student\":{\"top1\":0.5},\"teacher\":{\"top1\":0.6}}",
                "{\"step\":20,\"eval\":{\"student\":{\"top1\":0.55},\"teacher\":{\"top1\":0.65}}}",
                "{\"step\":30,\"student_top1\":0.7,\"teacher_top1\":0.75}",
                "{\"step\":40,\"model\":\"teacher\",\"top1\":0.8}");
        assertEquals(1, m.stepRecords());
        assertEquals(4, m.evalRecords());
        assertArrayEquals(new double[] {10, 20, 30}, m.evalTop1("student").x());
        assertArrayEquals(new double[] {0.5, 0.55, 0.7}, m.evalTop1("student").y());
        assertArrayEquals(new double[] {10, 20, 30, 40}, m.evalTop1("teacher").x());
        assertArrayEquals(new double[] {0.6, 0.65, 0.75, 0.8}, m.evalTop1("teacher").y());
    }

    /** The loop's eval.jsonl lines: validation and test per role; the "best" line is not a point. */
    @Test
    void periodicEvaluatorLines() throws Exception {
        MetricsSeries m = of(
                "{\"step\":0,\"loss\":2.0}",
                "{\"step\":5,\"type\":\"eval\",\"primary\":\"teacher\",\"validation\":{\"student\":{\"top1\":0.3},\"teacher\":{\"top1\":0.4}},"
                        + "\"test\":{\"student\":{\"top1\":0.31},\"teacher\":{\"top1\":0.41}}}",
                "{\"step\":10,\"type\":\"eval\",\"primary\":\"teacher\",\"validation\":{\"student\":{\"top1\":0.5},\"teacher\":{\"top1\":0.6}}}",
                "{\"step\":10,\"type\":\"best\",\"validation\":{\"teacher\":{\"top1\":0.6}},\"test\":{\"teacher\":{\"top1\":0.61}}}");
        assertEquals(2, m.evalRecords());
        assertArrayEquals(new double[] {5}, m.evalTop1("teacher").x(), "test only where evaluated");
        assertArrayEquals(new double[] {0.41}, m.evalTop1("teacher").y());
        assertArrayEquals(new double[] {5, 10}, m.evalTop1("student", "validation").x());
        assertArrayEquals(new double[] {0.3, 0.5}, m.evalTop1("student", "validation").y(), "validation is never read as test");
    }
}
