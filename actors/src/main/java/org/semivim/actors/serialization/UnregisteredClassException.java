package org.semivim.actors.serialization;

/**
 * A message (or a value inside it) whose class is not in the {@link MessageRegistry}: the Kryo
 * serializer requires registration, so it refuses the message and names the class.
 */
public final class UnregisteredClassException extends IllegalArgumentException {
    private final String className;

    public UnregisteredClassException(String className, String message, Throwable cause) {
        super(message, cause);
        this.className = className;
    }

    /** The fully qualified name of the class that is not registered (or "class id N" when reading). */
    public String className() {
        return className;
    }
}
