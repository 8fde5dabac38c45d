package org.rnnlab.data.lm;

import org.rnnlab.UserInputException;
import org.rnnlab.config.LmConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Finds and reads the text of a language-model run: a folder with {@code NAME.train.txt},
 * {@code NAME.valid.txt}, {@code NAME.test.txt} (PTB's layout), or one text file split into
 * train/valid/test by line ratios.
 */
public final class LmCorpusSource {

    private LmCorpusSource() {
    }

    /**
     * Reads the corpus of {@code data}. {@code explicit} is the {@code --data} flag (may be null) and
     * wins over {@code data.path}; without either, {@code managed} locates the dataset by name
     * (project {@code datasets/}, then the mirror).
     */
    public static LmCorpus load(LmConfig.Data data, Path explicit, Function<String, Path> managed) {
        Splits splits = readSplits(data, explicit, managed);
        return LmCorpus.fromLines(splits.train(), splits.valid(), splits.test(), data.vocabSize(), data.trainWords(),
                splits.source());
    }

    /** The lines of each split, and where they came from (for messages). */
    public record Splits(List<String> train, List<String> valid, List<String> test, String source) {
        public List<String> split(String name) {
            return switch (name) {
                case "train" -> train;
                case "valid" -> valid;
                case "test" -> test;
                default -> throw new UserInputException("--split: expected train, valid or test (got '" + name + "')");
            };
        }
    }

    /** Finds the corpus (see {@link #load}) and reads its three splits. */
    public static Splits readSplits(LmConfig.Data data, Path explicit, Function<String, Path> managed) {
        Path location = explicit != null ? explicit
                : data.path() != null ? Path.of(data.path())
                : managed.apply(data.dataset());
        if (Files.isRegularFile(location)) {
            return splitSingleFile(location, data);
        }
        if (!Files.isDirectory(location)) {
            throw new UserInputException(location + ": corpus not found (expected a folder with "
                    + data.dataset() + ".train.txt, .valid.txt, .test.txt, or one text file)");
        }
        LmCorpus.Files files = splitFiles(location, data.dataset());
        String enc = data.encoding();
        return new Splits(TextLineReader.readLines(files.train(), enc), TextLineReader.readLines(files.valid(), enc),
                TextLineReader.readLines(files.test(), enc), files.train().toString());
    }

    /** The three split files of a corpus folder, named after the dataset or, failing that, the only such set. */
    public static LmCorpus.Files splitFiles(Path dir, String name) {
        Path train = dir.resolve(name + ".train.txt");
        if (!Files.isRegularFile(train)) {
            List<Path> candidates;
            try (Stream<Path> s = Files.list(dir)) {
                candidates = s.filter(p -> p.getFileName().toString().endsWith(".train.txt")).sorted().toList();
            } catch (IOException e) {
                throw new UserInputException(dir + ": cannot list corpus folder: " + e.getMessage());
            }
            if (candidates.size() != 1) {
                throw new UserInputException(dir + ": expected " + name + ".train.txt, " + name + ".valid.txt and "
                        + name + ".test.txt" + (candidates.isEmpty() ? "" : " (found " + candidates.size()
                        + " *.train.txt files; set data.dataset to choose one)"));
            }
            train = candidates.get(0);
            String fn = train.getFileName().toString();
            name = fn.substring(0, fn.length() - ".train.txt".length());
        }
        Path valid = dir.resolve(name + ".valid.txt");
        Path test = dir.resolve(name + ".test.txt");
        for (Path p : List.of(valid, test)) {
            if (!Files.isRegularFile(p)) {
                throw new UserInputException(p + ": missing (a corpus folder needs " + name + ".train.txt, "
                        + name + ".valid.txt and " + name + ".test.txt)");
            }
        }
        return new LmCorpus.Files(train, valid, test);
    }

    private static Splits splitSingleFile(Path file, LmConfig.Data data) {
        List<String> lines = TextLineReader.readLines(file, data.encoding()).stream().filter(l -> !l.isBlank()).toList();
        if (lines.size() < 3) {
            throw new UserInputException(file + ": needs at least 3 non-empty lines to split into train, valid and test (found "
                    + lines.size() + ")");
        }
        int nTrain = Math.max(1, (int) Math.round(lines.size() * data.split().get(0)));
        int nValid = Math.max(1, (int) Math.round(lines.size() * data.split().get(1)));
        nTrain = Math.min(nTrain, lines.size() - 2);
        nValid = Math.min(nValid, lines.size() - nTrain - 1);
        return new Splits(lines.subList(0, nTrain), lines.subList(nTrain, nTrain + nValid),
                lines.subList(nTrain + nValid, lines.size()), file.toString());
    }
}
