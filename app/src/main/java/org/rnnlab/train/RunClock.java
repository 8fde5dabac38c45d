package org.rnnlab.train;

/**
 * Wall time of a run across its resumes ({@code train.time_limit_minutes} counts from this
 * process's start; the total is what checkpoints record).
 */
final class RunClock {

    private final double secondsBefore;
    private final long start = System.nanoTime();
    private final long deadline;

    /** @param secondsBefore time spent by earlier processes of the run; {@code limitMinutes} 0 = no limit */
    RunClock(double secondsBefore, double limitMinutes) {
        this.secondsBefore = secondsBefore;
        this.deadline = limitMinutes > 0 ? start + (long) (limitMinutes * 60e9) : Long.MAX_VALUE;
    }

    /** Seconds spent by the whole run so far. */
    double elapsedSeconds() {
        return secondsBefore + (System.nanoTime() - start) / 1e9;
    }

    boolean timeUp() {
        return System.nanoTime() > deadline;
    }
}
