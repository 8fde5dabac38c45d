package org.rnnlab.nn.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The float-precision exp of the direct LSTM loops, and sigmoid and tanh built on it, against java.lang.Math. */
class FusedLstmStepsTest {

    @Test
    void singlePrecisionExpIsWithinHalfAFloatUlp() {
        double worst = 0;
        for (double x = -90; x <= 88; x += 0.001) {
            double want = Math.exp(x);
            double got = FusedLstmSteps.exp(x, true);
            worst = Math.max(worst, Math.abs(got - want) / want);
        }
        assertTrue(worst < 1e-9, "worst relative error " + worst);
        assertEquals(Double.POSITIVE_INFINITY, FusedLstmSteps.exp(1e4, true));
        assertEquals(0.0, FusedLstmSteps.exp(-1e4, true));
        assertEquals(1.0, FusedLstmSteps.exp(0.0, true));
    }

    @Test
    void doublePrecisionUsesMathExp() {
        for (double x : new double[] {-50.5, -1e-9, 0.3, 12.25}) {
            assertEquals(Math.exp(x), FusedLstmSteps.exp(x, false));
        }
    }

    @Test
    void sigmoidAndTanhMatchMathInBothPrecisions() {
        for (boolean single : new boolean[] {true, false}) {
            double tol = single ? 1e-8 : 1e-15;
            for (double x = -40; x <= 40; x += 0.0007) {
                assertEquals(1.0 / (1.0 + Math.exp(-x)), FusedLstmSteps.sigmoid(x, single), tol, "sigmoid " + x);
                double t = Math.tanh(x);
                assertEquals(t, FusedLstmSteps.tanh(x, single), tol * Math.max(1e-3, Math.abs(t)), "tanh " + x);
            }
            // Near 0 the relative precision holds (no cancellation in e^x - 1).
            for (double x : new double[] {1e-12, -3e-7, 9.99e-4, -5e-4, 0.17, -0.3}) {
                assertEquals(Math.tanh(x), FusedLstmSteps.tanh(x, single), tol * Math.abs(x), "tanh " + x);
                assertEquals(Math.expm1(x), FusedLstmSteps.expm1(x, single), tol * Math.abs(x), "expm1 " + x);
            }
            assertEquals(-1.0, FusedLstmSteps.tanh(-1e4, single));
            assertEquals(0.0, FusedLstmSteps.sigmoid(-1e4, single));
        }
    }
}
