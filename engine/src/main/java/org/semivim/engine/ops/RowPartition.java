package org.semivim.engine.ops;

/**
 * Splits rows of a row-wise op into tasks. The split depends only on (rows, row width), never on
 * the thread count, so per-task partial sums added in task order give the same bits on any machine.
 */
final class RowPartition {
    /** At least this many elements per task, so small problems are one task. */
    private static final int MIN_ELEMENTS_PER_TASK = 1 << 14;
    /** At most this many tasks, which bounds the per-task partial buffers of weight gradients. */
    private static final int MAX_TASKS = 64;

    final int rows;
    final int rowsPerTask;
    final int tasks;

    RowPartition(int rows, int width) {
        this.rows = rows;
        int byWork = (MIN_ELEMENTS_PER_TASK + Math.max(width, 1) - 1) / Math.max(width, 1);
        int byCount = (rows + MAX_TASKS - 1) / MAX_TASKS;
        this.rowsPerTask = Math.max(1, Math.max(byWork, byCount));
        this.tasks = Parallel.chunks(rows, rowsPerTask);
    }

    int start(int task) {
        return task * rowsPerTask;
    }

    int end(int task) {
        return Math.min(rows, (task + 1) * rowsPerTask);
    }
}
