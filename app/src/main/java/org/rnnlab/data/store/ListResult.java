package org.rnnlab.data.store;

import java.util.List;

/** The result of {@code datasets list}: the state of every dataset in the manifest. */
public record ListResult(List<DatasetStatus> datasets) {

    public ListResult {
        datasets = List.copyOf(datasets);
    }

    /** One aligned line per dataset: name, state, folder, detail. */
    public String render() {
        int w = datasets.stream().mapToInt(d -> d.name().length()).max().orElse(4);
        StringBuilder sb = new StringBuilder();
        for (DatasetStatus d : datasets) {
            sb.append(String.format("%-" + w + "s  %-8s  %s%n    %s%n", d.name(), d.state().label(), d.dir(), d.detail()));
        }
        return sb.toString();
    }
}
