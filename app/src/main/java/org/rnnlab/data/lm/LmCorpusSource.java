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
 * {@code NAME.valid.txt}, {@code NAME.test.txt} (PTB's layout), or one text file or a folder of
 * {@code .txt} files split into train/valid/test by {@code data.split} ratios ({@link SeededSplit}).
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
        return load(data, explicit, managed, 0);
    }

    /** As {@link #load(LmConfig.Data, Path, Function)}, with the seed of a single file's or folder's split. */
    public static LmCorpus load(LmConfig.Data data, Path explicit, Function<String, Path> managed, long seed) {
        return corpus(readSplits(data, explicit, managed, seed), data);
    }

    /** Tokenizes the splits as {@code data} says and encodes them over the training split's vocabulary. */
    public static LmCorpus corpus(Splits splits, LmConfig.Data data) {
        return LmCorpus.fromLines(splits.train(), splits.valid(), splits.test(), data.vocabSize(), data.trainWords(),
                splits.source(), TextFormat.of(data));
    }

    /**
     * The lines of each split, where they came from (for messages), and for a seeded split which lines of
     * which file went where ({@code layout}, null for PTB's layout), which the run folder records.
     */
    public record Splits(List<String> train, List<String> valid, List<String> test, String source,
                         java.util.Map<String, List<String>> layout) {
        public Splits(List<String> train, List<String> valid, List<String> test, String source) {
            this(train, valid, test, source, null);
        }

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
        return readSplits(data, explicit, managed, 0);
    }

    /** Finds the corpus and reads its three splits; {@code seed} shuffles a single file's or folder's blocks. */
    public static Splits readSplits(LmConfig.Data data, Path explicit, Function<String, Path> managed, long seed) {
        Path location = explicit != null ? explicit
                : data.path() != null ? Path.of(data.path())
                : managed.apply(data.dataset());
        if (Files.isRegularFile(location)) {
            return SeededSplit.split(List.of(location), data, seed, location.toString());
        }
        if (!Files.isDirectory(location)) {
            throw new UserInputException(location + ": corpus not found (expected a folder with "
                    + data.dataset() + ".train.txt, .valid.txt, .test.txt, a folder of .txt files, or one text file)");
        }
        List<Path> texts = plainTextFiles(location);
        if (!Files.isRegularFile(location.resolve(data.dataset() + ".train.txt"))
                && texts.stream().noneMatch(p -> p.getFileName().toString().endsWith(".train.txt")) && !texts.isEmpty()) {
            return SeededSplit.split(texts, data, seed, location.toString());
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

    private static List<Path> plainTextFiles(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".txt") && Files.isRegularFile(p)).sorted().toList();
        } catch (IOException e) {
            throw new UserInputException(dir + ": cannot list corpus folder: " + e.getMessage());
        }
    }
}
