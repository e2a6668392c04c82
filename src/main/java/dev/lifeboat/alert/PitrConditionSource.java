package dev.lifeboat.alert;

import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.AlertsConfig;
import dev.lifeboat.pitr.WalArchiveService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The {@link PitrArchiveRules} for every database whose WAL the agent archives, from its archiver's status. */
@ApplicationScoped
public class PitrConditionSource implements ConditionSource {
    @Inject
    ActiveConfig active;

    @Inject
    WalArchiveService archives;

    @Override
    public List<Condition> conditions(Instant now) {
        List<Condition> out = new ArrayList<>();
        AlertsConfig.ThresholdsConfig t = active.get().alerts().thresholds();
        active.get().databases().forEach((name, db) -> archives.status(name).ifPresent(s ->
                out.addAll(PitrArchiveRules.evaluate(name, s, t.maxPitrArchiveLag(), t.maxPitrSlotRetained().bytes()))));
        return out;
    }
}
