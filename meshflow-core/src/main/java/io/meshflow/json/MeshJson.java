package io.meshflow.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.meshflow.MeshFlowException;

/**
 * The one Jackson configuration behind MeshFlow's wire formats: snake_case field names, ISO-8601 timestamps, unknown
 * fields tolerated on input so that older clients keep working.
 */
public final class MeshJson {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private MeshJson() {}

    /** The shared, thread-safe mapper. Do not reconfigure it; copy it first. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** Serialises a value to one line of JSON. */
    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new MeshFlowException("cannot serialise " + value.getClass().getSimpleName() + " to JSON", e);
        }
    }

    /** Parses JSON text into a tree. */
    public static JsonNode parse(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new MeshFlowException("malformed JSON: " + e.getOriginalMessage(), e);
        }
    }
}
