package org.rnnlab.cli;

import org.rnnlab.UserInputException;
import org.rnnlab.config.TextEncoding;
import org.rnnlab.eval.Predictor;
import org.rnnlab.model.ModelFile;
import org.rnnlab.model.ModelKind;
import org.rnnlab.model.SentimentClassifier;
import org.rnnlab.text.TextFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code rnnlab predict}: labels review texts with a sentiment model. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = {"Predict the sentiment of reviews with a sentiment model: one line per review, its label"
                + " (pos or neg) and the probability that it is positive.",
                "Reviews come from the arguments, from --file (one review per line) or, with neither, from standard input."})
final class PredictCommand implements Callable<Integer> {

    @Mixin
    ModelOption model;

    @Parameters(paramLabel = "TEXT", arity = "0..*", description = "Review texts (quote each one).")
    List<String> texts = new ArrayList<>();

    @Option(names = "--file", paramLabel = "FILE", description = "Read reviews from FILE, one per line.")
    Path file;

    @Option(names = "--encoding", defaultValue = TextEncoding.UTF8, paramLabel = "ENC",
            description = "How --file is decoded: utf-8 (default; a file that is not UTF-8 text is refused),"
                    + " latin-1, or replace (bad bytes become \uFFFD).")
    String encoding;

    @Mixin
    JsonOutput json;

    @Option(names = "--batch-size", defaultValue = "256", paramLabel = "N",
            description = "Reviews per network call (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        List<String> reviews = new ArrayList<>(texts);
        if (file != null) {
            reviews.addAll(readFile(file, encoding));
        }
        // The model is checked before standard input is read, so a wrong model fails at once.
        Predictor predictor = new Predictor(
                SentimentClassifier.of(ModelFile.read(model.file(), ModelKind.SENTIMENT, "predict", false)), batchSize);
        if (reviews.isEmpty()) {
            reviews.addAll(Predictor.readReviews(new InputStreamReader(System.in, StandardCharsets.UTF_8), "standard input"));
        }
        List<Predictor.Prediction> predictions = predictor.predict(reviews);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        for (int i = 0; i < predictions.size(); i++) {
            Predictor.Prediction p = predictions.get(i);
            if (p.warning() != null) {
                err.printf("rnnlab: warning: review %d: %s%n", i + 1, p.warning());
            }
            if (json.enabled()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("text", p.text());
                m.put("label", p.label());
                m.put("probability_positive", p.positiveProbability());
                m.put("words", p.words());
                m.put("unknown_words", p.unknownWords());
                if (p.warning() != null) {
                    m.put("warning", p.warning());
                }
                JsonOutput.print(out, m);
            } else {
                out.printf(Locale.ROOT, "%s\t%.4f%n", p.label(), p.positiveProbability());
            }
        }
        out.flush();
        err.flush();
        return Main.EXIT_OK;
    }

    private static List<String> readFile(Path f, String encoding) {
        if (!TextEncoding.VALUES.contains(encoding)) {
            throw new UserInputException("--encoding: expected utf-8, latin-1 or replace (got '" + encoding + "')");
        }
        String text = TextFiles.read(f, encoding, "review file", "--encoding");
        return Predictor.readReviews(new StringReader(text), f.toString());
    }
}
