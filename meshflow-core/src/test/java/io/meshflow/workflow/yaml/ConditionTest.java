package io.meshflow.workflow.yaml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshflow.MeshFlowException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConditionTest {
    private static final List<String> NODES = List.of("generate", "critique", "clause-a");

    private static boolean eval(String expression, String output, FakeRoute context) throws ConditionException {
        return Condition.parse(expression, NODES).test(output, context);
    }

    private static boolean eval(String expression, String output) throws ConditionException {
        return eval(expression, output, FakeRoute.empty());
    }

    private static ConditionException error(String expression) {
        try {
            Condition.parse(expression, NODES);
        } catch (ConditionException e) {
            return e;
        }
        throw new AssertionError("expected '" + expression + "' to be refused");
    }

    // ---- operators on text

    @Test
    void contains_isCaseSensitive() throws Exception {
        assertThat(eval("output contains \"urgent\"", "this is urgent")).isTrue();
        assertThat(eval("output contains \"urgent\"", "this is URGENT")).isFalse();
    }

    @Test
    void icontains_ignoresCase() throws Exception {
        assertThat(eval("output icontains \"urgent\"", "this is URGENT")).isTrue();
        assertThat(eval("output icontains 'REVISE'", "please revise")).isTrue();
        assertThat(eval("output icontains 'x'", "none")).isFalse();
    }

    @Test
    void startsWithAndEndsWith_matchTheEnds() throws Exception {
        assertThat(eval("output starts_with \"APPROVED\"", "APPROVED: ship it")).isTrue();
        assertThat(eval("output starts_with \"APPROVED\"", "NOT APPROVED")).isFalse();
        assertThat(eval("output ends_with \"DONE\"", "all DONE")).isTrue();
        assertThat(eval("output ends_with \"DONE\"", "DONE?")).isFalse();
    }

    @Test
    void matches_findsARegexAnywhere() throws Exception {
        assertThat(eval("output matches \"score: [0-9]+\"", "final score: 42 points"))
                .isTrue();
        assertThat(eval("output matches '^score'", "final score: 42")).isFalse();
        assertThat(eval("output matches '(?i)revise'", "Please REVISE")).isTrue();
    }

    @Test
    void matches_regexFromAVariable_isCompiledWhenEvaluated() throws Exception {
        var context = new FakeRoute("[0-9]+", Map.of(), Map.of(), 0);
        assertThat(eval("output matches task", "abc 7", context)).isTrue();
        assertThat(eval("output matches task", "abc", context)).isFalse();
        var bad = new FakeRoute("([", Map.of(), Map.of(), 0);
        assertThatThrownBy(() -> eval("output matches task", "abc", bad))
                .isInstanceOf(MeshFlowException.class)
                .hasMessageContaining("regular expression");
    }

    @Test
    void textEquality_comparesWholeText() throws Exception {
        assertThat(eval("output == \"yes\"", "yes")).isTrue();
        assertThat(eval("output == \"yes\"", "yes!")).isFalse();
        assertThat(eval("output != \"yes\"", "no")).isTrue();
    }

    // ---- numbers

    @ParameterizedTest
    @CsvSource({
        "len(output) < 5, abcd, true",
        "len(output) < 4, abcd, false",
        "len(output) <= 4, abcd, true",
        "len(output) > 3, abcd, true",
        "len(output) > 4, abcd, false",
        "len(output) >= 4, abcd, true",
        "len(output) == 4, abcd, true",
        "len(output) != 4, abcd, false",
        "len(output) > 3.5, abcd, true",
        "len(output) > -1, '', true"
    })
    void numberComparisons(String expression, String output, boolean expected) throws Exception {
        assertThat(eval(expression, output)).isEqualTo(expected);
    }

    @Test
    void len_countsCharactersNotBytes() throws Exception {
        assertThat(eval("len(output) == 3", "héé")).isTrue();
        assertThat(eval("len(output) == 2", "😀😀")).isTrue();
    }

    @Test
    void runsAndSteps_readTheRunCounters() throws Exception {
        var context = new FakeRoute("t", Map.of(), Map.of("critique", 2), 17);
        assertThat(eval("runs.critique >= 2", "", context)).isTrue();
        assertThat(eval("runs.generate == 0", "", context)).isTrue();
        assertThat(eval("steps > 16 and steps < 18", "", context)).isTrue();
    }

    // ---- variables

    @Test
    void outputsOfANode_isItsLatestOutput_orEmptyWhenItHasNotRun() throws Exception {
        var context = FakeRoute.withOutputs(Map.of("critique", "REVISE: tighten the intro"));
        assertThat(eval("outputs.critique contains \"REVISE\"", "ignored", context))
                .isTrue();
        assertThat(eval("outputs.generate == \"\"", "ignored", context)).isTrue();
    }

    @Test
    void nodeIdsWithHyphens_canBeReferenced() throws Exception {
        var context = FakeRoute.withOutputs(Map.of("clause-a", "high risk"));
        assertThat(eval("outputs.clause-a contains 'high'", "", context)).isTrue();
    }

    @Test
    void task_isTheRunsTask() throws Exception {
        assertThat(eval("task starts_with 'the'", "")).isTrue();
    }

    @Test
    void literals_trueFalseAndNumbers() throws Exception {
        assertThat(eval("true", "")).isTrue();
        assertThat(eval("false", "")).isFalse();
        assertThat(eval("1 < 2", "")).isTrue();
        assertThat(eval("true == true", "")).isTrue();
    }

    @Test
    void stringEscapes_areDecoded() throws Exception {
        assertThat(eval("output == \"say \\\"hi\\\"\"", "say \"hi\"")).isTrue();
        assertThat(eval("output == 'it\\'s'", "it's")).isTrue();
        assertThat(eval("output == \"a\\nb\\tc\\\\\"", "a\nb\tc\\")).isTrue();
        assertThat(eval("output == 'double \" inside single'", "double \" inside single"))
                .isTrue();
    }

    // ---- logic and precedence

    @Test
    void andOrNot_combine() throws Exception {
        assertThat(eval("output contains 'a' and output contains 'b'", "ab")).isTrue();
        assertThat(eval("output contains 'a' and output contains 'b'", "a")).isFalse();
        assertThat(eval("output contains 'a' or output contains 'b'", "b")).isTrue();
        assertThat(eval("not output contains 'a'", "b")).isTrue();
        assertThat(eval("not not true", "")).isTrue();
    }

    @Test
    void and_bindsTighterThanOr() throws Exception {
        // true or (false and false) = true; (true or false) and false would be false
        assertThat(eval("true or false and false", "")).isTrue();
        assertThat(eval("(true or false) and false", "")).isFalse();
    }

    @Test
    void not_appliesToTheWholeComparison_andBindsTighterThanAnd() throws Exception {
        // not (output contains "x") and true
        assertThat(eval("not output contains 'x' and true", "y")).isTrue();
        assertThat(eval("not (output contains 'x' or output contains 'y')", "y"))
                .isFalse();
    }

    @Test
    void andOr_shortCircuit() throws Exception {
        var bad = new FakeRoute("([", Map.of(), Map.of(), 0);
        assertThat(eval("false and output matches task", "x", bad)).isFalse();
        assertThat(eval("true or output matches task", "x", bad)).isTrue();
    }

    @Test
    void toString_isTheSource() throws Exception {
        assertThat(Condition.parse("output contains 'x'", NODES)).hasToString("output contains 'x'");
    }

    // ---- errors, with columns

    @Test
    void typeError_numberComparisonOnText_reportsColumnOfTheText() {
        ConditionException e = error("output > 3");
        assertThat(e.column()).isEqualTo(1);
        assertThat(e.getMessage())
                .contains("'>' compares numbers")
                .contains("'output' is text")
                .contains("len(");
    }

    @Test
    void typeError_containsOnANumber() {
        ConditionException e = error("output contains 3");
        assertThat(e.column()).isEqualTo(17);
        assertThat(e.getMessage()).contains("'contains' works on text").contains("'3' is a number");
    }

    @Test
    void typeError_equalityOfDifferentKinds() {
        ConditionException e = error("runs.critique == \"2\"");
        assertThat(e.column()).isEqualTo(15);
        assertThat(e.getMessage()).contains("same kind").contains("'runs.critique' is a number");
    }

    @Test
    void typeError_andOnText() {
        ConditionException e = error("output and true");
        assertThat(e.column()).isEqualTo(1);
        assertThat(e.getMessage()).contains("'and' joins conditions");
    }

    @Test
    void typeError_notOnNumber() {
        ConditionException e = error("not steps");
        assertThat(e.column()).isEqualTo(5);
    }

    @Test
    void typeError_conditionThatIsNotBoolean() {
        ConditionException e = error("outputs.critique");
        assertThat(e.column()).isEqualTo(1);
        assertThat(e.getMessage()).contains("must be true or false");
    }

    @Test
    void typeError_lenOfANumber() {
        ConditionException e = error("len(steps) > 1");
        assertThat(e.column()).isEqualTo(5);
        assertThat(e.getMessage()).contains("len() counts the characters of text");
    }

    @Test
    void syntaxError_unterminatedString_pointsAtTheQuote() {
        ConditionException e = error("output contains \"urgent");
        assertThat(e.column()).isEqualTo(17);
        assertThat(e.getMessage()).contains("not closed");
    }

    @Test
    void syntaxError_missingRightOperand() {
        ConditionException e = error("output contains");
        assertThat(e.column()).isEqualTo(16);
        assertThat(e.getMessage()).contains("ends here");
    }

    @Test
    void syntaxError_unbalancedParenthesis() {
        ConditionException e = error("(true and false");
        assertThat(e.column()).isEqualTo(16);
        assertThat(e.getMessage()).contains("expected ')'");
    }

    @Test
    void syntaxError_extraClosingParenthesis() {
        ConditionException e = error("true)");
        assertThat(e.column()).isEqualTo(5);
        assertThat(e.getMessage()).contains("unexpected ')'");
    }

    @Test
    void syntaxError_chainedComparison() {
        ConditionException e = error("1 < steps < 3");
        assertThat(e.column()).isEqualTo(11);
        assertThat(e.getMessage()).contains("cannot be chained");
    }

    @Test
    void syntaxError_singleEquals_suggestsDoubleEquals() {
        ConditionException e = error("output = 'x'");
        assertThat(e.column()).isEqualTo(8);
        assertThat(e.getMessage()).contains("'=='");
    }

    @Test
    void syntaxError_cStyleOperators_suggestWords() {
        assertThat(error("true && false").getMessage()).contains("'and'");
        assertThat(error("true || false").getMessage()).contains("'or'");
        assertThat(error("!true").getMessage()).contains("'not'");
    }

    @Test
    void syntaxError_unknownCharacter() {
        ConditionException e = error("output contains 'a' + 'b'");
        assertThat(e.column()).isEqualTo(21);
    }

    @Test
    void syntaxError_unknownEscape() {
        ConditionException e = error("output == 'a\\qb'");
        assertThat(e.column()).isEqualTo(13);
        assertThat(e.getMessage()).contains("unknown escape");
    }

    @Test
    void unknownVariable_suggestsTheClosest() {
        ConditionException e = error("ouput contains 'x'");
        assertThat(e.column()).isEqualTo(1);
        assertThat(e.getMessage()).contains("unknown name 'ouput'").contains("did you mean 'output'?");
    }

    @Test
    void unknownNode_inOutputs_isReportedWithItsColumn() {
        ConditionException e = error("output contains 'x' and outputs.critque contains 'y'");
        assertThat(e.column()).isEqualTo(25);
        assertThat(e.getMessage()).contains("unknown node 'critque'").contains("did you mean 'critique'?");
    }

    @Test
    void unknownNode_inRuns() {
        assertThat(error("runs.nope > 1").getMessage()).contains("unknown node 'nope'");
    }

    @Test
    void outputsWithoutNode_isRefused() {
        assertThat(error("outputs contains 'x'").getMessage()).contains("outputs.<node_id>");
        assertThat(error("outputs. contains 'x'").getMessage()).contains("expected a node id");
    }

    @Test
    void invalidLiteralRegex_isRefusedAtCompileTime() {
        ConditionException e = error("output matches '(unclosed'");
        assertThat(e.column()).isEqualTo(16);
        assertThat(e.getMessage()).contains("invalid regular expression");
    }

    @Test
    void emptyCondition_isRefused() {
        assertThat(error("   ").getMessage()).contains("empty");
    }

    @Test
    void trailingTokens_areRefused() {
        ConditionException e = error("output contains 'a' 'b'");
        assertThat(e.column()).isEqualTo(21);
        assertThat(e.getMessage()).contains("after a complete condition");
    }

    @Test
    void operatorWithoutLeftOperand_isRefused() {
        ConditionException e = error("contains 'x'");
        assertThat(e.column()).isEqualTo(1);
        assertThat(e.getMessage()).contains("expected a value before 'contains'");
    }
}
