package org.rnnlab.cli;

/**
 * Checks {@code OMP_NUM_THREADS} before ND4J starts: ND4J reads it with {@code Integer.parseInt} when it loads, and a
 * value such as {@code 2,1} (valid for OpenMP, a list per nesting level) or {@code " 2"} then fails ND4J's start with
 * a stack trace saying that ND4J is "probably missing dependencies". An empty value is fine: ND4J and OpenMP ignore it.
 */
final class ThreadsEnvironment {

    static final String VARIABLE = "OMP_NUM_THREADS";

    private ThreadsEnvironment() {
    }

    /** The one-line error for this value of {@code OMP_NUM_THREADS}, or null if ND4J can start with it (or it is unset). */
    static String problem(String value) {
        if (value == null || value.isEmpty() || value.matches("0*[1-9]\\d{0,5}")) {
            return null;
        }
        return VARIABLE + "='" + value + "': expected a positive whole number of threads, e.g. 2"
                + " (ND4J cannot start with it)";
    }
}
