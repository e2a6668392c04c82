package dev.lifeboat.runtime;

import java.util.LinkedHashMap;
import java.util.Map;

/** The Fly.io machine this process runs on, from the variables Fly sets; labels for status, metrics and alerts. */
public final class FlyEnvironment {
    private static final String[][] LABELS = {
        {"app", "FLY_APP_NAME"}, {"region", "FLY_REGION"}, {"machine", "FLY_MACHINE_ID"}, {"processGroup", "FLY_PROCESS_GROUP"},
    };

    private FlyEnvironment() {
    }

    /** Label name → value for each Fly variable that is set. */
    public static Map<String, String> labels() {
        Map<String, String> out = new LinkedHashMap<>();
        for (String[] label : LABELS) {
            String value = System.getenv(label[1]);
            if (value != null && !value.isBlank()) {
                out.put(label[0], value);
            }
        }
        return out;
    }
}
