package io.meshflow.workflow.yaml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshflow.ValidationException;
import io.meshflow.agent.Agent;
import io.meshflow.policy.Policy;
import io.meshflow.provider.ChatMessage;
import io.meshflow.provider.LlmRequest;
import io.meshflow.provider.ScriptedProvider;
import io.meshflow.workflow.AgentNode;
import io.meshflow.workflow.FunctionNode;
import io.meshflow.workflow.LoopEdge;
import io.meshflow.workflow.Node;
import io.meshflow.workflow.NodeType;
import io.meshflow.workflow.WorkflowDefinition;
import io.meshflow.workflow.WorkflowNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class WorkflowLoaderTest {
    private static final Path FIXTURES = Path.of("src/test/resources/yaml");

    private final WorkflowLoader loader =
            WorkflowLoader.builder().function("shout", new ShoutFunction()).build();

    private WorkflowFile full() {
        return loader.load(FIXTURES.resolve("full.yaml"));
    }

    private static Node node(WorkflowDefinition workflow, String id) {
        return Objects.requireNonNull(workflow.nodes().get(id), id);
    }

    private static Agent agent(WorkflowDefinition workflow, String nodeId) {
        return ((AgentNode) node(workflow, nodeId)).agent();
    }

    private static WorkflowDefinition included(WorkflowDefinition workflow, String nodeId) {
        return ((WorkflowNode) node(workflow, nodeId)).workflow();
    }

    private static LlmRequest request(String agentId) {
        return new LlmRequest(agentId, "s1", "", "", List.of(ChatMessage.user("go")), List.of(), 100, null);
    }

    @Test
    void load_fullFile_readsNameDescriptionTaskAndSource() {
        WorkflowFile file = full();

        assertThat(file.workflow().name()).isEqualTo("full");
        assertThat(file.workflow().description()).isEqualTo("Every feature of the format");
        assertThat(file.task()).isEqualTo("Summarise the incident");
        assertThat(file.source()).isEqualTo(FIXTURES.resolve("full.yaml").toString());
    }

    @Test
    void load_fullFile_appliesPolicyPresetThenOverrides() {
        Policy policy = full().workflow().policy().orElseThrow();

        assertThat(policy.maxSteps()).isEqualTo(30);
        assertThat(policy.maxTokens()).isEqualTo(100_000);
        assertThat(policy.maxCostUsd()).isEqualTo(1.5);
        assertThat(policy.maxOutputChars()).isEqualTo(4000);
        assertThat(policy.stepTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(policy.runTimeout()).isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void policy_presetOnly_keepsThePresetsValues() {
        WorkflowFile file = loader.load("""
                name: p
                policy: {mode: dev}
                nodes: [{id: a, function: identity}]
                """, "p.yaml");

        assertThat(file.workflow().policy()).contains(Policy.forMode("dev"));
    }

    @Test
    void policy_absent_leavesTheWorkflowWithoutPolicy() {
        WorkflowFile file = loader.load("name: p\nnodes: [{id: a, function: identity}]\n", "p.yaml");

        assertThat(file.workflow().policy()).isEmpty();
        assertThat(file.task()).isNull();
    }

    @Test
    void load_fullFile_createsNodesInDeclarationOrderWithTheirTypes() {
        Map<String, Node> nodes = full().workflow().nodes();

        assertThat(nodes).containsOnlyKeys("generate", "critique", "refine", "urgent", "publish", "echo", "upper");
        assertThat(nodes.keySet())
                .containsExactly("generate", "critique", "refine", "urgent", "publish", "echo", "upper");
        assertThat(Objects.requireNonNull(nodes.get("generate"))).isInstanceOf(AgentNode.class);
        assertThat(Objects.requireNonNull(nodes.get("critique")).agentId()).isEqualTo("critic");
        assertThat(Objects.requireNonNull(nodes.get("refine"))).isInstanceOf(FunctionNode.class);
        assertThat(Objects.requireNonNull(nodes.get("publish"))).isInstanceOf(FunctionNode.class);
        assertThat(Objects.requireNonNull(nodes.get("upper")).type()).isEqualTo("function");
    }

    @Test
    void load_fullFile_buildsAgentsWithEverySetting() {
        WorkflowFile file = full();
        Agent writer = agent(file.workflow(), "generate");

        assertThat(writer.id()).isEqualTo("writer");
        assertThat(writer.role()).isEqualTo("Writer");
        assertThat(writer.instructions()).isEqualTo("You write concise prose.");
        assertThat(writer.model()).isEqualTo("small-model");
        assertThat(writer.maxTokens()).isEqualTo(512);
        assertThat(writer.temperature()).isEqualTo(0.3);
        assertThat(writer.reportsConfidence()).isTrue();
        assertThat(writer.maxToolRounds()).isEqualTo(2);
        assertThat(writer.provider()).isSameAs(file.scripted());

        Agent critic = agent(file.workflow(), "critique");
        assertThat(critic.instructions()).isEqualTo("Answer REVISE or APPROVED,\nthen say why.\n");
        assertThat(critic.temperature()).isNull();
    }

    @Test
    void load_fullFile_createsOtherProvidersThroughTheirFactoryWithTheFilesSettings() {
        Agent echoer = agent(full().workflow(), "echo");

        assertThat(echoer.provider()).isInstanceOf(EchoProviderFactory.Echo.class);
        assertThat(((EchoProviderFactory.Echo) Objects.requireNonNull(echoer.provider())).settings())
                .containsEntry("prefix", ">> ");
        assertThat(Objects.requireNonNull(echoer.policy()).maxSteps()).isEqualTo(3);
    }

    @Test
    void load_fullFile_scriptedProviderRepliesFromTheAgentsScripts() {
        ScriptedProvider scripted = full().scripted();

        assertThat(scripted.complete(request("writer")).content()).isEqualTo("Draft one");
        assertThat(scripted.complete(request("writer")).content()).isEqualTo("Draft two");
        // repeat_last: true
        assertThat(scripted.complete(request("writer")).content()).isEqualTo("Draft two");
        assertThat(scripted.complete(request("critic")).content()).isEqualTo("REVISE: too long");
        // fallback for agents without a script
        assertThat(scripted.complete(request("nobody")).content()).isEqualTo("text for calls no script matches");
    }

    @Test
    void load_fullFile_scriptedProviderUsesPricing() {
        var response = full().scripted().complete(request("writer"));

        assertThat(response.costUsd()).isPositive();
    }

    @Test
    void load_fullFile_readsOrdinaryEdgesIncludingFanOut() {
        WorkflowDefinition workflow = full().workflow();

        assertThat(workflow.edges())
                .containsExactly(
                        Map.entry("generate", "critique"),
                        Map.entry("critique", "refine"),
                        Map.entry("refine", "publish"),
                        Map.entry("refine", "echo"),
                        Map.entry("echo", "upper"));
    }

    @Test
    void load_fullFile_conditionalEdgeRoutesByItsCondition() {
        WorkflowDefinition workflow = full().workflow();

        assertThat(workflow.routers()).hasSize(1);
        WorkflowDefinition.Router router = workflow.routers().get(0);
        assertThat(router.from()).isEqualTo("critique");
        assertThat(router.targets()).containsExactly("urgent");
        assertThat(router.router().route("This is URGENT", FakeRoute.empty())).containsExactly("urgent");
        assertThat(router.router().route("routine", FakeRoute.empty())).isEmpty();
    }

    @Test
    void load_fullFile_loopEdgesHaveConditionAndCap() {
        List<LoopEdge> loops = full().workflow().loops();

        assertThat(loops).hasSize(2);
        LoopEdge refine = loops.get(0);
        assertThat(refine.from()).isEqualTo("refine");
        assertThat(refine.to()).isEqualTo("generate");
        assertThat(refine.maxIterations()).isEqualTo(5);
        assertThat(refine.condition().test("", FakeRoute.withOutputs(Map.of("critique", "REVISE: shorter"))))
                .isTrue();
        assertThat(refine.condition().test("", FakeRoute.withOutputs(Map.of("critique", "APPROVED"))))
                .isFalse();
        assertThat(refine.condition()).hasToString("outputs.critique contains \"REVISE\"");
        assertThat(loops.get(1).maxIterations()).isEqualTo(LoopEdge.DEFAULT_MAX_ITERATIONS);
    }

    @Test
    void functions_registeredBuiltinAndNamedByClass_run() throws Exception {
        Map<String, Node> nodes = full().workflow().nodes();
        var context = new FakeNodeContext("task", Map.of("critique", "ok"));

        assertThat(Objects.requireNonNull(nodes.get("refine")).execute(context).output())
                .isEqualTo("ok");
        assertThat(Objects.requireNonNull(nodes.get("publish")).execute(context).output())
                .isEqualTo("OK!");

        WorkflowFile byClass = loader.load("""
                name: c
                nodes:
                  - id: s
                    function: io.meshflow.workflow.yaml.ShoutFunction
                """, "c.yaml");
        assertThat(node(byClass.workflow(), "s").execute(context).output()).isEqualTo("OK!");
    }

    @Test
    void joinInputs_labelsEachInputWithItsSourceInOrder() throws Exception {
        Node urgent = node(full().workflow(), "urgent");
        var inputs = new java.util.LinkedHashMap<String, String>();
        inputs.put("liability", "Capped at fees.");
        inputs.put("termination", "30 days notice.");

        String joined = urgent.execute(new FakeNodeContext("t", inputs)).output();

        assertThat(joined)
                .isEqualTo("Output of liability:\nCapped at fees.\n\nOutput of termination:\n30 days notice.");
        assertThat(urgent.execute(new FakeNodeContext("the task", Map.of())).output())
                .isEqualTo("the task");
    }

    @Test
    void customNodeType_registeredThroughServiceLoader_isCreatedWithItsSettings() throws Exception {
        Node upper = node(full().workflow(), "upper");

        assertThat(upper.execute(new FakeNodeContext("t", Map.of("echo", "hi"))).output())
                .isEqualTo("HI!");
    }

    @Test
    void nodeTypeServiceFile_registersTheThreeBuiltIns() {
        List<String> names = ServiceLoader.load(NodeType.class).stream()
                .map(p -> p.get().name())
                .toList();

        assertThat(names).contains("agent", "function", "workflow");
        assertThat(loader.nodeTypes()).containsKeys("agent", "function", "workflow", "upper");
    }

    @Test
    void builderNodeType_winsOverServiceLoader() throws Exception {
        NodeType lower = new NodeType() {
            @Override
            public String name() {
                return "upper";
            }

            @Override
            public Node create(io.meshflow.workflow.NodeSpec spec, io.meshflow.workflow.NodeFactoryContext context) {
                return new FunctionNode(spec.id(), (input, ctx) -> "lower");
            }
        };
        WorkflowLoader custom = WorkflowLoader.builder().nodeType(lower).build();

        WorkflowFile file = custom.load("name: x\nnodes: [{id: a, type: upper}]\n", "x.yaml");

        assertThat(node(file.workflow(), "a")
                        .execute(new FakeNodeContext("t", Map.of()))
                        .output())
                .isEqualTo("lower");
    }

    @Test
    void registeredProvider_isUsedByAgentsNamingIt_andByDefault() {
        ScriptedProvider mine = ScriptedProvider.builder().fallback("mine").build();
        WorkflowLoader custom = WorkflowLoader.builder().provider("house", mine).build();

        WorkflowFile file = custom.load("""
                name: x
                providers: {default: house}
                agents:
                  - id: a
                  - id: b
                    provider: scripted
                nodes: [{id: n1, agent: a}, {id: n2, agent: b}]
                edges: [{from: n1, to: n2}]
                """, "x.yaml");

        assertThat(agent(file.workflow(), "n1").provider()).isSameAs(mine);
        assertThat(agent(file.workflow(), "n2").provider()).isSameAs(file.scripted());
    }

    @Test
    void include_loadsTheSubWorkflowRelativeToTheFile() {
        WorkflowFile file = loader.load(FIXTURES.resolve("includes/parent.yaml"));

        Node sub = node(file.workflow(), "sub");
        assertThat(sub).isInstanceOf(WorkflowNode.class);
        WorkflowDefinition included = ((WorkflowNode) sub).workflow();
        assertThat(included.name()).isEqualTo("sub");
        assertThat(included.description()).isEqualTo("An included workflow");
        assertThat(included.nodes()).containsOnlyKeys("help", "pass");
        assertThat(included.edges()).containsExactly(Map.entry("help", "pass"));
        // the same file included twice is read once
        assertThat(included(file.workflow(), "again")).isSameAs(included);
    }

    @Test
    void include_subFileHasItsOwnScriptedProvider() {
        WorkflowFile file = loader.load(FIXTURES.resolve("includes/parent.yaml"));
        WorkflowDefinition included = included(file.workflow(), "sub");
        Agent helper = agent(included, "help");

        assertThat(helper.provider()).isInstanceOf(ScriptedProvider.class).isNotSameAs(file.scripted());
        assertThat(Objects.requireNonNull(helper.provider())
                        .complete(request("helper"))
                        .content())
                .isEqualTo("Help");
    }

    @Test
    void validate_validFile_returnsNoProblems() {
        assertThat(loader.validate(FIXTURES.resolve("full.yaml"))).isEmpty();
        assertThat(loader.validate("name: x\nnodes: [{id: a, function: identity}]\n", "x.yaml"))
                .isEmpty();
    }

    @Test
    void typeInference_functionAndWorkflowKeysImplyTheirType() {
        WorkflowFile file = loader.load("name: x\nnodes: [{id: a, function: identity}]\n", "x.yaml");

        assertThat(node(file.workflow(), "a")).isInstanceOf(FunctionNode.class);
    }

    @Test
    void yamlAnchorsAndMergeKeys_areSupported() {
        WorkflowFile file = loader.load("""
                name: x
                agents:
                  - &base {id: a, role: Reviewer, max_tokens: 300}
                  - <<: *base
                    id: b
                nodes: [{id: n1, agent: a}, {id: n2, agent: b}]
                edges: [{from: n1, to: n2}]
                """, "x.yaml");

        Agent b = agent(file.workflow(), "n2");
        assertThat(b.role()).isEqualTo("Reviewer");
        assertThat(b.maxTokens()).isEqualTo(300);
    }

    @Test
    void conditionalEdge_toAList_routesToAllTargetsWhenTrue() {
        WorkflowFile file = loader.load("""
                name: x
                nodes: [{id: a, function: identity}, {id: b, function: identity}, {id: c, function: identity}]
                edges:
                  - {from: a, to: [b, c], when: 'output == "go"'}
                """, "x.yaml");

        WorkflowDefinition.Router router = file.workflow().routers().get(0);
        assertThat(router.targets()).containsExactly("b", "c");
        assertThat(router.router().route("go", FakeRoute.empty())).containsExactly("b", "c");
        assertThat(router.router().route("stop", FakeRoute.empty())).isEmpty();
    }

    @Test
    void load_invalid_throwsValidationExceptionWithTheSameProblemsAsValidate() {
        String yaml = "name: x\nnodes: [{id: a, agent: ghost}]\n";

        assertThatThrownBy(() -> loader.load(yaml, "x.yaml"))
                .isInstanceOf(ValidationException.class)
                .satisfies(e ->
                        assertThat(((ValidationException) e).problems()).isEqualTo(loader.validate(yaml, "x.yaml")));
    }
}
