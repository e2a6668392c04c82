package dev.lifeboat.drill;

/** Creates the PostgreSQL drill. */
final class PostgresDrills {
    private PostgresDrills() {
    }

    static Drill create() {
        return run -> {
            throw DrillException.refused("drill of " + run.database + " refused: PostgreSQL restore drills are not available in this build yet");
        };
    }
}
