package org.rnnlab.cli;

import org.apache.logging.log4j.LogManager;
import org.rnnlab.config.LmConfig;
import org.rnnlab.data.lm.TextFormat;
import org.rnnlab.generate.BeamSearch;
import org.rnnlab.generate.Sampler;
import org.rnnlab.model.ModelFile;
import org.rnnlab.model.ModelKind;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code rnnlab sample}: generates text from a language model. */
@Command(name = "sample", mixinStandardHelpOptions = true,
        description = {"Generate text from a language model, one sample per line (the seed text, then the generated text),"
                + " read back into text as the model's tokenizer wrote it (no space before punctuation for 'words' models,"
                + " characters joined for 'chars' models).",
                "With --beam N: the N most likely continuations, best first, each after its natural-log probability.",
                "With --json, one object per sample with each token's probability (the <eos> it stopped at included)."})
final class SampleCommand implements Callable<Integer> {

    @Mixin
    ModelOption model;

    @Option(names = "--seed-text", paramLabel = "TEXT", defaultValue = "", description = "Text that primes the model.")
    String seedText;

    @Option(names = "--length", defaultValue = "50", paramLabel = "N",
            description = "Maximum tokens per sample (characters for a 'chars' model; default: ${DEFAULT-VALUE}).")
    int length;

    @Option(names = "--temperature", defaultValue = "1.0", paramLabel = "T",
            description = "Softmax temperature; 0 takes the most likely token (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--greedy", description = "Always take the most likely token (same as --temperature 0).")
    boolean greedy;

    @Option(names = "--top-k", defaultValue = "0", paramLabel = "K", description = "Sample only among the K most likely tokens; 0 = all (default).")
    int topK;

    @Option(names = "--top-p", defaultValue = "1.0", paramLabel = "P",
            description = "Nucleus sampling: only among the most likely tokens that together hold P of the probability; 1 = all (default).")
    double topP;

    @Option(names = "--beam", defaultValue = "0", paramLabel = "N",
            description = "Beam search: print the N most likely continuations with their log-probabilities instead of samples.")
    int beam;

    @Option(names = "--no-unk", description = "Never generate the unknown token <unk>.")
    boolean noUnk;

    @Option(names = "--min-words", defaultValue = "1", paramLabel = "N",
            description = "Stop at the end of the first generated sentence with at least N words (default: ${DEFAULT-VALUE}).")
    int minWords;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "S", description = "Random seed: the same seed gives the same text (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--count", defaultValue = "1", paramLabel = "N", description = "Number of samples (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--no-stop-at-eos", description = "Keep generating past the end of a sentence.")
    boolean noStopAtEos;

    @Mixin
    JsonOutput json;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Sampler.Request req = new Sampler.Request(seedText, length, greedy ? 0 : temperature, topK, topP, seed, count,
                !noStopAtEos, noUnk, minWords);
        ModelFile.Loaded loaded = ModelFile.read(model.file(), ModelKind.LM, "sample", false);
        TextFormat format = TextFormat.of(((LmConfig) loaded.config()).data());
        PrintWriter out = spec.commandLine().getOut();
        if (beam > 0) {
            BeamSearch.Result r = BeamSearch.search(loaded.network(), loaded.vocabulary(), format, seedText, beam, length,
                    minWords, noUnk);
            warnUnknown(r.unknownSeedWords());
            for (BeamSearch.Beam b : r.beams()) {
                String text = b.fullText();
                if (json.enabled()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("seed_text", seedText);
                    m.put("text", b.text());
                    m.put("full_text", text);
                    m.put("log_probability", b.logProbability());
                    m.put("words", tokens(b.tokens(), b.probabilities()));
                    m.put("ended_at_eos", b.endedAtEos());
                    JsonOutput.print(out, m);
                } else {
                    out.printf(Locale.ROOT, "%.4f\t%s%n", b.logProbability(), text);
                }
            }
            out.flush();
            return Main.EXIT_OK;
        }
        Sampler.Result r = Sampler.sample(loaded.network(), loaded.vocabulary(), format, req);
        warnUnknown(r.unknownSeedWords());
        for (Sampler.Sample s : r.samples()) {
            // Like char-rnn, the seed opens the line: a sample that ends at once still reads as a sentence.
            String text = r.fullText(s, format);
            if (json.enabled()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("seed_text", seedText);
                m.put("text", s.text());
                m.put("full_text", text);
                m.put("words", tokens(s.tokens(), s.probabilities()));
                m.put("ended_at_eos", s.endedAtEos());
                JsonOutput.print(out, m);
            } else {
                out.println(text);
            }
        }
        out.flush();
        return Main.EXIT_OK;
    }

    private static List<Map<String, Object>> tokens(List<String> tokens, List<Double> probs) {
        List<Map<String, Object>> words = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) {
            Map<String, Object> w = new LinkedHashMap<>();
            w.put("word", tokens.get(i));
            w.put("probability", probs.get(i));
            words.add(w);
        }
        return words;
    }

    private static void warnUnknown(List<String> unknown) {
        if (!unknown.isEmpty()) {
            LogManager.getLogger(SampleCommand.class).warn("warning: seed words not in the vocabulary, read as <unk>: {}",
                    String.join(", ", unknown));
        }
    }
}
