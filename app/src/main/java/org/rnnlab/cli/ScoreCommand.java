package org.rnnlab.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.rnnlab.UserInputException;
import org.rnnlab.config.LmConfig;
import org.rnnlab.data.lm.TextFormat;
import org.rnnlab.eval.LmScorer;
import org.rnnlab.model.ModelFile;
import org.rnnlab.model.ModelKind;
import org.rnnlab.train.EpochProgress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code rnnlab score}: the log-probability and perplexity of sentences under a language model. */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = {"Score sentences with a language model: one line per sentence with its natural-log probability"
                + " (its <eos> included, as the model was trained), its perplexity per token, and the sentence.",
                "Sentences come from the arguments, from --file (one per line; blank lines are skipped) or, with neither,"
                        + " from standard input."})
final class ScoreCommand implements Callable<Integer> {

    /** Below this many sentences a progress bar would only flicker. */
    private static final int PROGRESS_FROM = 200;

    @Option(names = "--model", required = true, paramLabel = "FILE", description = "Language model file (best.zip).")
    Path model;

    @Parameters(paramLabel = "SENTENCE", arity = "0..*", description = "Sentences (quote each one).")
    List<String> sentences = new ArrayList<>();

    @Option(names = "--file", paramLabel = "FILE", description = "Read sentences from FILE, one per line.")
    Path file;

    @Option(names = "--encoding", defaultValue = org.rnnlab.config.TextEncoding.UTF8, paramLabel = "ENC",
            description = "How --file is decoded: utf-8 (default; a file that is not UTF-8 text is refused),"
                    + " latin-1, or replace (bad bytes become \uFFFD).")
    String encoding;

    @Option(names = "--json", description = "Print one JSON object per sentence, with each token's probability.")
    boolean json;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        List<String> input = new ArrayList<>(sentences);
        if (file != null) {
            input.addAll(readLines(file, encoding));
        }
        ModelFile.Loaded loaded = ModelFile.read(model, ModelKind.LM, "score", false);
        LmConfig cfg = (LmConfig) loaded.config();
        if (input.isEmpty()) {
            input.addAll(read(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))));
        }
        if (input.isEmpty()) {
            throw new UserInputException("score: no sentences given (as arguments, with --file, or on standard input)");
        }
        LmScorer scorer = new LmScorer(loaded.network(), loaded.vocabulary(), TextFormat.of(cfg.data()));
        boolean chars = cfg.data().tokenizer().equals("chars");
        PrintWriter out = spec.commandLine().getOut();
        ObjectMapper mapper = new ObjectMapper();
        boolean quiet = spec.commandLine().getParent() != null
                && Boolean.TRUE.equals(spec.commandLine().getParent().getCommandSpec().findOption("--quiet").getValue());
        try (EpochProgress progress = new EpochProgress("score", input.size(), 0, quiet || input.size() < PROGRESS_FROM)) {
            for (int i = 0; i < input.size(); i++) {
                LmScorer.Score s = scorer.score(input.get(i));
                if (json) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("sentence", s.sentence());
                    m.put("log_probability", s.logProbability());
                    m.put("perplexity", s.perplexity());
                    if (chars) {
                        m.put("bits_per_character", s.bitsPerToken());
                    }
                    List<Map<String, Object>> tokens = new ArrayList<>();
                    for (int t = 0; t < s.tokens().size(); t++) {
                        Map<String, Object> tok = new LinkedHashMap<>();
                        tok.put("token", s.tokens().get(t));
                        tok.put("probability", s.probabilities().get(t));
                        if (s.unknown().get(t)) {
                            tok.put("unknown", true);
                        }
                        tokens.add(tok);
                    }
                    m.put("tokens", tokens);
                    out.println(mapper.writeValueAsString(m));
                } else {
                    out.printf(Locale.ROOT, "%.4f\t%.2f\t%s%n", s.logProbability(), s.perplexity(), s.sentence());
                }
                progress.update(i + 1, "");
            }
        }
        out.flush();
        return Main.EXIT_OK;
    }

    private static List<String> readLines(Path f, String encoding) {
        try (BufferedReader r = new BufferedReader(new java.io.StringReader(
                org.rnnlab.text.TextFiles.read(f, encoding, "sentence file", "--encoding")))) {
            return read(r);
        } catch (IOException e) {
            throw new UserInputException(f + ": cannot read sentence file: " + e.getMessage());
        }
    }

    private static List<String> read(BufferedReader r) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line = r.readLine(); line != null; line = r.readLine()) {
            if (!line.isBlank()) {
                out.add(line);
            }
        }
        return out;
    }
}
