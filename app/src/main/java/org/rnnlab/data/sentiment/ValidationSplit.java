package org.rnnlab.data.sentiment;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Which training reviews are held out for validation: a seeded random {@code fraction} of them,
 * the same for every run with the same seed (so {@code --resume} and {@code eval --split valid}
 * see exactly the reviews the original run held out).
 */
public record ValidationSplit(int[] train, int[] valid) {

    /** Splits indices {@code 0..n-1}; both parts are returned in ascending order. */
    public static ValidationSplit of(int n, double fraction, long seed) {
        List<Integer> order = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(seed));
        int nValid = (int) Math.round(n * fraction);
        if (fraction > 0 && nValid == 0 && n > 1) {
            nValid = 1;
        }
        int[] valid = order.subList(0, nValid).stream().mapToInt(Integer::intValue).sorted().toArray();
        int[] train = order.subList(nValid, n).stream().mapToInt(Integer::intValue).sorted().toArray();
        return new ValidationSplit(train, valid);
    }

    /** The held-out part, or the rest, by name ({@code valid} or {@code train}). */
    public int[] part(String name) {
        return switch (name) {
            case "valid" -> valid;
            case "train" -> train;
            default -> throw new IllegalArgumentException("no part " + name);
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ValidationSplit v && Arrays.equals(v.train, train) && Arrays.equals(v.valid, valid);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(train) + Arrays.hashCode(valid);
    }

    @Override
    public String toString() {
        return "ValidationSplit[train=" + train.length + ", valid=" + valid.length + "]";
    }
}
