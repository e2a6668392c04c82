package dev.lifeboat.alert;

import dev.lifeboat.config.ActiveConfig;
import dev.lifeboat.config.DatabaseType;
import dev.lifeboat.pitr.BaseBackupService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code pitr-base-backup-stale} from {@link BaseBackupService}'s state (seeded from the destination's manifests when
 * the agent starts): one condition per PITR database once something is known of it; nothing before.
 */
@ApplicationScoped
public class PitrBaseBackupConditionSource implements ConditionSource {
    @Inject
    ActiveConfig active;

    @Inject
    BaseBackupService baseBackups;

    @Override
    public List<Condition> conditions(Instant now) {
        List<Condition> out = new ArrayList<>();
        active.get().databases().forEach((name, db) -> {
            if (db.type() == DatabaseType.POSTGRES && db.pitr().enabled()) {
                baseBackups.state(name).ifPresent(s -> {
                    if (s.lastBackup() != null || s.lastError() != null) {
                        out.add(PitrBaseBackupStaleRule.evaluate(name, db.pitr().baseBackupSchedule(),
                                s.lastBackup() == null ? null : s.lastBackup().consistentAt(), s.lastError(), now));
                    }
                });
            }
        });
        return out;
    }
}
