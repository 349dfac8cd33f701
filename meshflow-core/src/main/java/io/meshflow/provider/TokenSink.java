package io.meshflow.provider;

/**
 * Receives a reply's tokens as they are generated. Called on the thread that streams, in order; an implementation
 * may block (back-pressure) and may throw to abort the stream (for example when a step's deadline has passed).
 */
@FunctionalInterface
public interface TokenSink {
    /** Takes the next chunk. */
    void accept(TokenChunk chunk);

    /** A sink that discards every chunk. */
    static TokenSink discard() {
        return chunk -> {};
    }
}
