package dev.lifeboat.pitr;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Where a PITR restore stops replaying WAL: a moment, a WAL position, or the end of the archived WAL. */
public sealed interface RecoveryTarget {
    /** The {@code recovery_target_*} setting, or null for {@link Latest}. */
    String setting();

    /** For people: {@code 2026-12-05T01:20:25Z}, {@code LSN 0/3000060}, {@code the latest archived WAL}. */
    String describe();

    record Time(Instant at) implements RecoveryTarget {
        private static final DateTimeFormatter PG = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS'+00'").withZone(ZoneOffset.UTC);

        @Override
        public String setting() {
            return "recovery_target_time = '" + PG.format(at) + "'";
        }

        @Override
        public String describe() {
            return at.toString();
        }
    }

    record Position(Lsn lsn) implements RecoveryTarget {
        @Override
        public String setting() {
            return "recovery_target_lsn = '" + lsn + "'";
        }

        @Override
        public String describe() {
            return "LSN " + lsn;
        }
    }

    record Latest() implements RecoveryTarget {
        @Override
        public String setting() {
            return null;
        }

        @Override
        public String describe() {
            return "the latest archived WAL";
        }
    }
}
