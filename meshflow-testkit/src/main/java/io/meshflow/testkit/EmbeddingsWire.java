package io.meshflow.testkit;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * Embeddings responses as the OpenAI ({@code POST /v1/embeddings}) and Voyage AI ({@code POST /v1/embeddings}) APIs
 * send them, for {@link FakeLlmServer}: a list object whose {@code data} holds one {@code embedding} object (float
 * array and {@code index}) per input, then the model and the usage.
 *
 * <pre>{@code
 * server.enqueue(FakeLlmServer.Reply.json(200, EmbeddingsWire.response("text-embedding-3-small", List.of(v1, v2))));
 * }</pre>
 */
public final class EmbeddingsWire {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private EmbeddingsWire() {}

    /** A successful response with the vectors in order, as both APIs send it. */
    public static String response(String model, List<float[]> vectors) {
        ObjectNode body = JSON.objectNode().put("object", "list");
        ArrayNode data = body.putArray("data");
        for (int i = 0; i < vectors.size(); i++) {
            ObjectNode item = data.addObject().put("object", "embedding");
            ArrayNode values = item.putArray("embedding");
            for (float v : vectors.get(i)) {
                values.add(v);
            }
            item.put("index", i);
        }
        body.put("model", model);
        body.putObject("usage").put("prompt_tokens", 5 * vectors.size()).put("total_tokens", 5 * vectors.size());
        return body.toString();
    }
}
