package io.meshflow.provider.gemini;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.genai.types.AutomaticFunctionCallingConfig;
import com.google.genai.types.Content;
import com.google.genai.types.FunctionCall;
import com.google.genai.types.FunctionDeclaration;
import com.google.genai.types.FunctionResponse;
import com.google.genai.types.GenerateContentConfig;
import com.google.genai.types.Part;
import com.google.genai.types.Tool;
import io.meshflow.provider.ChatMessage;
import io.meshflow.provider.LlmRequest;
import io.meshflow.provider.ToolCall;
import io.meshflow.provider.ToolDefinition;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps a MeshFlow request to the Gemini API's {@code contents} and {@code GenerateContentConfig}.
 *
 * <p>Roles: user messages become {@code user} contents; assistant messages {@code model} contents with a text part and
 * one {@code functionCall} part per tool call (with the thought signature Gemini gave that call, see
 * {@link ThoughtSignatures}); the results of one tool round become ONE {@code user} content holding a
 * {@code functionResponse} part per result, in the order of the calls, as the API requires. Function ids that MeshFlow
 * made up (the API gave none, see {@link GeminiReply#toolCallId}) are not sent back.
 */
final class GeminiMessages {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() {};

    private final ThoughtSignatures signatures;

    GeminiMessages(ThoughtSignatures signatures) {
        this.signatures = signatures;
    }

    /** The conversation as Gemini contents, oldest first. */
    List<Content> contents(LlmRequest request) {
        List<Content> contents = new ArrayList<>();
        List<Part> toolResults = new ArrayList<>();
        for (ChatMessage message : request.messages()) {
            if (message.role() != ChatMessage.Role.TOOL && !toolResults.isEmpty()) {
                contents.add(content("user", toolResults));
                toolResults = new ArrayList<>();
            }
            switch (message.role()) {
                case USER -> contents.add(content("user", List.of(Part.fromText(message.content()))));
                case ASSISTANT -> {
                    List<Part> parts = new ArrayList<>();
                    if (!message.content().isEmpty()) {
                        parts.add(Part.fromText(message.content()));
                    }
                    for (ToolCall call : message.toolCalls()) {
                        parts.add(functionCall(call));
                    }
                    if (!parts.isEmpty()) {
                        contents.add(content("model", parts));
                    }
                }
                case TOOL -> toolResults.add(functionResponse(message));
            }
        }
        if (!toolResults.isEmpty()) {
            contents.add(content("user", toolResults));
        }
        return contents;
    }

    /** The request's system prompt, tools and limits as a config; the SDK's automatic function calling is off. */
    GenerateContentConfig config(LlmRequest request) {
        GenerateContentConfig.Builder config = GenerateContentConfig.builder()
                .maxOutputTokens(request.maxTokens())
                .automaticFunctionCalling(
                        AutomaticFunctionCallingConfig.builder().disable(true).build());
        if (!request.systemPrompt().isBlank()) {
            config.systemInstruction(Content.fromParts(Part.fromText(request.systemPrompt())));
        }
        Double temperature = request.temperature();
        if (temperature != null) {
            config.temperature(temperature.floatValue());
        }
        if (!request.tools().isEmpty()) {
            List<FunctionDeclaration> declarations = new ArrayList<>();
            for (ToolDefinition tool : request.tools()) {
                declarations.add(FunctionDeclaration.builder()
                        .name(tool.name())
                        .description(tool.description())
                        // the API takes the JSON Schema as it is (no translation to its OpenAPI subset)
                        .parametersJsonSchema(JSON.convertValue(tool.inputSchema(), OBJECT))
                        .build());
            }
            config.tools(Tool.builder().functionDeclarations(declarations).build());
        }
        return config.build();
    }

    private Part functionCall(ToolCall call) {
        FunctionCall.Builder functionCall = FunctionCall.builder()
                .name(call.name())
                .args(call.arguments().isObject() ? JSON.convertValue(call.arguments(), OBJECT) : Map.of());
        if (!GeminiReply.isMadeUpId(call.id())) {
            functionCall.id(call.id());
        }
        Part.Builder part = Part.builder().functionCall(functionCall.build());
        signatures.get(call.id()).ifPresent(part::thoughtSignature);
        return part.build();
    }

    private static Part functionResponse(ChatMessage result) {
        String name = result.toolName();
        String id = result.toolCallId();
        Map<String, Object> response = new LinkedHashMap<>();
        // the API's convention: the function's output under "output"
        response.put("output", result.content());
        FunctionResponse.Builder functionResponse =
                FunctionResponse.builder().name(name == null ? "" : name).response(response);
        if (id != null && !GeminiReply.isMadeUpId(id)) {
            functionResponse.id(id);
        }
        return Part.builder().functionResponse(functionResponse.build()).build();
    }

    private static Content content(String role, List<Part> parts) {
        return Content.builder().role(role).parts(parts).build();
    }
}
