package org.rnnlab.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class ThreadsEnvironmentTest {

    @Test
    void onlyValuesNd4jCannotStartWithAreRefused() {
        for (String fine : new String[] {null, "", "1", "2", "16"}) {
            assertNull(ThreadsEnvironment.problem(fine), "'" + fine + "'");
        }
        for (String bad : new String[] {"2,1", " 2", "0", "two", "-1"}) {
            String p = ThreadsEnvironment.problem(bad);
            assertNotNull(p, bad);
            assertTrue(p.startsWith("OMP_NUM_THREADS='" + bad + "': expected a positive whole number"), p);
        }
    }
}
