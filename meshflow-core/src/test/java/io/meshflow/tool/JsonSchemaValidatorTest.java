package io.meshflow.tool;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshflow.json.MeshJson;
import org.junit.jupiter.api.Test;

class JsonSchemaValidatorTest {
    private static final JsonNode SCHEMA = MeshJson.parse("""
            {
              "type": "object",
              "properties": {
                "title": {"type": "string", "minLength": 1, "maxLength": 10},
                "count": {"type": "integer", "minimum": 1, "maximum": 5},
                "ratio": {"type": "number", "exclusiveMinimum": 0},
                "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2, "uniqueItems": true},
                "level": {"type": "string", "enum": ["LOW", "HIGH"]},
                "note": {"anyOf": [{"type": "null"}, {"type": "string"}]},
                "extra": {"type": "object", "additionalProperties": {"type": "integer"}},
                "code": {"type": "string", "pattern": "^[A-Z]{3}$"},
                "owner": {"$ref": "#/$defs/Person"},
                "shape": {"oneOf": [
                  {"type": "object", "properties": {"type": {"const": "Circle"}, "r": {"type": "number"}},
                   "required": ["type", "r"], "additionalProperties": false},
                  {"type": "object", "properties": {"type": {"const": "Square"}, "side": {"type": "number"}},
                   "required": ["type", "side"], "additionalProperties": false}
                ]},
                "legacy": {"type": "string", "nullable": true}
              },
              "required": ["title", "count"],
              "additionalProperties": false,
              "$defs": {"Person": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}}
            }
            """);

    private static java.util.List<String> problems(String json) {
        return JsonSchemaValidator.validate(SCHEMA, MeshJson.parse(json));
    }

    @Test
    void validArguments_haveNoProblems() {
        assertThat(problems("""
                {"title": "Disk", "count": 2.0, "ratio": 0.5, "tags": ["a", "b"], "level": "LOW", "note": null,
                 "extra": {"x": 1}, "code": "ABC", "owner": {"name": "Ann"}, "shape": {"type": "Square", "side": 2},
                 "legacy": null}
                """)).isEmpty();
    }

    @Test
    void missingRequired_wrongTypes_andUnknownProperties_areEachReportedWithTheirPath() {
        assertThat(problems("{\"count\": \"3\", \"colour\": \"red\"}"))
                .containsExactly(
                        "$: missing required property 'title'",
                        "$.count: expected integer, got string \"3\"",
                        "$: unknown property 'colour'; allowed: title, count, ratio, tags, level, note, extra, code,"
                                + " owner, shape, legacy");
    }

    @Test
    void boundsLengthsPatternsAndEnums_areChecked() {
        assertThat(problems("""
                {"title": "", "count": 9, "ratio": 0, "tags": ["a", "a", "b"], "level": "MID", "code": "abc"}
                """))
                .containsExactly(
                        "$.title: must have at least 1 characters, has 0",
                        "$.count: must be at most 5, got 9",
                        "$.ratio: must be greater than 0, got 0",
                        "$.tags: allows at most 2 items, has 3",
                        "$.tags: items must be unique, but [0] and [1] are equal",
                        "$.level: must be one of [\"LOW\",\"HIGH\"], got string \"MID\"",
                        "$.code: must match the pattern ^[A-Z]{3}$");
    }

    @Test
    void nestedValues_refsAndMaps_reportTheirPath() {
        assertThat(problems("{\"title\": \"t\", \"count\": 1, \"tags\": [3], \"extra\": {\"x\": true}, \"owner\": {}}"))
                .containsExactly(
                        "$.tags[0]: expected string, got integer 3",
                        "$.extra.x: expected integer, got boolean true",
                        "$.owner: missing required property 'name'");
    }

    @Test
    void optionalValue_ofTheWrongType_reportsTheNonNullAlternativesProblem() {
        assertThat(problems("{\"title\": \"t\", \"count\": 1, \"note\": 5}"))
                .containsExactly("$.note: expected string, got integer 5");
    }

    @Test
    void oneOf_reportsTheClosestAlternative() {
        assertThat(problems("{\"title\": \"t\", \"count\": 1, \"shape\": {\"type\": \"Circle\", \"r\": \"big\"}}"))
                .containsExactly("(closest alternative #1 of oneOf) $.shape.r: expected number, got string \"big\"");
    }

    @Test
    void oneOf_matchingSeveralAlternatives_isAProblem() {
        JsonNode schema = MeshJson.parse("{\"oneOf\": [{\"type\": \"number\"}, {\"type\": \"integer\"}]}");

        assertThat(JsonSchemaValidator.validate(schema, MeshJson.parse("3")))
                .containsExactly("$: must match exactly one alternative of oneOf, but matches alternatives [1, 2]");
        assertThat(JsonSchemaValidator.isValid(schema, MeshJson.parse("3.5"))).isTrue();
    }

    @Test
    void nullableKeyword_typeLists_booleanSchemas_andUnresolvableRefs() {
        assertThat(problems("{\"title\": \"t\", \"count\": 1, \"legacy\": null}"))
                .isEmpty();
        JsonNode typeList = MeshJson.parse("{\"type\": [\"string\", \"object\"]}");
        assertThat(JsonSchemaValidator.validate(typeList, MeshJson.parse("1")))
                .containsExactly("$: expected string or object, got integer 1");
        assertThat(JsonSchemaValidator.validate(MeshJson.parse("false"), MeshJson.parse("1")))
                .containsExactly("$: no value is allowed here");
        assertThat(JsonSchemaValidator.isValid(
                        MeshJson.parse("{\"$ref\": \"https://example.com/other.json\"}"), MeshJson.parse("1")))
                .isTrue();
    }

    @Test
    void selfReferencingSchema_isCheckedToAFiniteDepth() {
        JsonNode schema = MeshJson.parse(
                "{\"type\": \"object\", \"properties\": {\"next\": {\"$ref\": \"#\"}, \"v\": {\"type\": \"integer\"}}}");

        assertThat(JsonSchemaValidator.validate(schema, MeshJson.parse("{\"next\": {\"next\": {\"v\": \"x\"}}}")))
                .containsExactly("$.next.next.v: expected integer, got string \"x\"");
    }
}
