package dev.lifeboat.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks what types alone cannot: references between sections, URL shapes, ranges, which keys apply to which
 * database type. Typed values (the database type, compression, schedules, durations, sizes) were already checked by
 * their converters when the file was mapped; the value lists still checked here live beside their keys.
 */
final class ConfigValidator {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");
    private static final Pattern AGE_RECIPIENT = Pattern.compile("age1[02-9ac-hj-np-z]{58}");
    private static final Duration MIN_SYNC_INTERVAL = Duration.ofMillis(100);

    private final LifeboatConfig config;
    private final List<ConfigProblem> problems = new ArrayList<>();

    /** Entries left out of {@code config} because a required value in them was invalid ({@code databases.app}). */
    private final Set<String> leftOut;

    ConfigValidator(LifeboatConfig config, Set<String> leftOut) {
        this.config = config;
        this.leftOut = leftOut;
    }

    List<ConfigProblem> validate() {
        config.destinations().forEach(this::destination);
        config.databases().forEach(this::database);
        oneDatabasePerFile();
        apiToken();
        config.volumes().forEach(this::volume);
        alerts(config.alerts());
        config.fly().apiUrl().ifPresent(u -> httpUrl("fly.api-url", u));
        return problems;
    }

    /** Shortest {@code http.api-token} accepted: a short token can be guessed by trying. */
    static final int MIN_API_TOKEN_LENGTH = 16;

