package io.meshflow.provider;

/**
 * A large language model behind one vendor's API.
 *
 * <p>Both methods are required: {@link #stream} delivers each piece of text to the sink as the vendor sends it and
 * then returns the whole reply; {@link #complete} returns the whole reply without streaming. Implementations are
 * thread-safe: one provider serves every agent and branch of every run. Errors are thrown as
 * {@link ProviderException} (or a subtype) with the vendor's error as the cause.
 */
public interface LlmProvider {
    /** A short name for logs, metrics and ledger records, such as {@code anthropic} or {@code scripted}. */
    String name();

    /**
     * Calls the model and waits for its whole reply.
     *
     * @throws ProviderException when the call fails
     */
    LlmResponse complete(LlmRequest request);

    /**
     * Calls the model, passing every piece of text to {@code sink} as it arrives, and returns the whole reply. The
     * concatenated chunks equal the returned {@link LlmResponse#content()}.
     *
     * @throws ProviderException when the call fails
     */
    LlmResponse stream(LlmRequest request, TokenSink sink);

    /**
     * The price of a model's tokens, when the provider knows it: budgets use it to predict a call's cost before
     * making it. Empty by default.
     */
    default java.util.Optional<PriceTable.ModelPrice> price(String model) {
        return java.util.Optional.empty();
    }
}
