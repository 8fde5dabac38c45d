package org.rnnlab.data.lm;

import org.rnnlab.UserInputException;
import org.rnnlab.config.LmConfig;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Splits one text file or a folder of text files into train, valid and test: the lines are cut into
 * about {@value #BLOCKS} contiguous blocks (never across files, and for {@code data.eos: paragraph} only
 * at blank lines), the blocks are shuffled with the run's seed and dealt out by the {@code data.split}
 * ratios, and each split keeps its blocks in text order. Contiguous blocks keep sentences and paragraphs
 * whole; shuffling them keeps a book's last chapters from being all of the test set. The result names
 * each block, so the run folder records which lines went where.
 */
public final class SeededSplit {

    static final int BLOCKS = 100;

    private SeededSplit() {
    }

    private record Block(Path file, int first, List<String> lines) {
        String describe() {
            return file.getFileName() + ":" + (first + 1) + "-" + (first + lines.size());
        }
    }

    public static LmCorpusSource.Splits split(List<Path> files, LmConfig.Data data, long seed, String source) {
        boolean paragraphs = data.eos().equals("paragraph");
        List<List<String>> texts = new ArrayList<>();
        long total = 0;
        for (Path f : files) {
            List<String> lines = TextLineReader.readLines(f, data.encoding());
            texts.add(lines);
            total += lines.size();
        }
        int blockLines = (int) Math.max(1, (total + BLOCKS - 1) / BLOCKS);
        List<Block> blocks = new ArrayList<>();
        for (int fi = 0; fi < files.size(); fi++) {
            List<String> lines = texts.get(fi);
            int first = 0;
            for (int i = 0; i < lines.size(); i++) {
                boolean full = i + 1 - first >= blockLines && (!paragraphs || lines.get(i).isBlank());
                if (full || i == lines.size() - 1) {
                    List<String> part = lines.subList(first, i + 1);
                    if (part.stream().anyMatch(l -> !l.isBlank())) {
                        // Outside paragraph mode a blank line carries nothing; PTB-style line reading never made it a sentence.
                        blocks.add(new Block(files.get(fi), first,
                                paragraphs ? part : part.stream().filter(l -> !l.isBlank()).toList()));
                    }
                    first = i + 1;
                }
            }
        }
        if (blocks.size() < 3) {
            throw new UserInputException(source + ": needs at least 3 non-empty lines (or paragraphs) to split into train, "
                    + "valid and test (found " + blocks.size() + ")");
        }
        int n = blocks.size();
        int nTrain = Math.max(1, (int) Math.round(n * data.split().get(0)));
        int nValid = Math.max(1, (int) Math.round(n * data.split().get(1)));
        nTrain = Math.min(nTrain, n - 2);
        nValid = Math.min(nValid, n - nTrain - 1);
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(seed));
        List<List<Integer>> parts = List.of(sorted(order.subList(0, nTrain)),
                sorted(order.subList(nTrain, nTrain + nValid)), sorted(order.subList(nTrain + nValid, n)));
        List<List<String>> lines = new ArrayList<>();
        Map<String, List<String>> layout = new LinkedHashMap<>();
        String[] names = {"train", "valid", "test"};
        for (int p = 0; p < 3; p++) {
            List<String> l = new ArrayList<>();
            List<String> where = new ArrayList<>();
            for (int b : parts.get(p)) {
                l.addAll(blocks.get(b).lines());
                where.add(blocks.get(b).describe());
            }
            lines.add(l);
            layout.put(names[p], where);
        }
        return new LmCorpusSource.Splits(lines.get(0), lines.get(1), lines.get(2), source, layout);
    }

    private static List<Integer> sorted(List<Integer> l) {
        List<Integer> s = new ArrayList<>(l);
        Collections.sort(s);
        return s;
    }
}
