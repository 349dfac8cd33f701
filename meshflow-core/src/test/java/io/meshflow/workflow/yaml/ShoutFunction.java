package io.meshflow.workflow.yaml;

import io.meshflow.workflow.NodeContext;
import io.meshflow.workflow.StepFunction;
import java.util.Locale;

/** A StepFunction that workflow files name by class. */
public final class ShoutFunction implements StepFunction {
    /** Created by the loader through its no-argument constructor. */
    public ShoutFunction() {}

    @Override
    public String apply(String input, NodeContext context) {
        return input.toUpperCase(Locale.ROOT) + "!";
    }
}
