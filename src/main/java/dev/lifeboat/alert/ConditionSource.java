package dev.lifeboat.alert;

import java.time.Instant;
import java.util.List;

/**
 * One capability's input to alerting, as an {@code @ApplicationScoped} CDI bean; the alert service calls every source
 * on each evaluation and runs the lifecycle (pending → firing → repeat → resolved) over what they report.
 *
 * <p>The {@code alert} package owns the sources ({@link BackupConditionSource}, {@link ReplicationConditionSource},
 * {@link VolumeConditionSource}, {@link DrillConditionSource}, {@link DrillOverdueConditionSource},
 * {@link DestinationConditionSource}, {@link ReplicaDamagedConditionSource}, {@link PgHealthConditionSource},
 * {@link ConfigConditionSource}): each reads the public state its capability already keeps (backup state, replica
 * stats, volume reports, drill records, destination checks, replica audits, health figures) and turns it into conditions with this package's rules,
 * job history and wording. So dependencies point one way, as for the status API: {@code alert} reads the capabilities
 * and no capability imports {@code alert}. Moving a source into its capability would reverse that for five packages
 * and make the package-private job history, backup-job bridge and duration wording public.
 *
 * <p>Contract:
 * <ul>
 *   <li>Report one {@link Condition} per rule and subject you know about, firing or not. Reporting
 *       {@code firing=false} resolves a firing alert.</li>
 *   <li>Report nothing for a subject you know nothing about yet (for example before its first check after a
 *       restart): an unknown state neither fires nor resolves. An alert left unreported for
 *       {@link AlertLifecycle#UNREPORTED_RESOLVES_AFTER} resolves (its subject was removed).</li>
 *   <li>Be fast and never block on I/O: read the state your capability already keeps in memory. Throwing is
 *       allowed: your conditions are then unknown for this round, and the error is logged and shown by the API.</li>
 *   <li>Compute conditions with the pure rule functions in this package ({@link BackupStalenessRule},
 *       {@link ConsecutiveFailuresRule}, {@link ReplicationLagRule}, {@link VolumeRules}...), so thresholds and
 *       wording stay consistent; thresholds come from {@code alerts.thresholds} in the configuration.</li>
 * </ul>
 */
public interface ConditionSource {
    /** The conditions observed now. */
    List<Condition> conditions(Instant now);
}
