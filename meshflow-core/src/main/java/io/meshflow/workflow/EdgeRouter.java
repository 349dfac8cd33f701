package io.meshflow.workflow;

import java.util.Collection;

/**
 * Chooses where a run goes after a node: returns some of the targets declared with the router (none, one or several,
 * the latter being a fan-out). Returning an undeclared node id fails the run with an error naming it.
 */
@FunctionalInterface
public interface EdgeRouter {
    /** Returns the ids of the nodes to run next. */
    Collection<String> route(String output, RouteContext context);
}
