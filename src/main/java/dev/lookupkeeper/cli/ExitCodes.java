package dev.lookupkeeper.cli;

/** The exit codes scripts rely on. */
public final class ExitCodes {
    /** Done; for verify: every check passed. */
    public static final int OK = 0;
    /** verify: at least one check failed. */
    public static final int CHECK_FAILED = 1;
    /** Usage or configuration error (bad flag, invalid name, bad config file). Nothing was written. */
    public static final int USAGE = 2;
    /** The database is not ready (unreachable, wal_level, privileges, missing tables, conflicting objects). */
    public static final int DATABASE_NOT_READY = 3;
    /** The stream failed while running (see the log line before it). */
    public static final int RUNTIME_FAILURE = 4;
    /** switch: refused (another switch, no sidecar, opposite switch in progress) or timed out; resumable. */
    public static final int SWITCH_REFUSED = 5;
    /** run: the slot was dropped or invalidated from outside while streaming. */
    public static final int SLOT_LOST = 6;
    /** replay: the replay window does not reach back that far (or there is none); the message names the earliest position. */
    public static final int NOT_RETAINED = 7;

    private ExitCodes() {}
}
