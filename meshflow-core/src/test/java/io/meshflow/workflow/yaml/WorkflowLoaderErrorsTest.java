package io.meshflow.workflow.yaml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshflow.ValidationException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of mistake, each reported with its file and line, all at once. */
class WorkflowLoaderErrorsTest {
    private final WorkflowLoader loader = WorkflowLoader.builder().build();

    @TempDir
    Path dir;

    private List<String> problems(String yaml) {
        return loader.validate(yaml, "reflect.yaml");
    }

    private Path write(String name, String yaml) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, yaml);
        return file;
    }

    private static final String VALID_TAIL = """
            nodes:
              - id: a
                function: identity
            """;

    @Test
    void malformedYaml_reportsSyntaxErrorWithLine() {
        List<String> problems = problems("""
                name: x
                nodes:
                  - id: a
                    function: [identity
                edges: []
                """);

        assertThat(problems).hasSize(1);
        assertThat(problems.get(0)).startsWith("reflect.yaml:5: YAML syntax error");
    }

    @Test
    void malformedYaml_badIndentation_reportsLine() {
        List<String> problems = problems("name: x\nnodes:\n  - id: a\n function: identity\n");

        assertThat(problems).singleElement().asString().startsWith("reflect.yaml:4: YAML syntax error");
    }

    @Test
    void emptyFile_isReported() {
        assertThat(problems("# nothing here\n"))
                .containsExactly("reflect.yaml: the file is empty; a workflow needs at least name: and nodes:");
    }

    @Test
    void topLevelNotAMapping_isReported() {
        assertThat(problems("- a\n- b\n"))
                .singleElement()
                .asString()
                .startsWith("reflect.yaml:1: the file must be a mapping of keys to values, got a list");
    }

    @Test
    void missingName_reportsFileAndLine() {
        assertThat(problems(VALID_TAIL))
                .containsExactly("reflect.yaml:1: missing required key 'name' (the workflow's name)");
    }

    @Test
    void wrongType_maxIterationsText_reportsLineOfTheValue() {
        List<String> problems = problems("""
                name: x
                nodes:
                  - {id: a, function: identity}
                  - {id: b, function: identity}
                edges: [{from: a, to: b}]
                loops:
                  - from: b
                    to: a
                    when: 'output == "again"'
                    max_iterations: "many"
                """);

        assertThat(problems)
                .containsExactly(
                        "reflect.yaml:10: loop edge b -> a: max_iterations must be an integer, got the string \"many\"");
    }

    @Test
    void wrongType_nodesNotAList_reportsLine() {
        List<String> problems = problems("name: x\nnodes:\n  a: {function: identity}\n");

        assertThat(problems)
                .singleElement()
                .asString()
                .startsWith("reflect.yaml:3: nodes must be a list (items starting with '- '), got a mapping");
    }

    @Test
    void wrongType_temperatureText_andAgentLimitOutOfRange_reportTheirLines() {
        List<String> problems = problems("""
                name: x
                agents:
                  - id: w
                    temperature: hot
                  - id: v
                    temperature: 3.5
                nodes: [{id: a, agent: w}, {id: b, agent: v}]
                edges: [{from: a, to: b}]
                """);

        assertThat(problems)
                .containsExactly(
                        "reflect.yaml:4: agent 'w': temperature must be a number, got the string \"hot\"",
                        "reflect.yaml:6: agent v: temperature must be within 0..2, got 3.5");
    }

    @Test
    void unknownTopLevelKey_isReportedWithSuggestion() {
        List<String> problems = problems("name: x\nnode:\n  - {id: a, function: identity}\n" + VALID_TAIL);

        assertThat(problems)
                .containsExactly(
                        "reflect.yaml:2: unknown key 'node' (did you mean 'nodes'?); allowed keys: name, description, task,"
                                + " policy, providers, mcp_servers, agents, nodes, entry, edges, loops");
    }

    @Test
    void unknownNodeKey_isReportedNotIgnored() {
        List<String> problems = problems("""
                name: x
                agents: [{id: w}]
                nodes:
                  - id: a
                    agent: w
                    instructons: be brief
                """);

        assertThat(problems)
                .singleElement()
                .asString()
                .startsWith("reflect.yaml:6: node 'a': unknown key 'instructons'");
    }

    @Test
    void unknownAgentKey_camelCase_suggestsSnakeCase() {
        List<String> problems =
                problems("name: x\nagents:\n  - id: w\n    maxTokens: 10\nnodes: [{id: a, agent: w}]\n");

        assertThat(problems)
                .singleElement()
                .asString()
                .startsWith("reflect.yaml:4: agent 'w': unknown key 'maxTokens' (did you mean 'max_tokens'?)");
    }

    @Test
    void duplicateKey_isReportedWithBothLines() {
        List<String> problems = problems("name: x\nname: y\n" + VALID_TAIL);

        assertThat(problems).containsExactly("reflect.yaml:2: duplicate key 'name' (first given on line 1)");
    }

    @Test
    void unknownAgent_referencedByNode_listsKnownAgents() {
        List<String> problems = problems("""
                name: x
                agents:
                  - id: writer
                  - id: critic
                nodes:
                  - id: a
                    agent: wrtier
                """);

        assertThat(problems)
                .containsExactly("reflect.yaml:7: node 'a': unknown agent 'wrtier' (did you mean"
                        + " 'writer'?); known agents: writer, critic");
    }

    @Test
    void duplicateNodeId_reportsBothLines() {
        List<String> problems = problems("""
                name: x
                nodes:
                  - id: a
                    function: identity
                  - id: a
                    function: identity
                """);

        assertThat(problems)
                .containsExactly("reflect.yaml:5: node 'a': duplicate node id 'a' (first declared on line 3)");
    }

    @Test
    void invalidNodeId_isReported() {
        assertThat(problems("name: x\nnodes: [{id: 'a b', function: identity}]\n"))
                .containsExactly("reflect.yaml:2: node 'a b': node id 'a b' must be 1-64 letters, digits, '_' or '-'");
    }

    @Test
    void edge_unknownSource_reportsFileAndLine() {
        List<String> problems = problems("""
                name: reflect
                nodes:
                  - {id: generate, function: identity}
                  - {id: critique, function: identity}
                edges:
                  - from: genrate
                    to: critique
                """);

        // generate and critique lose their edge, which is not reported again as "not connected"
        assertThat(problems)
                .singleElement()
                .asString()
                .isEqualTo("reflect.yaml:6: edge from 'genrate': unknown node 'genrate'"
                        + " (did you mean 'generate'?); known nodes: generate, critique");
    }

    @Test
    void edge_unknownTargetInAList_reportsTheLineOfThatTarget() {
        List<String> problems = problems("""
                name: x
                nodes:
                  - {id: a, function: identity}
                  - {id: b, function: identity}
                edges:
                  - from: a
                    to:
                      - b
                      - c
                """);

        assertThat(problems)
                .containsExactly("reflect.yaml:9: edge from 'a' to 'c': unknown node 'c'; known nodes: a, b");
    }

    @Test
    void loopEdge_unknownTarget_reportsFileAndLine() {
        List<String> problems = problems("""
                name: x
                nodes:
                  - {id: generate, function: identity}
                  - {id: refine, function: identity}
                edges: [{from: generate, to: refine}]
                loops:
                  - from: refine
                    to: generat
                    when: 'output contains "REVISE"'
                """);

        assertThat(problems)
                .containsExactly("reflect.yaml:8: loop edge from 'refine' to 'generat': unknown node"
                        + " 'generat' (did you mean 'generate'?); known nodes: generate, refine");
    }

    @Test
    void entry_declaredNodesStartTheRun_andUnknownOrFedEntriesAreReported() {
        WorkflowFile file = loader.load("""
                name: x
                entry: a
                nodes:
                  - {id: a, function: identity}
                  - {id: b, function: identity}
                edges: [{from: a, to: b}]
                """, "x.yaml");
        var plan = file.workflow().plan();
        assertThat(plan.entries()).containsExactly(plan.indexOf("a"));

        List<String> problems = problems("""
                name: x
                entry:
                  - a
                  - b
                  - zz
                nodes:
                  - {id: a, function: identity}
                  - {id: b, function: identity}
                edges: [{from: a, to: b}]
                """);
        assertThat(problems)
                .containsExactly(
                        "reflect.yaml:5: entry 'zz': unknown node 'zz'; known nodes: a, b",
                        "reflect.yaml:4: entry node 'b' has incoming edges; an entry must not wait for other nodes");
    }

    @Test
    void isolatedNode_isReportedOnItsLine() {
        List<String> problems = problems("""
                name: x
                nodes:
                  - {id: a, function: identity}
                  - {id: b, function: identity}
                  - {id: lonely, function: identity}
                edges: [{from: a, to: b}]
                """);

        assertThat(problems)
                .containsExactly("reflect.yaml:5: node 'lonely' is not connected to any other node; add an"
                        + " edge to or from it, or declare the entry nodes explicitly");
    }

    @Test
    void loopEdge_missingWhen_isReported() {
        List<String> problems =
                problems("name: x\nnodes: [{id: a, function: identity}]\nloops:\n  - {from: a, to: a}\n");

        assertThat(problems)
                .singleElement()
                .asString()
                .startsWith("reflect.yaml:4: loop edge a -> a: missing required key 'when'");
    }

    @Test
    void loopEdge_thatClosesNoLoop_isMappedToItsLine() {
        List<String> problems = problems("""
                name: x
                nodes:
                  - {id: a, function: identity}
                  - {id: b, function: identity}
                edges: [{from: a, to: b}]
                loops:
                  - {from: a, to: b, when: 'true'}
                """);

        assertThat(problems)
                .singleElement()
                .asString()
                .startsWith("reflect.yaml:7: loop edge a -> b: 'b' does not lead back to 'a'");
    }

    @Test
    void unknownType_listsKnownTypes() {
        List<String> problems = problems("name: x\nnodes:\n  - id: a\n    type: agnet\n    agent: w\n");

        assertThat(problems).hasSize(1);
        assertThat(problems.get(0))
                .startsWith("reflect.yaml:4: node 'a': unknown type 'agnet' (did you mean 'agent'?); known types: ")
                .contains("agent", "function", "workflow");
    }

    @Test
    void missingType_withoutAgent_isReported() {
        assertThat(problems("name: x\nnodes:\n  - id: a\n"))
                .singleElement()
                .asString()
                .startsWith("reflect.yaml:3: node 'a': missing type:");
    }

    @Test
    void unknownFunction_listsKnownFunctions() {
        assertThat(problems("name: x\nnodes:\n  - id: a\n    function: idenity\n"))
                .containsExactly("reflect.yaml:4: node 'a': unknown function 'idenity' (did you mean 'identity'?);"
                        + " known functions: identity, join_inputs; or give the class name of a"
                        + " io.meshflow.workflow.StepFunction");
    }

    @Test
    void functionClass_notAStepFunction_isReported() {
        assertThat(problems("name: x\nnodes:\n  - id: a\n    function: java.lang.String\n"))
                .containsExactly("reflect.yaml:4: node 'a': function class 'java.lang.String' does not implement"
                        + " io.meshflow.workflow.StepFunction");
        assertThat(problems("name: x\nnodes:\n  - id: a\n    function: com.example.Missing\n"))
                .containsExactly(
                        "reflect.yaml:4: node 'a': function class 'com.example.Missing' is not on the classpath");
    }

    @Test
    void badExpression_reportsLineAndColumn() {
        List<String> problems = problems("""
                name: x
                nodes:
                  - {id: a, function: identity}
                  - {id: b, function: identity}
                edges:
                  - from: a
                    to: b
                    when: 'output > 3'
                """);

        assertThat(problems)
                .singleElement()
                .asString()
                .startsWith("reflect.yaml:8: edge from 'a': condition 'output > 3' at column 1: '>' compares numbers");
    }

    @Test
    void badExpression_syntaxError_reportsColumn() {
        List<String> problems = problems("""
                name: x
                nodes:
                  - {id: a, function: identity}
                loops:
                  - from: a
                    to: a
                    when: 'outputs.a contains'
                """);

        assertThat(problems)
                .containsExactly("reflect.yaml:7: loop edge a -> a: condition 'outputs.a contains' at"
                        + " column 19: expected a value, but the condition ends here");
    }

    @Test
    void cycleOfOrdinaryEdges_reportsTheLineOfAnEdgeOnIt() {
        List<String> problems = problems("""
                name: x
                nodes:
                  - {id: a, function: identity}
                  - {id: b, function: identity}
                  - {id: c, function: identity}
                edges:
                  - {from: a, to: b}
                  - {from: b, to: c}
                  - {from: c, to: b}
                """);

        assertThat(problems).hasSize(1);
        assertThat(problems.get(0))
                .startsWith("reflect.yaml:8: cycle made of ordinary edges: b -> c -> b;")
                .contains("loops:");
    }

    @Test
    void unreachableNode_reportsTheNodesLine() {
        List<String> problems = problems("""
                name: x
                nodes:
                  - {id: a, function: identity}
                  - {id: b, function: identity}
                  - {id: c, function: identity}
                  - {id: d, function: identity}
                edges:
                  - {from: b, to: c}
                  - {from: c, to: b}
                  - {from: c, to: d}
                """);

        assertThat(problems)
                .contains(
                        "reflect.yaml:4: node 'b' is unreachable from the entry nodes [a]",
                        "reflect.yaml:5: node 'c' is unreachable from the entry nodes [a]",
                        "reflect.yaml:6: node 'd' is unreachable from the entry nodes [a]");
    }

    @Test
    void badDuration_reportsLineAndAcceptedForms() {
        List<String> problems = problems("name: x\npolicy:\n  step_timeout: 30 seconds\n" + VALID_TAIL);

        assertThat(problems)
                .containsExactly(
                        "reflect.yaml:3: policy: step_timeout: invalid duration '30 seconds';"
                                + " write a number with a unit (500ms, 30s, 5m, 1h, 2d, 1h30m), 0 for none, or ISO-8601 such as PT30S");
    }

    @Test
    void durations_inEveryAcceptedForm() {
        WorkflowFile file =
                loader.load("name: x\npolicy: {step_timeout: 500ms, run_timeout: PT1H30M}\n" + VALID_TAIL, "x.yaml");

        assertThat(file.workflow().policy().orElseThrow().stepTimeout()).isEqualTo(java.time.Duration.ofMillis(500));
        assertThat(file.workflow().policy().orElseThrow().runTimeout()).isEqualTo(java.time.Duration.ofMinutes(90));
    }

    @Test
    void durability_async_isReadIntoThePolicy_andSyncIsTheDefault() {
        WorkflowFile async = loader.load("name: x\npolicy: {durability: async}\n" + VALID_TAIL, "x.yaml");
        WorkflowFile plain = loader.load("name: x\npolicy: {max_steps: 5}\n" + VALID_TAIL, "x.yaml");

        assertThat(async.workflow().policy().orElseThrow().durability()).isEqualTo(io.meshflow.ledger.Durability.ASYNC);
        assertThat(plain.workflow().policy().orElseThrow().durability()).isEqualTo(io.meshflow.ledger.Durability.SYNC);
    }

    @Test
    void scrubPhi_isReadIntoThePolicy_andAWrongTypeIsReported() {
        WorkflowFile file = loader.load("name: x\npolicy: {scrub_phi: true}\n" + VALID_TAIL, "x.yaml");
        List<String> problems = problems("name: x\npolicy:\n  scrub_phi: maybe\n" + VALID_TAIL);

        assertThat(file.workflow().policy().orElseThrow().scrubPhi()).isTrue();
        assertThat(problems).hasSize(1);
        assertThat(problems.get(0)).startsWith("reflect.yaml:3: ").contains("scrub_phi");
    }

    @Test
    void unknownDurability_isReportedWithItsLine() {
        List<String> problems = problems("name: x\npolicy:\n  durability: eventually\n" + VALID_TAIL);

        assertThat(problems)
                .containsExactly("reflect.yaml:3: policy: policy durability must be sync or async, got 'eventually'");
    }

    @Test
    void maxIterationsBelowOne_isReported() {
        List<String> problems = problems("""
                name: x
                nodes: [{id: a, function: identity}]
                loops:
                  - {from: a, to: a, when: 'true', max_iterations: 0}
                """);

        assertThat(problems)
                .containsExactly("reflect.yaml:4: loop edge a -> a: max_iterations must be at least 1, got 0");
    }

    @Test
    void unknownPolicyMode_listsKnownModes() {
        List<String> problems = problems("name: x\npolicy:\n  mode: strikt\n" + VALID_TAIL);

        assertThat(problems)
                .containsExactly("reflect.yaml:3: policy: unknown policy mode 'strikt' (did you mean"
                        + " 'strict'?); known modes: dev, standard, strict, hipaa");
    }

    @Test
    void negativePolicyValue_isReported() {
        List<String> problems = problems("name: x\npolicy:\n  max_steps: -1\n" + VALID_TAIL);

        assertThat(problems).containsExactly("reflect.yaml:3: policy: max_steps must be at least 0, got -1");
    }

    @Test
    void unknownProvider_namesTheModuleToAdd() {
        List<String> problems = problems("""
                name: x
                providers:
                  anthropic: {model: claude}
                agents:
                  - id: w
                    provider: anthropic
                nodes: [{id: a, agent: w}]
                """);

        assertThat(problems).hasSize(2);
        assertThat(problems.get(0))
                .startsWith("reflect.yaml:3: providers: unknown provider 'anthropic'")
                .contains("io.meshflow:meshflow-provider-anthropic")
                .contains("available providers: echo-test, scripted");
        assertThat(problems.get(1)).startsWith("reflect.yaml:6: agent 'w': unknown provider 'anthropic'");
    }

    @Test
    void providerFactoryRejectingItsSettings_isReportedAtTheProvidersLine() {
        List<String> problems = problems("""
                name: x
                providers:
                  echo-test: {prefix: [1, 2]}
                agents: [{id: w, provider: echo-test}]
                nodes: [{id: a, agent: w}]
                """);

        assertThat(problems).containsExactly("reflect.yaml:3: provider 'echo-test': prefix must be text");
    }

    @Test
    void scriptedSettings_unknownKey_isReported() {
        List<String> problems = problems("name: x\nproviders:\n  scripted:\n    token_delay: 5\n" + VALID_TAIL);

        assertThat(problems)
                .singleElement()
                .asString()
                .startsWith("reflect.yaml:4: providers.scripted: unknown key 'token_delay' (did you mean"
                        + " 'token_delay_ms'?)");
    }

    @Test
    void script_withANonTextReply_isReported() {
        List<String> problems = problems(
                "name: x\nagents:\n  - id: w\n    script:\n      - ok\n      - {a: b}\nnodes: [{id: a, agent: w}]\n");

        assertThat(problems)
                .containsExactly("reflect.yaml:6: agent 'w': each reply of script must be text, or a tool call"
                        + " ({tool: name, arguments: {..}} or {tool_calls: [..]}), got a mapping without tool: or"
                        + " tool_calls:");
    }

    @Test
    void missingNodes_isReported() {
        assertThat(problems("name: x\n"))
                .containsExactly("reflect.yaml:1: missing required key 'nodes' (the steps of the workflow)");
    }

    @Test
    void include_parentDirectory_isRefused() throws IOException {
        write("secret.yaml", "name: s\n" + VALID_TAIL);
        Path main = write("flows/main.yaml", "name: m\nnodes:\n  - id: s\n    workflow: ../secret.yaml\n");

        List<String> problems = loader.validate(main);

        assertThat(problems)
                .containsExactly(main + ":4: node 's': workflow: '../secret.yaml' leaves the directory" + " of " + main
                        + "; included files must be inside it");
    }

    @Test
    void include_sneakyParentDirectory_isRefused() throws IOException {
        write("secret.yaml", "name: s\n" + VALID_TAIL);
        Path main = write("flows/main.yaml", "name: m\nnodes:\n  - id: s\n    workflow: parts/../../secret.yaml\n");

        assertThat(loader.validate(main)).singleElement().asString().contains("leaves the directory");
    }

    @Test
    void include_absolutePath_isRefused() throws IOException {
        Path other = write("other.yaml", "name: o\n" + VALID_TAIL);
        Path main = write("main.yaml", "name: m\nnodes:\n  - id: s\n    workflow: " + other.toAbsolutePath() + "\n");

        assertThat(loader.validate(main))
                .singleElement()
                .asString()
                .startsWith(main + ":4: node 's': workflow: '" + other.toAbsolutePath() + "' is an absolute path");
    }

    @Test
    void include_symlinkLeavingTheDirectory_isRefused() throws IOException {
        Path outside = write("outside/secret.yaml", "name: s\n" + VALID_TAIL);
        Path main = write("flows/main.yaml", "name: m\nnodes:\n  - id: s\n    workflow: link.yaml\n");
        try {
            Files.createSymbolicLink(dir.resolve("flows/link.yaml"), outside);
        } catch (UnsupportedOperationException | IOException e) {
            return; // no symbolic links on this file system
        }

        assertThat(loader.validate(main)).singleElement().asString().contains("through a symbolic link");
    }

    @Test
    void include_missingFile_isReported() throws IOException {
        Path main = write("main.yaml", "name: m\nnodes:\n  - id: s\n    workflow: parts/nope.yaml\n");

        assertThat(loader.validate(main))
                .singleElement()
                .asString()
                .startsWith(main + ":4: node 's': workflow: file not found: 'parts/nope.yaml'");
    }

    @Test
    void include_cycle_isReportedWithTheChain() throws IOException {
        Path a = write("a.yaml", "name: a\nnodes:\n  - id: to_b\n    workflow: b.yaml\n");
        write("b.yaml", "name: b\nnodes:\n  - id: to_a\n    workflow: a.yaml\n");

        List<String> problems = loader.validate(a);

        String b = dir.resolve("b.yaml").toString();
        assertThat(problems)
                .containsExactly(
                        a + ":4: node 'to_b': included file " + b + " is invalid:",
                        b + ":4: node 'to_a': include cycle: " + a + " -> " + b + " -> " + a
                                + "; a file cannot include itself");
    }

    @Test
    void include_selfInclusion_isACycle() throws IOException {
        Path a = write("a.yaml", "name: a\nnodes:\n  - id: me\n    workflow: a.yaml\n");

        assertThat(loader.validate(a)).singleElement().asString().contains("include cycle: " + a + " -> " + a);
    }

    @Test
    void include_invalidSubFile_reportsTheSubFilesLines() throws IOException {
        Path main = write("main.yaml", "name: m\nnodes:\n  - id: s\n    workflow: parts/sub.yaml\n");
        write("parts/sub.yaml", "name: sub\nnodes:\n  - id: x\n    agent: nobody\n");

        String sub = dir.resolve("parts/sub.yaml").toString();
        assertThat(loader.validate(main))
                .containsExactly(
                        main + ":4: node 's': included file " + sub + " is invalid:",
                        sub + ":4: node 'x': unknown agent 'nobody'; known agents: none");
    }

    @Test
    void include_fromText_isRefused() {
        assertThat(problems("name: m\nnodes:\n  - id: s\n    workflow: sub.yaml\n"))
                .singleElement()
                .asString()
                .startsWith("reflect.yaml:4: node 's': workflow: 'sub.yaml' cannot be included");
    }

    @Test
    void hugeFile_isRefusedBeforeParsing() throws IOException {
        Path huge = dir.resolve("huge.yaml");
        Files.writeString(huge, "name: x\n# " + "x".repeat((int) WorkflowLoader.MAX_FILE_BYTES) + "\n");

        List<String> problems = loader.validate(huge);

        assertThat(problems)
                .containsExactly(huge + ": refused: workflow files are limited to 1 MB (1048576 bytes)"
                        + " (this one has " + Files.size(huge) + " bytes)");
    }

    @Test
    void hugeText_isRefused() {
        String huge = "name: x\n# " + "é".repeat((int) WorkflowLoader.MAX_FILE_BYTES / 2) + "\n";

        assertThat(problems(huge))
                .containsExactly("reflect.yaml: refused: workflow files are limited to 1 MB (1048576 bytes)");
    }

    @Test
    void aliasBomb_inNodeSettings_isRefused() {
        StringBuilder yaml = new StringBuilder("name: x\nanchors:\n  - &l0 [a, a]\n");
        for (int i = 1; i <= 20; i++) {
            yaml.append("  - &l")
                    .append(i)
                    .append(" [*l")
                    .append(i - 1)
                    .append(", *l")
                    .append(i - 1)
                    .append("]\n");
        }
        yaml.append("nodes:\n  - id: n\n    type: upper\n    suffix: *l20\n");

        List<String> problems = problems(yaml.toString());

        assertThat(problems)
                .contains(
                        "reflect.yaml:27: node 'n': suffix: refused: the value has more than 100000 parts once its aliases"
                                + " are expanded");
    }

    @Test
    void missingFile_isReported() {
        Path nowhere = dir.resolve("nowhere.yaml");

        assertThat(loader.validate(nowhere)).containsExactly(nowhere + ": file not found");
        assertThatThrownBy(() -> loader.load(nowhere))
                .isInstanceOf(ValidationException.class)
                .hasMessage(nowhere + ": file not found");
    }

    @Test
    void manyProblems_areAllReportedAtOnce_inFileOrder() {
        List<String> problems = problems("""
                nme: reflect
                policy:
                  mode: fast
                agents:
                  - id: writer
                    temprature: 0.2
                nodes:
                  - id: generate
                    agent: writter
                  - id: critique
                    type: judge
                edges:
                  - from: generate
                    to: critique
                    when: 'output >'
                loops:
                  - from: critique
                    to: generate
                    when: 'true'
                    max_iterations: 0
                """);

        assertThat(problems)
                .containsExactly(
                        "reflect.yaml:1: unknown key 'nme' (did you mean 'name'?); allowed keys: name, description, task,"
                                + " policy, providers, mcp_servers, agents, nodes, entry, edges, loops",
                        "reflect.yaml:1: missing required key 'name' (the workflow's name)",
                        "reflect.yaml:3: policy: unknown policy mode 'fast'; known modes: dev, standard, strict, hipaa",
                        "reflect.yaml:6: agent 'writer': unknown key 'temprature' (did you mean 'temperature'?); allowed"
                                + " keys: id, role, instructions, model, provider, max_tokens, temperature,"
                                + " reports_confidence, max_tool_rounds, policy, tools, memory, script",
                        "reflect.yaml:9: node 'generate': unknown agent 'writter' (did you mean 'writer'?); known agents:"
                                + " writer",
                        "reflect.yaml:11: node 'critique': unknown type 'judge'; known types: agent, function, upper,"
                                + " workflow",
                        "reflect.yaml:15: edge from 'generate': condition 'output >' at column 9: expected a value, but the"
                                + " condition ends here",
                        "reflect.yaml:20: loop edge critique -> generate: max_iterations must be at least 1, got 0");
    }

    @Test
    void graphProblems_areReportedTogetherWithOtherProblems() {
        List<String> problems = problems("""
                name: x
                agents: [{id: w, max_tokens: 0}]
                nodes:
                  - {id: a, agent: w}
                  - {id: b, function: identity}
                edges:
                  - {from: b, to: b}
                """);

        assertThat(problems)
                .containsExactly(
                        "reflect.yaml:2: agent 'w': max_tokens must be at least 1, got 0",
                        "reflect.yaml:4: node 'a' is not connected to any other node; add an edge to or from it, or"
                                + " declare the entry nodes explicitly",
                        "reflect.yaml:7: cycle made of ordinary edges: b -> b; declare the back-edge with addLoopEdge"
                                + " (YAML: loops:) so it has a condition and a cap",
                        "reflect.yaml:5: node 'b' is unreachable from the entry nodes [a]");
    }
}
