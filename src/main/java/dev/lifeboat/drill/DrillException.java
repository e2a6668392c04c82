package dev.lifeboat.drill;

/**
 * Ends a drill with a message for people: {@link #refused} when the drill could not start (no backup, not enough
 * scratch space, another drill running), otherwise a failure. Messages name the backup and never hold secrets.
 */
public class DrillException extends Exception {
    private final boolean refused;

    private DrillException(String message, boolean refused, Throwable cause) {
        super(message, cause);
        this.refused = refused;
    }

    public static DrillException failed(String message, Throwable cause) {
        return new DrillException(message, false, cause);
    }

    public static DrillException failed(String message) {
        return new DrillException(message, false, null);
    }

    public static DrillException refused(String message) {
        return new DrillException(message, true, null);
    }

    public boolean refused() {
        return refused;
    }
}
