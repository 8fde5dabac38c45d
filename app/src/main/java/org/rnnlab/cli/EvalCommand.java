package org.rnnlab.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.rnnlab.eval.LmEvalJob;
import org.rnnlab.eval.SentimentEvalJob;
import org.rnnlab.eval.SentimentEvaluator;
import org.rnnlab.model.ModelFile;
import org.rnnlab.model.ModelKind;
import picocli.CommandLine.Command;
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

    @Option(names = "--model", required = true, paramLabel = "FILE", description = "Model file (best.zip, checkpoint.zip).")
    Path model;

    @Option(names = "--split", defaultValue = "test", paramLabel = "valid|test",
            description = "Split to evaluate (default: ${DEFAULT-VALUE}).")
    String split;

    @Option(names = "--data", paramLabel = "DIR", description = "Dataset folder or file, instead of the managed datasets.")
    Path data;

    @Option(names = "--batch-size", paramLabel = "N",
            description = "Language models: evaluation batch size (default 1: the TensorFlow tutorial's eval_config, every word of the split);"
                    + " sentiment models: reviews per network call (default 256).")
    Integer batchSize;

    @Option(names = "--num-steps", paramLabel = "N", description = "Language models: window length; with batch 1 it changes speed, not the result (default: 50 for batch 1, else the training num_steps).")
    Integer numSteps;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!split.equals("valid") && !split.equals("test") && !split.equals("train")) {
            throw new org.rnnlab.UserInputException("--split: expected valid or test (got '" + split + "')");
        }
        ModelFile.Loaded loaded = ModelFile.read(model, false);
        PrintWriter out = spec.commandLine().getOut();
        if (loaded.kind() == ModelKind.LM) {
            LmEvalJob.Result r = LmEvalJob.run(loaded, model, split, data, batchSize, numSteps, Datasets::locate,
                    ConsoleLogging.isQuiet() || json);
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("model", model.toString());
                m.put("split", split);
                m.put("perplexity", r.figures().perplexity());
                m.put("mean_cross_entropy", r.figures().meanCrossEntropy());
                m.put("words", r.figures().words());
                m.put("seconds", r.figures().seconds());
                m.put("batch_size", r.batchSize());
                m.put("num_steps", r.numSteps());
                out.println(new ObjectMapper().writeValueAsString(m));
            } else {
                out.printf(Locale.ROOT, "%s perplexity: %.2f%nmean cross-entropy: %.4f nats/word%nwords: %d%ntime: %.1f s (batch %d, %d steps)%n",
                        split, r.figures().perplexity(), r.figures().meanCrossEntropy(), r.figures().words(),
                        r.figures().seconds(), r.batchSize(), r.numSteps());
            }
        } else {
            printSentiment(out, SentimentEvalJob.run(loaded, model, split, data, batchSize, Datasets::locate,
                    ConsoleLogging.isQuiet() || json));
        }
        out.flush();
        return Main.EXIT_OK;
    }

    private void printSentiment(PrintWriter out, SentimentEvalJob.Result r) throws Exception {
        SentimentEvaluator.Result f = r.figures();
        long[][] c = f.confusion();
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", model.toString());
            m.put("split", split);
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
            out.println(new ObjectMapper().writeValueAsString(m));
        } else {
            out.printf(Locale.ROOT, "%s accuracy: %.2f%% (%,d reviews)%nprecision: %.4f%nrecall: %.4f%nF1: %.4f%n"
                            + "ROC AUC: %.4f%nlog loss: %.4f%nconfusion matrix (rows actual, columns predicted):%n"
                            + "             neg      pos%n  neg  %8d %8d%n  pos  %8d %8d%ntime: %.1f s%n",
                    split, 100 * f.accuracy(), f.reviews(), f.precision(), f.recall(), f.f1(), f.auc(), f.logLoss(),
                    c[0][0], c[0][1], c[1][0], c[1][1], f.seconds());
        }
    }
}
