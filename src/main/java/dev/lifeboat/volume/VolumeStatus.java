package dev.lifeboat.volume;

import dev.lifeboat.api.StatusContributor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.Map;

/** Adds each volume's latest check to {@code GET /api/v1/status} under {@code volumes.<name>}. No secrets: reports hold none. */
@ApplicationScoped
public class VolumeStatus implements StatusContributor {
    @Inject
    VolumeMonitor monitor;

    @Override
    public void describeVolume(String name, Map<String, Object> entry) {
        monitor.report(name).ifPresentOrElse(report -> {
            Map<String, Object> m = report.toMap();
            m.remove("volume");
            m.remove("path");
            entry.putAll(m);
        }, () -> entry.put("checked", false));
    }
}
