package io.meshflow.provider.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.document.Document;

/** Converts between Jackson trees and the AWS SDK's {@link Document}s (tool schemas, tool inputs). */
final class Documents {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private Documents() {}

    static Document toDocument(JsonNode node) {
        if (node.isObject()) {
            Map<String, Document> map = new LinkedHashMap<>();
            node.properties().forEach(field -> map.put(field.getKey(), toDocument(field.getValue())));
            return Document.fromMap(map);
        }
        if (node.isArray()) {
            List<Document> list = new ArrayList<>();
            node.forEach(element -> list.add(toDocument(element)));
            return Document.fromList(list);
        }
        if (node.isTextual()) {
            return Document.fromString(node.asText());
        }
        if (node.isBoolean()) {
            return Document.fromBoolean(node.asBoolean());
        }
        if (node.isIntegralNumber()) {
            return Document.fromNumber(node.bigIntegerValue());
        }
        if (node.isNumber()) {
            return Document.fromNumber(node.decimalValue());
        }
        return Document.fromNull();
    }

    static JsonNode toJson(Document document) {
        if (document.isMap()) {
            ObjectNode object = NODES.objectNode();
            document.asMap().forEach((key, value) -> object.set(key, toJson(value)));
            return object;
        }
        if (document.isList()) {
            ArrayNode array = NODES.arrayNode();
            document.asList().forEach(value -> array.add(toJson(value)));
            return array;
        }
        if (document.isString()) {
            return NODES.textNode(document.asString());
        }
        if (document.isBoolean()) {
            return NODES.booleanNode(document.asBoolean());
        }
        if (document.isNumber()) {
            return NODES.numberNode(document.asNumber().bigDecimalValue());
        }
        return NODES.nullNode();
    }
}
