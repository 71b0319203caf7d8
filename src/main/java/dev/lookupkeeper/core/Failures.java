package dev.lookupkeeper.core;

/** How a failure is told in one line: every layer reports errors, so this lives at the bottom. */
public final class Failures {
    private Failures() {}

    /** The innermost cause's message (its class name when it has none), first line only. */
    public static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
