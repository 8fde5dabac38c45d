package org.rnnlab.data.store;

import java.util.List;
import java.util.stream.Collectors;

/** The result of {@code datasets verify}: one {@link VerifyResult} per dataset checked. */
public record VerifyReport(List<VerifyResult> results) {

    public VerifyReport {
        results = List.copyOf(results);
    }

    /** True unless some dataset failed; missing datasets are not failures. */
    public boolean ok() {
        return failed().isEmpty();
    }

    public List<String> failed() {
        return results.stream().filter(r -> r.outcome() == VerifyResult.Outcome.FAILED).map(VerifyResult::name).toList();
    }

    public String render() {
        return results.stream().map(VerifyResult::render).collect(Collectors.joining(System.lineSeparator()))
                + System.lineSeparator();
    }
}
