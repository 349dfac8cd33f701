package io.meshflow.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshflow.json.MeshJson;
import io.meshflow.tool.JsonSchemaValidator;
import io.meshflow.tool.Tool;
import io.meshflow.tool.ToolResult;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Golden tests: the whole schema document generated for each kind of Java type. */
class JsonSchemasTest {

    private static JsonNode json(String text) {
        return MeshJson.parse(text);
    }

    @Test
    void record_withOptionalListMapEnumNestedRecordDescriptionsAndDefaults() {
        assertThat((JsonNode) JsonSchemas.of(SchemaFixtures.Ticket.class)).isEqualTo(json("""
            {
              "$defs": {
                "Address": {
                  "type": "object",
                  "properties": {
                    "street": {
                      "type": "string",
                      "description": "street and number"
                    },
                    "city": {
                      "type": "string",
                      "description": "city name"
                    }
                  },
                  "required": [
                    "street",
                    "city"
                  ],
                  "description": "A postal address",
                  "additionalProperties": false
                }
              },
              "type": "object",
              "properties": {
                "title": {
                  "type": "string",
                  "description": "one-line summary"
                },
                "priority": {
                  "type": "string",
                  "enum": [
                    "LOW",
                    "NORMAL",
                    "URGENT"
                  ],
                  "description": "how urgent",
                  "default": "NORMAL"
                },
                "labels": {
                  "description": "labels to attach",
                  "type": "array",
                  "items": {
                    "type": "string"
                  }
                },
                "assignee": {
                  "anyOf": [
                    {
                      "type": "null"
                    },
                    {
                      "type": "string"
                    }
                  ]
                },
                "fields": {
                  "type": "object",
                  "additionalProperties": {
                    "type": "integer"
                  },
                  "description": "custom fields by name"
                },
                "address": {
                  "$ref": "#/$defs/Address"
                },
                "billing": {
                  "anyOf": [
                    {
                      "type": "null"
                    },
                    {
                      "$ref": "#/$defs/Address"
                    }
                  ]
                }
              },
              "required": [
                "title",
                "labels",
                "fields",
                "address"
              ],
              "additionalProperties": false
            }
            """));
    }

    @Test
    void sealedInterfaceOfRecords_becomesOneOfWithADiscriminator() {
        assertThat((JsonNode) JsonSchemas.of(SchemaFixtures.Drawing.class)).isEqualTo(json("""
            {
              "type": "object",
              "properties": {
                "shapes": {
                  "type": "array",
                  "items": {
                    "oneOf": [
                      {
                        "type": "object",
                        "properties": {
                          "type": {
                            "const": "Circle"
                          },
                          "radius": {
                            "type": "number",
                            "description": "radius in cm"
                          }
                        },
                        "required": [
                          "type",
                          "radius"
                        ],
                        "additionalProperties": false
                      },
                      {
                        "type": "object",
                        "properties": {
                          "type": {
                            "const": "Rectangle"
                          },
                          "width": {
                            "type": "number"
                          },
                          "height": {
                            "type": "number"
                          }
                        },
                        "required": [
                          "type",
                          "width",
                          "height"
                        ],
                        "additionalProperties": false
                      }
                    ]
                  }
                },
                "scale": {
                  "type": "number",
                  "description": "scale factor",
                  "default": 1
                }
              },
              "required": [
                "shapes"
              ],
              "additionalProperties": false
            }
            """));
    }

    @Test
    void annotatedMethod_parametersBecomeProperties_optionalAndDefaultedOnesNotRequired() {
        Tool tool = tool("create_ticket");

        assertThat(tool.description()).isEqualTo("Creates a ticket in the tracker.");
        assertThat(tool.inputSchema()).isEqualTo(json("""
            {
              "type": "object",
              "properties": {
                "title": {
                  "type": "string",
                  "description": "one-line summary"
                },
                "priority": {
                  "type": "string",
                  "enum": [
                    "LOW",
                    "NORMAL",
                    "URGENT"
                  ],
                  "description": "how urgent"
                },
                "labels": {
                  "anyOf": [
                    {
                      "type": "null"
                    },
                    {
                      "type": "array",
                      "items": {
                        "type": "string"
                      }
                    }
                  ]
                },
                "copies": {
                  "type": "integer",
                  "description": "how many copies",
                  "default": 1
                },
                "address": {
                  "type": "object",
                  "properties": {
                    "street": {
                      "type": "string",
                      "description": "street and number"
                    },
                    "city": {
                      "type": "string",
                      "description": "city name"
                    }
                  },
                  "required": [
                    "street",
                    "city"
                  ],
                  "description": "A postal address",
                  "additionalProperties": false
                },
                "estimates": {
                  "type": "array",
                  "items": {
                    "type": "integer"
                  },
                  "description": "estimates in hours"
                }
              },
              "required": [
                "title",
                "priority",
                "address",
                "estimates"
              ],
              "additionalProperties": false
            }
            """));
    }

