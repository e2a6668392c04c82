package dev.lifeboat.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.lifeboat.alert.AlertsStatus;
import dev.lifeboat.alert.Verdict;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * {@code GET /api/v1/status}: everything Lifeboat knows, secrets redacted. While the configuration is invalid only
 * the first eight fields are present ({@code config} lists the problems). Each capability owns the record of its part
 * ({@code ReplicationStatus}, {@code BackupStatus}, {@code DrillOverview}, {@code VolumeStatus}, {@code AlertsStatus});
 * this package only assembles them ({@link StatusAssembler}).
 *
 * @param status        the verdict: {@code ok}, {@code degraded} (a warning alert is pending or firing) or
 *                      {@code failing} (a critical one is), see {@link Verdict}
 * @param reasons       the alerts behind {@code status}, critical first; empty when ok
 * @param now           when this document was assembled: the endpoints serve one for up to {@code http.status-cache}
 *                      ({@link StatusCache}), so figures that move by themselves are as of this moment
 * @param fly           the Fly labels of this machine (app, region, machine, processGroup), those that are set
 * @param sqliteVersion version of the SQLite bundled in the app
 * @param destinations  by name, sorted
 * @param databases     by name, sorted
 * @param volumes       by name, sorted
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StatusDocument(String apiVersion, Verdict.Status status, List<Verdict.Reason> reasons, Instant startedAt, Instant now, Map<String, String> fly, String sqliteVersion,
                             ConfigFile config, SortedMap<String, DestinationStatus> destinations,
                             SortedMap<String, DatabaseStatus> databases, SortedMap<String, VolumeEntry> volumes,
                             AlertsStatus alerts) {

    /**
     * The configuration file in use and whether it loaded.
     *
     * @param problems what is wrong with it, absent when it is valid
     * @param warnings what is valid but rarely meant (no databases at all), absent when there is nothing to say
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ConfigFile(String file, boolean valid, List<String> problems, List<String> warnings) {
        public ConfigFile(String file, boolean valid, List<String> problems) {
            this(file, valid, problems, null);
        }
    }
}
