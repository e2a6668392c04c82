package dev.lifeboat.runtime;

/**
 * How this process runs, set by the CLI and read by the services (which never import {@code cli}): the long-lived
 * kinds serve HTTP and start the schedulers; every other subcommand is a short run that does neither.
 */
public enum RunMode {
    /** {@code lifeboat agent} (or no subcommand): the sidecar, until stopped. */
    AGENT,
    /** {@code lifeboat run -- CMD}: the sidecar supervising the app as its child, until the child exits. */
    SUPERVISOR
}