    @Test
    void annotatedMethod_withSealedUnionParameter_andExplicitName() {
        assertThat(tool("total_area").inputSchema()).isEqualTo(json("""
            {
              "type": "object",
              "properties": {
                "shapes": {
                  "type": "array",
                  "items": {
                    "oneOf": [
                      {
                        "type": "object",
                        "properties": {
                          "type": {
                            "const": "Circle"
                          },
                          "radius": {
                            "type": "number",
                            "description": "radius in cm"
                          }
                        },
                        "required": [
                          "type",
                          "radius"
                        ],
                        "additionalProperties": false
                      },
                      {
                        "type": "object",
                        "properties": {
                          "type": {
                            "const": "Rectangle"
                          },
                          "width": {
                            "type": "number"
                          },
                          "height": {
                            "type": "number"
                          }
                        },
                        "required": [
                          "type",
                          "width",
                          "height"
                        ],
                        "additionalProperties": false
                      }
                    ]
                  },
                  "description": "the shapes"
                }
              },
              "required": [
                "shapes"
              ],
              "additionalProperties": false
            }
            """));
    }

    @Test
    void methodTool_readsArguments_appliesDefaults_andEmptyOptionals() {
        ToolResult result = tool("create_ticket")
                .call(json("{\"title\":\"Disk full\",\"priority\":\"URGENT\","
                        + "\"address\":{\"street\":\"1 Main St\",\"city\":\"Oslo\"},\"estimates\":[2,3]}"));

        assertThat(result).isEqualTo(ToolResult.success("Disk full/URGENT/[]/1/Oslo/2"));
    }

    @Test
    void methodTool_readsSealedUnionsByTheirDiscriminator() {
        ToolResult result = tool("total_area")
                .call(json("{\"shapes\":[{\"type\":\"Rectangle\",\"width\":2,\"height\":3},"
                        + "{\"type\":\"Circle\",\"radius\":1}]}"));

        assertThat(Double.parseDouble(result.content()))
                .isCloseTo(6 + Math.PI, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void generatedSchemas_acceptValidArguments_andRejectWrongOnes() {
        JsonNode schema = tool("total_area").inputSchema();

        assertThat(JsonSchemaValidator.validate(schema, json("{\"shapes\":[{\"type\":\"Circle\",\"radius\":2}]}")))
                .isEmpty();
        assertThat(JsonSchemaValidator.validate(
                        schema, json("{\"shapes\":[{\"type\":\"Circle\",\"radius\":\"big\"}]}")))
                .containsExactly(
                        "(closest alternative #1 of oneOf) $.shapes[0].radius: expected number, got string \"big\"");
    }

    @Test
    void recordTool_convertsItsInput_andResultsOtherThanTextBecomeJson() {
        Tool tool = JavaTools.fromRecord(
                "scale",
                "Scales a drawing.",
                SchemaFixtures.Drawing.class,
                d -> Map.of("shapes", d.shapes().size(), "scale", d.scale()));

        assertThat(tool.inputSchema()).isEqualTo(JsonSchemas.of(SchemaFixtures.Drawing.class));
        assertThat(json(tool.call(json("{\"shapes\":[],\"scale\":2.5}")).content()))
                .isEqualTo(json("{\"shapes\":0,\"scale\":2.5}"));
    }

    @Test
    void explicitSchema_isKeptAsGiven() {
        JsonNode schema = json(
                "{\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"string\",\"minLength\":1}},\"required\":[\"q\"]}");
        Tool tool = Tool.of(
                "search",
                "Searches.",
                schema,
                args -> ToolResult.success(args.path("q").asText()));

        assertThat(tool.inputSchema()).isEqualTo(json("""
            {"type": "object", "properties": {"q": {"type": "string", "minLength": 1}}, "required": ["q"]}
            """));
    }

    @Test
    void objectWithoutToolMethods_isRefused() {
        assertThatThrownBy(() -> JavaTools.from("plain string"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("has no method annotated with @ToolMethod");
    }

    @Test
    void handlerExceptions_becomeErrorResults() {
        Tool tool = JavaTools.fromRecord("fail", "Fails.", SchemaFixtures.Address.class, a -> {
            throw new IllegalStateException("no such city: " + a.city());
        });

        ToolResult result = tool.call(json("{\"street\":\"x\",\"city\":\"Atlantis\"}"));

        assertThat(result.isError()).isTrue();
        assertThat(result.content()).isEqualTo("IllegalStateException: no such city: Atlantis");
    }

    private static Tool tool(String name) {
        List<Tool> tools = JavaTools.from(new SchemaFixtures.Tools());
        return tools.stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
    }
}
