package io.meshflow.runtime;

import io.meshflow.MeshFlowException;

/**
 * Thrown inside a step when its agent asks for a tool that needs a person's approval first; the step ends
 * {@code ESCALATE} with reason {@code tool_approval} and its branch waits.
 */
final class ToolApprovalRequired extends MeshFlowException {
    private static final long serialVersionUID = 1L;

    final String toolName;
    final String arguments;

    ToolApprovalRequired(String agentId, String toolName, String arguments) {
        super("agent '" + agentId + "' asked to call tool '" + toolName + "', which needs a person's approval");
        this.toolName = toolName;
        this.arguments = arguments;
    }
}