    /**
     * Two database entries on one SQLite file would run two replicators that each hold, checkpoint and ship the same
     * WAL into their own shadow WAL. Paths are compared absolute and normalised (and through symlinks when the file exists).
     */
    private void oneDatabasePerFile() {
        Map<Path, String> firstKeyByFile = new java.util.HashMap<>();
        config.databases().entrySet().stream()
                .filter(e -> e.getValue().type() == DatabaseType.SQLITE && e.getValue().path().filter(p -> !p.isBlank()).isPresent())
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> {
                    String key = "databases." + e.getKey() + ".path";
                    Path file = sameFileKey(e.getValue().path().get());
                    if (file == null) {
                        return;
                    }
                    String first = firstKeyByFile.putIfAbsent(file, key);
                    if (first != null) {
                        problem(key, "names the same SQLite file as " + first + " (" + file + "); two databases on one file would "
                                + "replicate it twice into one destination's WAL; keep one of " + first + " and " + key);
                    }
                });
    }

    private static Path sameFileKey(String path) {
        try {
            Path normal = Path.of(path).toAbsolutePath().normalize();
            try {
                return normal.toRealPath();
            } catch (java.io.IOException notThereYet) {
                return normal;
            }
        } catch (java.nio.file.InvalidPathException e) {
            return null;
        }
    }

    private void apiToken() {
        token("http.api-token", config.http().apiToken(), "disable the POST endpoints");
        token("http.read-token", config.http().readToken(), "leave the GET endpoints open");
        if (config.http().statusCache().isNegative()) {
            problem("http.status-cache", "must not be negative (0s assembles the status for every request)");
        }
    }

    private void token(String key, java.util.Optional<String> value, String withoutIt) {
        value.filter(t -> !t.isBlank()).ifPresent(token -> {
            if (token.length() < MIN_API_TOKEN_LENGTH) {
                // The token is never shown, not even its length: only that it is too short.
                problem(key, "too short: use at least " + MIN_API_TOKEN_LENGTH
                        + " characters (e.g. from openssl rand -hex 24), or leave it out to " + withoutIt);
            }
        });
    }

    private void problem(String key, String message) {
        problems.add(new ConfigProblem(key, message));
    }

    private void name(String section, String name) {
        if (!NAME.matcher(name).matches()) {
            problem(section + "." + name, "name must start with a letter or digit and hold only letters, digits, '_', '-' and '.'");
        }
    }

    private void destination(String name, DestinationConfig d) {
        String key = "destinations." + name;
        name("destinations", name);
        URI uri = uri(key + ".url", d.url());
        if (uri != null) {
            String scheme = uri.getScheme() == null ? "" : uri.getScheme();
            switch (scheme) {
                case "s3" -> {
                    String bucket = uri.getHost() == null ? uri.getAuthority() : uri.getHost();
                    if (bucket == null || bucket.length() < 3) {
                        problem(key + ".url", "'" + d.url() + "' has no bucket name of at least 3 characters; write s3://bucket/prefix");
                    }
                }
                case "file" -> {
                    if ((uri.getPath() == null || uri.getPath().isEmpty()) && uri.getSchemeSpecificPart().isEmpty()) {
                        problem(key + ".url", "'" + d.url() + "' names no directory; write file:///var/lib/lifeboat/replica");
                    }
                }
                default -> problem(key + ".url", "unsupported scheme in '" + d.url() + "'; use s3://bucket/prefix or file:///path");
            }
            if (scheme.equals("file") && (d.endpoint().isPresent() || d.accessKeyId().isPresent())) {
                problem(key + ".endpoint", "endpoint and keys apply only to s3:// destinations");
            }
        }
        d.endpoint().ifPresent(e -> httpUrl(key + ".endpoint", e));
        if (d.accessKeyId().isPresent() != d.secretAccessKey().isPresent()) {
            problem(key + (d.accessKeyId().isPresent() ? ".secret-access-key" : ".access-key-id"),
                    "access-key-id and secret-access-key must be given together (or both left out to use the AWS credential chain)");
        }
        if (d.partSize().bytes() < 5L * 1024 * 1024 || d.partSize().bytes() > 5L * 1024 * 1024 * 1024) {
            problem(key + ".part-size", "must be between 5MiB and 5GiB (S3's multipart limits)");
        }
        timeout(key + ".connect-timeout", d.connectTimeout());
        timeout(key + ".request-timeout", d.requestTimeout());
        if (d.leaseTtl().compareTo(Duration.ofSeconds(3)) < 0 || d.leaseTtl().compareTo(Duration.ofHours(1)) > 0) {
            problem(key + ".lease-ttl", "must be between 3s and 1h");
        }
    }

    private void database(String name, DatabaseConfig db) {
        String key = "databases." + name;
        name("databases", name);
        if (!config.destinations().containsKey(db.destination())) {
            problem(key + ".destination", "no destination named '" + db.destination() + "' (defined: "
                    + (config.destinations().isEmpty() ? "none" : String.join(", ", config.destinations().keySet().stream().sorted().toList())) + ")");
        }
        if (db.auditInterval().compareTo(MIN_SYNC_INTERVAL) < 0) {
            problem(key + ".audit-interval", "must be at least " + MIN_SYNC_INTERVAL.toMillis() + "ms");
        }
        switch (db.type()) {
            case SQLITE -> sqlite(key, db);
            case POSTGRES -> postgres(key, db);
        }
        db.encryption().ifPresent(enc -> {
            if (enc.recipients().isEmpty()) {
                problem(key + ".encryption.recipients", "list at least one age recipient (age1...)");
            }
            for (int i = 0; i < enc.recipients().size(); i++) {
                if (!AGE_RECIPIENT.matcher(enc.recipients().get(i)).matches()) {
                    problem(key + ".encryption.recipients[" + i + "]", "not an age X25519 recipient (age1 followed by 58 characters); create one with age-keygen");
                }
            }
        });
        positive(key + ".timeout", db.timeout());
        var r = db.retention();
        if (r.keepLast() < 0 || r.keepDaily() < 0 || r.keepWeekly() < 0 || r.keepMonthly() < 0) {
            problem(key + ".retention", "keep-last, keep-daily, keep-weekly and keep-monthly must not be negative");
        } else if (r.keepLast() + r.keepDaily() + r.keepWeekly() + r.keepMonthly() == 0) {
            problem(key + ".retention", "keeps nothing; set keep-last to at least 1");
        }
        positive(key + ".retention.period", r.period());
        drill(key + ".drill", db);
    }

    private void sqlite(String key, DatabaseConfig db) {
        if (db.path().isEmpty() || db.path().get().isBlank()) {
            problem(key + ".path", "a sqlite database needs path: (the database file, e.g. /data/app.db)");
        }
        if (db.url().isPresent()) {
            problem(key + ".url", "url applies to postgres databases; a sqlite database uses path:");
        }
        if (db.syncInterval().compareTo(MIN_SYNC_INTERVAL) < 0) {
            problem(key + ".sync-interval", "must be at least " + MIN_SYNC_INTERVAL.toMillis() + "ms");
        }
        positive(key + ".snapshot-interval", db.snapshotInterval());
        if (db.pitr().enabled()) {
            problem(key + ".pitr.enabled", "point-in-time recovery applies to postgres databases; SQLite replication is already continuous");
        }
    }

    private void postgres(String key, DatabaseConfig db) {
        if (db.url().isEmpty() || db.url().get().isBlank()) {
            problem(key + ".url", "a postgres database needs url: (postgres://user:password@host:5432/dbname)");
        } else {
            postgresUrl(key + ".url", db.url().get());
        }
        if (db.path().isPresent()) {
            problem(key + ".path", "path applies to sqlite databases; a postgres database uses url:");
        }
        if (!DatabaseConfig.ROW_COUNTS.contains(db.rowCounts())) {
            problem(key + ".row-counts", "unknown row-counts '" + db.rowCounts() + "'; use estimate or exact");
        }
        health(key + ".health", db.health());
        positive(key + ".retry-backoff", db.retryBackoff());
        positive(key + ".retry-max-backoff", db.retryMaxBackoff());
        if (db.retryMaxBackoff().compareTo(db.retryBackoff()) < 0) {
            problem(key + ".retry-max-backoff", dev.lifeboat.runtime.Human.duration(db.retryMaxBackoff())
                    + " is shorter than retry-backoff (" + dev.lifeboat.runtime.Human.duration(db.retryBackoff()) + ")");
        }
        pitr(key + ".pitr", db.pitr());
    }

    /** Shortest {@code pitr.archive-timeout}: each partial upload re-sends the segment so far. */
    static final Duration MIN_ARCHIVE_TIMEOUT = Duration.ofSeconds(1);
    private static final Pattern SLOT_NAME = Pattern.compile("[a-z0-9_]{1,63}");

    private void pitr(String key, PitrConfig p) {
        if (!SLOT_NAME.matcher(p.slot()).matches()) {
            problem(key + ".slot", "'" + p.slot() + "' is not a replication slot name (lower-case letters, digits and _, at most 63)");
        }
        if (p.archiveTimeout().compareTo(MIN_ARCHIVE_TIMEOUT) < 0) {
            problem(key + ".archive-timeout", "must be at least " + MIN_ARCHIVE_TIMEOUT.toSeconds() + "s");
        }
        positive(key + ".retention.period", p.retention().period());
        if (p.retention().keepBaseBackups() < 1) {
            problem(key + ".retention.keep-base-backups", "must be at least 1 (a restore needs a base backup)");
        }
    }

    private void health(String key, HealthConfig h) {
        if (h.interval().compareTo(MIN_SYNC_INTERVAL) < 0) {
            problem(key + ".interval", "must be at least " + MIN_SYNC_INTERVAL.toMillis() + "ms");
        }
        Double warn = percent(key + ".connections.warn", h.connections().warn());
        Double critical = percent(key + ".connections.critical", h.connections().critical());
        if (warn != null && critical != null && warn > critical) {
            problem(key + ".connections.warn", "warn (" + h.connections().warn() + ") is above critical (" + h.connections().critical() + ")");
        }
        positive(key + ".long-transaction", h.longTransaction());
        positive(key + ".idle-in-transaction", h.idleInTransaction());
        positive(key + ".slow-query", h.slowQuery());
        positive(key + ".replication-lag.warn", h.replicationLag().warn());
        positive(key + ".replication-lag.critical", h.replicationLag().critical());
        if (h.replicationLag().warn().compareTo(h.replicationLag().critical()) > 0) {
            problem(key + ".replication-lag.warn", "warn (" + h.replicationLag().warn() + ") is above critical (" + h.replicationLag().critical() + ")");
        }
        if (h.replicationLag().warnBytes().bytes() <= 0) {
            problem(key + ".replication-lag.warn-bytes", "must be a positive size (256MB)");
        }
        if (h.slotRetained().bytes() <= 0) {
            problem(key + ".slot-retained", "must be a positive size (1GB)");
        }
        if (h.xidAge() <= 0 || h.xidAge() >= 2_147_483_648L) {
            problem(key + ".xid-age", "must be between 1 and 2147483647 (transaction IDs wrap around at 2^31)");
        }
        if (h.slowQueryCalls() < 1) {
            problem(key + ".slow-query-calls", "must be at least 1");
        }
        h.expectedStandbys().ifPresent(names -> {
            for (int i = 0; i < names.size(); i++) {
                if (names.get(i).isBlank()) {
                    problem(key + ".expected-standbys[" + i + "]", "empty name; list the standbys' application_name");
                }
            }
        });
    }

    private Double percent(String key, String text) {
        try {
            return HealthConfig.percent(text);
        } catch (IllegalArgumentException e) {
            problem(key, e.getMessage());
            return null;
        }
    }

    private void drill(String key, DatabaseConfig db) {
        DatabaseConfig.DrillConfig d = db.drill();
        positive(key + ".timeout", d.timeout());
        if (d.firstDelay().isNegative()) {
            problem(key + ".first-delay", "must not be negative (0s drills at once after start-up)");
        }
        positive(key + ".max-age", d.maxAge());
        if (d.enabled() && !d.maxAge().isNegative() && !d.maxAge().isZero()) {
            // A schedule sparser than max-age would keep drill-overdue firing between two drills that all pass.
            java.time.Instant first = DatabaseConfig.drillSchedule(db).next(java.time.Instant.now());
            Duration gap = Duration.between(first, DatabaseConfig.drillSchedule(db).next(first)).plus(d.timeout());
            if (gap.compareTo(d.maxAge()) > 0) {
                problem(key + ".max-age", d.maxAge() + " is shorter than the gap between two scheduled drills plus the drill timeout ("
                        + gap + "); drill more often (drill.schedule) or raise drill.max-age");
            }
        }
        if (!DatabaseConfig.DRILL_BACKUPS.contains(d.backup())) {
            problem(key + ".backup", "unknown choice '" + d.backup() + "'; use latest or random (a random backup within retention)");
        }
        if (!DatabaseConfig.DRILL_INTEGRITIES.contains(d.integrity())) {
            problem(key + ".integrity", "unknown integrity mode '" + d.integrity() + "'; use full or quick");
        }
        if (d.keepHistory() < 1) {
            problem(key + ".keep-history", "must be at least 1");
        }
        d.checks().forEach((name, check) -> {
            if (check.query().isBlank()) {
                problem(key + ".checks." + name + ".query", "empty query; write the SQL whose first value is checked");
            }
            try {
                dev.lifeboat.drill.Expectation.parse(check.expect());
            } catch (IllegalArgumentException e) {
                problem(key + ".checks." + name + ".expect", e.getMessage());
            }
        });
        switch (db.type()) {
            case SQLITE -> d.serverUrl().ifPresent(u ->
                    problem(key + ".server-url", "server-url applies to postgres databases; a sqlite drill uses scratch-dir:"));
            case POSTGRES -> {
                d.serverUrl().ifPresent(u -> postgresUrl(key + ".server-url", u));
                if (!db.pitr().enabled()) { // PITR drills restore a data directory under scratch-dir
                    d.scratchDir().ifPresent(dir -> problem(key + ".scratch-dir",
                            "scratch-dir applies to sqlite databases and PITR drills; a postgres drill restores into a scratch database (server-url:)"));
                }
            }
        }
    }

    private void volume(String name, VolumeConfig v) {
        String key = "volumes." + name;
        name("volumes", name);
        if (!v.path().startsWith("/")) {
            problem(key + ".path", "must be an absolute path such as /data");
        }
        threshold(key + ".min-free", v.minFree(), true);
        threshold(key + ".min-free-inodes", v.minFreeInodes(), false);
        positive(key + ".check-interval", v.checkInterval());
        positive(key + ".max-fsync-latency", v.maxFsyncLatency());
        positive(key + ".fly-check-interval", v.flyCheckInterval());
        v.minTimeToFull().ifPresent(d -> positive(key + ".min-time-to-full", d));
        v.snapshotMaxAge().ifPresent(d -> positive(key + ".snapshot-max-age", d));
        v.databases().ifPresent(names -> {
            for (int i = 0; i < names.size(); i++) {
                DatabaseConfig db = config.databases().get(names.get(i));
                if (db == null) {
                    if (!leftOut.contains("databases." + names.get(i))) {
                        problem(key + ".databases[" + i + "]", "no database named '" + names.get(i) + "'");
                    }
                } else if (db.type() != DatabaseType.SQLITE) {
                    problem(key + ".databases[" + i + "]", "'" + names.get(i) + "' is a " + db.type()
                            + " database; only sqlite database files live on a volume Lifeboat can check");
                }
            }
        });
        if (!v.local() && v.flyVolume().isEmpty()) {
            problem(key + ".fly-volume", "a volume with local: false is checked only through the Fly Machines API; name it with fly-volume:");
        }
    }

    private void alerts(AlertsConfig a) {
        positive("alerts.repeat-interval", a.repeatInterval());
        positive("alerts.evaluate-interval", a.evaluateInterval());
        positive("alerts.keep-resolved", a.keepResolved());
        if (a.pendingFor().isNegative()) {
            problem("alerts.for", "must not be negative (0s fires at the first evaluation)");
        }
        a.severity().forEach((rule, severity) -> {
            knownRule("alerts.severity." + rule, rule);
            if (!AlertsConfig.SEVERITIES.contains(severity)) {
                problem("alerts.severity." + rule, "unknown severity '" + severity + "'; use info, warning or critical");
            }
        });
        a.thresholds().maxBackupAge().ifPresent(d -> positive("alerts.thresholds.max-backup-age", d));
        if (a.thresholds().consecutiveFailures() < 1) {
            problem("alerts.thresholds.consecutive-failures", "must be at least 1");
        }
        positive("alerts.thresholds.max-replication-lag", a.thresholds().maxReplicationLag());
        var d = a.delivery();
        positive("alerts.delivery.timeout", d.timeout());
        positive("alerts.delivery.initial-backoff", d.initialBackoff());
        positive("alerts.delivery.max-backoff", d.maxBackoff());
        if (d.maxAttempts() < 1) {
            problem("alerts.delivery.max-attempts", "must be at least 1");
        }
        a.sinks().forEach(this::sink);
        a.heartbeat().ifPresent(h -> {
            if (h.url().filter(u -> !u.isBlank()).isEmpty()) {
                problem("alerts.heartbeat.url", "a heartbeat needs url: (the ping URL of a healthchecks.io, Better Stack or Cronitor check)");
            } else {
                sinkUrl("alerts.heartbeat.url", h.url().get());
            }
            if (h.interval().compareTo(Duration.ofSeconds(1)) < 0) {
                problem("alerts.heartbeat.interval", "must be at least 1s");
            }
        });
    }

    private void knownRule(String key, String rule) {
        if (!AlertsConfig.RULE_IDS.contains(rule)) {
            problem(key, "unknown rule '" + rule + "'; use one of " + String.join(", ", AlertsConfig.RULE_IDS));
        }
    }

    private void sink(String name, AlertsConfig.SinkConfig s) {
        String key = "alerts.sinks." + name;
        name("alerts.sinks", name);
        if (!AlertsConfig.SINK_TYPES.contains(s.type())) {
            problem(key + ".type", "unknown sink type '" + s.type() + "'; use one of " + String.join(", ", AlertsConfig.SINK_TYPES.stream().sorted().toList()));
        }
        if (s.url().isPresent()) {
            sinkUrl(key + ".url", s.url().get());
        } else if (!s.type().equals("pagerduty")) {
            problem(key + ".url", "a " + s.type() + " sink needs url: (where notifications are sent)");
        }
        if (s.type().equals("pagerduty") && s.secret().filter(v -> !v.isBlank()).isEmpty()) {
            problem(key + ".secret", "a pagerduty sink needs secret: (the Events API v2 integration's routing key)");
        }
        if (!s.type().equals("healthchecks") && !s.jobs().isEmpty()) {
            problem(key + ".jobs", "jobs applies to healthchecks sinks only");
        }
        s.jobs().forEach((job, check) -> {
            if (check.isBlank()) {
                problem(key + ".jobs." + job, "name a check: a slug or UUID appended to url, or a full https:// ping URL");
            } else if (check.contains("://")) {
                sinkUrl(key + ".jobs." + job, check);
            }
        });
        if (!AlertsConfig.SEVERITIES.contains(s.minSeverity())) {
            problem(key + ".min-severity", "unknown severity '" + s.minSeverity() + "'; use info, warning or critical");
        }
        s.rules().ifPresent(rules -> {
            for (int i = 0; i < rules.size(); i++) {
                knownRule(key + ".rules[" + i + "]", rules.get(i));
            }
        });
    }

    /** Like {@link #httpUrl} but never repeats the URL: a Slack, Discord or healthchecks URL is itself a secret. */
    private void sinkUrl(String key, String text) {
        URI parsed;
        try {
            parsed = new URI(text);
        } catch (URISyntaxException e) {
            problem(key, "malformed URL (not shown: it may hold a token): " + e.getReason().replace(text, "***"));
            return;
        }
        if (!"http".equals(parsed.getScheme()) && !"https".equals(parsed.getScheme()) || parsed.getHost() == null) {
            problem(key, "not an http(s) URL with a host (the URL is not shown: it may hold a token)");
        }
    }

    private void timeout(String key, Duration d) {
        if (d.isNegative() || d.isZero() || d.compareTo(DestinationConfig.MAX_TIMEOUT) > 0) {
            problem(key, "must be a positive duration of at most " + DestinationConfig.MAX_TIMEOUT.toMinutes() + "m");
        }
    }

    private void positive(String key, Duration d) {
        if (d.isNegative() || d.isZero()) {
            problem(key, "must be a positive duration");
        }
    }

    private void threshold(String key, String text, boolean sizeAllowed) {
        String t = text.trim();
        try {
            if (t.endsWith("%")) {
                double percent = Double.parseDouble(t.substring(0, t.length() - 1));
                if (percent < 0 || percent >= 100) {
                    throw new IllegalArgumentException();
                }
            } else if (sizeAllowed) {
                ByteSize.parse(t);
            } else {
                Long.parseUnsignedLong(t);
            }
        } catch (IllegalArgumentException e) {
            problem(key, "'" + text + "' is not a threshold; write a percentage (10%) or " + (sizeAllowed ? "a size (500MiB)" : "a count (10000)"));
        }
    }

    private URI uri(String key, String text) {
        try {
            return new URI(text);
        } catch (URISyntaxException e) {
            problem(key, "malformed URL '" + redactUserInfo(text) + "': " + e.getReason());
            return null;
        }
    }

    private void httpUrl(String key, String text) {
        URI uri = uri(key, text);
        if (uri != null && (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null)) {
            problem(key, "'" + redactUserInfo(text) + "' is not an http(s) URL with a host");
        }
    }

    private void postgresUrl(String key, String text) {
        URI uri = uri(key, text);
        if (uri == null) {
            return;
        }
        if (!"postgres".equals(uri.getScheme()) && !"postgresql".equals(uri.getScheme())) {
            problem(key, "'" + redactUserInfo(text) + "' is not a postgres:// or postgresql:// URL");
        } else if (uri.getPath() == null || uri.getPath().length() < 2) {
            problem(key, "'" + redactUserInfo(text) + "' names no database; add /dbname");
        }
    }

    /** Keeps passwords out of error messages. */
    static String redactUserInfo(String url) {
        return url.replaceAll("(://[^:/@]*):[^@/]*@", "$1:***@");
    }

}
