package org.rnnlab.monitor;

import org.rnnlab.UserInputException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A numeric CSV file with a header line ({@code metrics.csv}, {@code steps.csv}) as columns of doubles; an empty or
 * unreadable cell is NaN, and a line cut short by a crash is skipped.
 */
public record MetricTable(Path file, List<String> columns, List<double[]> rows) {

    /** Reads {@code file}; a file without a header line is refused with one line naming it. */
    public static MetricTable read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UserInputException(file + ": cannot read: " + e.getMessage());
        }
        if (lines.isEmpty() || lines.get(0).isBlank()) {
            throw new UserInputException(file + ": empty (expected a header line such as 'epoch,...')");
        }
        List<String> columns = List.of(lines.get(0).trim().split(","));
        List<double[]> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split(",", -1);
            if (cells.length != columns.size()) {
                continue;
            }
            double[] row = new double[cells.length];
            for (int i = 0; i < cells.length; i++) {
                row[i] = parse(cells[i]);
            }
            rows.add(row);
        }
        return new MetricTable(file, columns, List.copyOf(rows));
    }

    private static double parse(String cell) {
        try {
            return cell.isBlank() ? Double.NaN : Double.parseDouble(cell.trim());
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    public boolean has(String column) {
        return columns.contains(column);
    }

    /** The column's values, in file order. */
    public double[] column(String name) {
        int i = columns.indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException(file + " has no column " + name);
        }
        return rows.stream().mapToDouble(r -> r[i]).toArray();
    }

    /** Whether the column exists and holds at least one finite value. */
    public boolean hasValues(String name) {
        return has(name) && java.util.Arrays.stream(column(name)).anyMatch(Double::isFinite);
    }
}
