package io.meshflow.examples;

import io.meshflow.Mesh;
import io.meshflow.RunRequest;
import io.meshflow.RunResult;
import io.meshflow.agent.Agent;
import io.meshflow.event.MeshEvent;
import io.meshflow.ledger.StepRecord;
import io.meshflow.provider.ScriptedProvider;
import io.meshflow.workflow.WorkflowDefinition;
import java.util.List;

/**
 * Contract triage: an intake agent rates a contract's risk; a conditional edge sends high-risk contracts to a legal
 * reviewer and the rest to a fast-track agent; a summariser then writes the decision. Runs offline on the scripted
 * model, streaming every token as it is generated.
 *
 * <pre>{@code ./mvnw -q -pl examples/java -am install -DskipTests && ./mvnw -q -pl examples/java exec:java}</pre>
 */
public final class ContractTriage {
    private ContractTriage() {}

    /** Triages the contract given as arguments (or a risky sample) and prints the streamed tokens and the result. */
    public static void main(String[] args) {
        String contract = args.length > 0
                ? String.join(" ", args)
                : "Supplier agreement: unlimited liability for the customer, renews automatically every year.";
        try (Mesh mesh = mesh()) {
            RunResult result = mesh.run(RunRequest.builder(contract)
                    .sink(ContractTriage::printTokens)
                    .build());
            List<String> path = result.steps().stream().map(StepRecord::nodeId).toList();
            System.out.printf("%n%n%s via %s: %s%n", result.status(), path, result.output());
        }
    }

    /** The triage workflow: intake, then legal review or fast track, then a summary. */
    public static WorkflowDefinition workflow() {
        Agent intake = Agent.builder("intake")
                .role("Contract intake analyst")
                .instructions("Rate the contract's risk: start with RISK: HIGH or RISK: LOW, then say why.")
                .build();
        Agent legal = Agent.builder("legal")
                .role("Senior legal reviewer")
                .instructions("Propose changes to the risky clauses.")
                .build();
        Agent fastTrack = Agent.builder("fast_track")
                .role("Contract manager")
                .instructions("Approve the contract on standard terms.")
                .build();
        Agent summary = Agent.builder("summary")
                .role("Account team assistant")
                .instructions("Summarise the decision in one sentence.")
                .build();
        return WorkflowDefinition.builder("contract-triage")
                .addAgentNode("intake", intake)
                .addAgentNode("legal_review", legal)
                .addAgentNode("fast_track", fastTrack)
                .addAgentNode("summary", summary)
                .addConditionalEdge(
                        "intake",
                        (output, context) -> List.of(output.contains("RISK: HIGH") ? "legal_review" : "fast_track"),
                        "legal_review",
                        "fast_track")
                .addEdge("legal_review", "summary")
                .addEdge("fast_track", "summary")
                .build();
    }

    /** A mesh running the triage workflow on the offline scripted model. */
    public static Mesh mesh() {
        ScriptedProvider model = ScriptedProvider.builder()
                .forAgent("legal", "Cap liability at twelve months of fees and make renewal opt-in.")
                .forAgent("fast_track", "Approved on standard terms.")
                // the summary's prompt carries the reviewer's output, so the reply follows the route taken
                .whenPromptContains("Output of legal_review", "Sent to legal: sign once liability is capped.")
                .whenPromptContains("Output of fast_track", "Fast-tracked: approved without legal review.")
                .whenPromptContains("unlimited liability", "RISK: HIGH, the contract asks for unlimited liability.")
                .fallback("RISK: LOW, standard terms with capped liability.")
                .repeatLastWhenExhausted()
                .build();
        return Mesh.builder().provider(model).workflow(workflow()).build();
    }

    private static void printTokens(MeshEvent event) {
        if (event instanceof MeshEvent.StepStart step && step.agentId() != null) {
            System.out.printf("%n[%s] ", step.agentId());
        } else if (event instanceof MeshEvent.TokenDelta token) {
            System.out.print(token.text());
        }
    }
}
