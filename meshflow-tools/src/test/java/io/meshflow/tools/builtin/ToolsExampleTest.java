package io.meshflow.tools.builtin;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshflow.Mesh;
import io.meshflow.RunResult;
import io.meshflow.ledger.RunStatus;
import io.meshflow.provider.ChatMessage;
import io.meshflow.tool.ToolRegistry;
import io.meshflow.workflow.yaml.WorkflowFile;
import io.meshflow.workflow.yaml.WorkflowLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** examples/tools.yaml runs on the offline model, and every tool result is the one its answer relies on. */
class ToolsExampleTest {
    @TempDir
    Path workspace;

    @Test
    void toolsExample_computesWithTools_andWritesItsReport() throws Exception {
        String yaml = Files.readString(Path.of("..", "examples", "tools.yaml"))
                .replaceAll("token_delay_ms: \\d+", "token_delay_ms: 0");
        ToolRegistry tools = ToolRegistry.of(
                BuiltinTools.builder().workspace(workspace).build().all().toArray(new io.meshflow.tool.Tool[0]));

        try (WorkflowFile file = WorkflowLoader.builder().tools(tools).build().load(yaml, "tools.yaml")) {
            RunResult result = Mesh.builder()
                    .provider(file.scripted())
                    .build()
                    .run(file.workflow(), java.util.Objects.requireNonNull(file.task()));

            assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
            assertThat(file.scripted().requests().getLast().messages())
                    .filteredOn(m -> m.role() == ChatMessage.Role.TOOL)
                    .extracting(ChatMessage::content)
                    .containsExactly(
                            "[120.5,42.25]",
                            "[80.0,310.0]",
                            "81.375",
                            "390",
                            "wrote 70 bytes to reports/orders.txt",
                            "Paid orders average 81.375; 390 is still unpaid (orders A-2 and A-4).\n");
            assertThat(workspace.resolve("reports/orders.txt"))
                    .hasContent("Paid orders average 81.375; 390 is still unpaid (orders A-2 and A-4).");
        }
    }

    @Test
    void installedRegistry_containsTheBuiltIns_throughServiceLoader() {
        assertThat(ToolRegistry.installed().names())
                .contains("web_search", "python_repl", "calculator", "json_query", "read_file");
    }
}
