package org.rnnlab.cli;

import org.rnnlab.eval.LmEvalJob;
import org.rnnlab.eval.SentimentEvalJob;
import org.rnnlab.eval.SentimentEvaluator;
import org.rnnlab.eval.Split;
import org.rnnlab.model.ModelFile;
import org.rnnlab.model.ModelKind;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code rnnlab eval}: evaluates a trained model on a split of its dataset. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate a model: perplexity for a language model, accuracy/precision/recall/F1/AUC for a sentiment model.")
final class EvalCommand implements Callable<Integer> {

    @Mixin
    ModelOption model;

    @Option(names = "--split", defaultValue = "test", paramLabel = "SPLIT", converter = SplitConverter.class,
            description = {"Split to evaluate: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).",
                    "train and valid of a sentiment model are the parts of the training reviews as its run divided them."})
    Split split;

    @Mixin
    DataOption data;

    @Option(names = "--batch-size", paramLabel = "N",
            description = "Language models: evaluation batch size (default 1: the TensorFlow tutorial's eval_config, every word of the split);"
                    + " sentiment models: reviews per network call (default 256).")
    Integer batchSize;

    @Option(names = "--num-steps", paramLabel = "N", description = "Language models: window length; with batch 1 it changes speed, not the result (default: 50 for batch 1, else the training num_steps).")
    Integer numSteps;

    @Mixin
    JsonOutput json;

    /** Reads a split by its lower-case name; picocli's own enum message would list both spellings of each. */
    static final class SplitConverter implements CommandLine.ITypeConverter<Split> {
        @Override
        public Split convert(String value) {
            Split s = Split.of(value);
            if (s == null) {
                throw new CommandLine.TypeConversionException("expected one of train, valid, test (got '" + value + "')");
            }
            return s;
        }
    }

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Path file = model.file();
        ModelFile.Loaded loaded = ModelFile.read(file, false);
        PrintWriter out = spec.commandLine().getOut();
        if (loaded.kind() == ModelKind.LM) {
            LmEvalJob.Result r = LmEvalJob.run(loaded, file, split, data.path(), batchSize, numSteps, Datasets::locate,
                    ConsoleLogging.isQuiet() || json.enabled());
            if (json.enabled()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("model", file.toString());
                m.put("split", split.toString());
                m.put("perplexity", r.figures().perplexity());
                m.put("mean_cross_entropy", r.figures().meanCrossEntropy());
                if (!Double.isNaN(r.bitsPerCharacter())) {
                    m.put("bits_per_character", r.bitsPerCharacter());
                }
                m.put("words", r.figures().words());
                m.put("seconds", r.figures().seconds());
                m.put("batch_size", r.batchSize());
                m.put("num_steps", r.numSteps());
                JsonOutput.print(out, m);
            } else {
                out.printf(Locale.ROOT, "%s perplexity: %.2f%nmean cross-entropy: %.4f nats/word%nwords: %d%ntime: %.1f s (batch %d, %d steps)%n",
                        split, r.figures().perplexity(), r.figures().meanCrossEntropy(), r.figures().words(),
                        r.figures().seconds(), r.batchSize(), r.numSteps());
                if (!Double.isNaN(r.bitsPerCharacter())) {
                    out.printf(Locale.ROOT, "bits per character: %.4f (the words above are characters)%n", r.bitsPerCharacter());
                }
            }
        } else {
            printSentiment(out, SentimentEvalJob.run(loaded, file, split, data.path(), batchSize, Datasets::locate,
                    ConsoleLogging.isQuiet() || json.enabled()));
        }
        out.flush();
        return Main.EXIT_OK;
    }

    private void printSentiment(PrintWriter out, SentimentEvalJob.Result r) {
        SentimentEvaluator.Result f = r.figures();
        long[][] c = f.confusion();
        if (json.enabled()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", r.model().toString());
            m.put("split", split.toString());
            m.put("reviews", f.reviews());
            m.put("accuracy", f.accuracy());
            m.put("precision", f.precision());
            m.put("recall", f.recall());
            m.put("f1", f.f1());
            m.put("roc_auc", f.auc());
            m.put("log_loss", f.logLoss());
            Map<String, Long> confusion = new LinkedHashMap<>();
            confusion.put("true_neg", c[0][0]);
            confusion.put("false_pos", c[0][1]);
            confusion.put("false_neg", c[1][0]);
            confusion.put("true_pos", c[1][1]);
            m.put("confusion", confusion);
            m.put("seconds", f.seconds());
            m.put("batch_size", r.batchSize());
            JsonOutput.print(out, m);
        } else {
            out.printf(Locale.ROOT, "%s accuracy: %.2f%% (%,d reviews)%nprecision: %.4f%nrecall: %.4f%nF1: %.4f%n"
                            + "ROC AUC: %.4f%nlog loss: %.4f%nconfusion matrix (rows actual, columns predicted):%n"
                            + "             neg      pos%n  neg  %8d %8d%n  pos  %8d %8d%ntime: %.1f s%n",
                    split, 100 * f.accuracy(), f.reviews(), f.precision(), f.recall(), f.f1(), f.auc(), f.logLoss(),
                    c[0][0], c[0][1], c[1][0], c[1][1], f.seconds());
        }
    }
}
