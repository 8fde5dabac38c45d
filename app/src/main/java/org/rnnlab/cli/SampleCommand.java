package org.rnnlab.cli;

import org.apache.logging.log4j.LogManager;
import org.rnnlab.generate.Sampler;
import org.rnnlab.model.ModelFile;
import org.rnnlab.model.ModelKind;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code rnnlab sample}: generates text from a language model. */
@Command(name = "sample", mixinStandardHelpOptions = true,
        description = {"Generate text from a language model, one sample per line (the seed text, then the generated words).",
                "With --json, one object per sample with each generated word's probability."})
final class SampleCommand implements Callable<Integer> {

    @Mixin
    ModelOption model;

    @Option(names = "--seed-text", paramLabel = "TEXT", defaultValue = "", description = "Words that prime the model.")
    String seedText;

    @Option(names = "--length", defaultValue = "50", paramLabel = "N", description = "Maximum words per sample (default: ${DEFAULT-VALUE}).")
    int length;

    @Option(names = "--temperature", defaultValue = "1.0", paramLabel = "T",
            description = "Softmax temperature; 0 takes the most likely word (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--greedy", description = "Always take the most likely word (same as --temperature 0).")
    boolean greedy;

    @Option(names = "--top-k", defaultValue = "0", paramLabel = "K", description = "Sample only among the K most likely words; 0 = all (default).")
    int topK;

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
        Sampler.Request req = new Sampler.Request(seedText, length, greedy ? 0 : temperature, topK, seed, count, !noStopAtEos);
        ModelFile.Loaded loaded = ModelFile.read(model.file(), ModelKind.LM, "sample", false);
        Sampler.Result r = Sampler.sample(loaded.network(), loaded.vocabulary(), req);
        if (!r.unknownSeedWords().isEmpty()) {
            LogManager.getLogger(SampleCommand.class).warn("warning: seed words not in the vocabulary, read as <unk>: {}",
                    String.join(", ", r.unknownSeedWords()));
        }
        PrintWriter out = spec.commandLine().getOut();
        for (Sampler.Sample s : r.samples()) {
            if (json.enabled()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("seed_text", seedText);
                m.put("text", s.text());
                List<Map<String, Object>> words = new ArrayList<>();
                for (int i = 0; i < s.words().size(); i++) {
                    words.add(Map.of("word", s.words().get(i), "probability", s.probabilities().get(i)));
                }
                m.put("words", words);
                m.put("ended_at_eos", s.endedAtEos());
                JsonOutput.print(out, m);
            } else {
                // Like char-rnn, the seed opens the line: a sample that ends at once (the model
                // thinks the sentence is complete) still reads as a sentence, not an empty line.
                String seed = String.join(" ", org.rnnlab.data.lm.WordTokenizer.words(seedText));
                out.println(seed.isEmpty() ? s.text() : s.text().isEmpty() ? seed : seed + " " + s.text());
            }
        }
        out.flush();
        return Main.EXIT_OK;
    }
}
