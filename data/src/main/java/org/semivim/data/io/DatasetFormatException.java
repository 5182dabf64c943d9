package org.semivim.data.io;

import java.io.IOException;
import java.nio.file.Path;

/** A dataset file that cannot be used: the message names the file and says what is wrong with it. */
public final class DatasetFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public DatasetFormatException(Path file, String problem) {
        super(file + ": " + problem);
    }

    public DatasetFormatException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
