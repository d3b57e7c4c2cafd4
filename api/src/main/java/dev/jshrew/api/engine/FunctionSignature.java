package dev.jshrew.api.engine;

import java.util.List;
import java.util.stream.Collectors;

/** A function type: parameter and result types. */
public record FunctionSignature(List<ValueType> params, List<ValueType> results) {
    public FunctionSignature {
        params = List.copyOf(params);
        results = List.copyOf(results);
    }

    public static FunctionSignature of(List<ValueType> params, List<ValueType> results) {
        return new FunctionSignature(params, results);
    }

    @Override
    public String toString() {
        return params.stream()
                        .map(t -> t.name().toLowerCase(java.util.Locale.ROOT))
                        .collect(Collectors.joining(", ", "(", ")"))
                + " -> "
                + results.stream()
                        .map(t -> t.name().toLowerCase(java.util.Locale.ROOT))
                        .collect(Collectors.joining(", ", "(", ")"));
    }
}
