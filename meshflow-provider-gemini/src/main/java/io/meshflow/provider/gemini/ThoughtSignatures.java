package io.meshflow.provider.gemini;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The thought signatures Gemini attached to the function calls it made, by tool-call id, so that they go back with the
 * calls in the follow-up request (thinking models require it: Gemini 3 rejects a function call sent back without its
 * signature). MeshFlow's {@code ToolCall} has no room for them, so the provider keeps the most recent
 * {@value #CAPACITY} here; ids are unique per response (see {@link GeminiReply#toolCallId}).
 */
final class ThoughtSignatures {
    static final int CAPACITY = 4096;

    private final Map<String, byte[]> byCallId = new LinkedHashMap<>(64, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, byte[]> eldest) {
            return size() > CAPACITY;
        }
    };

    synchronized void put(String callId, byte[] signature) {
        byCallId.put(callId, signature.clone());
    }

    synchronized Optional<byte[]> get(String callId) {
        byte[] signature = byCallId.get(callId);
        return signature == null ? Optional.empty() : Optional.of(signature.clone());
    }
}
