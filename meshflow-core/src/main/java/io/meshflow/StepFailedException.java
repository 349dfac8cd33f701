package io.meshflow;

/** A step's node threw; the run failed with this error, which keeps the node's exception as its cause. */
public class StepFailedException extends MeshFlowException {
    private static final long serialVersionUID = 1L;

    private final String nodeId;

    /** Creates the exception for the given node. */
    public StepFailedException(String nodeId, Throwable cause) {
        super("step of node '" + nodeId + "' failed: " + describe(cause), cause);
        this.nodeId = nodeId;
    }

    /** The node whose step failed, qualified with its sub-workflow path. */
    public String nodeId() {
        return nodeId;
    }

    private static String describe(Throwable cause) {
        String message = cause.getMessage();
        return message == null ? cause.getClass().getSimpleName() : message;
    }
}
