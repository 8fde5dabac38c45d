package org.rnnlab.config;

import java.math.BigDecimal;

/**
 * Converts between a drop rate and a keep probability on the decimal values a config holds, so that the
 * conversion gives back what was written: {@code 1 - 0.8} in binary floating point is 0.19999999999999996,
 * on the decimals it is 0.2, and {@code 1 - 0.2} is 0.8 again.
 */
final class Probabilities {
    private Probabilities() {
    }

    /** {@code 1 - p}, computed on the shortest decimal form of {@code p}. */
    static double complement(double p) {
        return BigDecimal.ONE.subtract(new BigDecimal(Double.toString(p))).doubleValue();
    }
}
