package io.meshflow.runtime;

import io.meshflow.ledger.UncertaintySource;
import io.meshflow.provider.LlmResponse;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Derives a step's uncertainty in 0..1, with the strongest evidence available: token log-probabilities
 * (1 − exp(mean log-prob)), else a confidence the agent reported because it was asked to (1 − confidence), else 0.5.
 */
public final class Uncertainty {
    private static final Pattern CONFIDENCE =
            Pattern.compile("(?im)^\\s*CONFIDENCE\\s*[:=]\\s*(\\d+(?:\\.\\d+)?)\\s*(%?)\\s*$");

    /** The figure used when nothing is known. */
    public static final double UNKNOWN = 0.5;

    private Uncertainty() {}

    /**
     * An estimate and its source.
     *
     * @param value 0..1
     * @param source where it came from
     */
    public record Estimate(double value, UncertaintySource source) {}

    /** Estimates the uncertainty of a reply. */
    public static Estimate estimate(LlmResponse response, boolean agentReportsConfidence) {
        List<Double> logprobs = response.tokenLogprobs();
        if (logprobs != null && !logprobs.isEmpty()) {
            double sum = 0;
            for (double lp : logprobs) {
                sum += lp;
            }
            double certainty = Math.exp(sum / logprobs.size());
            return new Estimate(clamp(1 - certainty), UncertaintySource.LOGPROBS);
        }
        if (agentReportsConfidence) {
            Matcher m = CONFIDENCE.matcher(response.content());
            double confidence = -1;
            while (m.find()) {
                double value = Double.parseDouble(m.group(1));
                confidence = m.group(2).isEmpty() && value <= 1 ? value : value / 100.0;
            }
            if (confidence >= 0 && confidence <= 1) {
                return new Estimate(clamp(1 - confidence), UncertaintySource.SELF_REPORTED);
            }
        }
        return new Estimate(UNKNOWN, UncertaintySource.UNKNOWN);
    }

    private static double clamp(double value) {
        return Math.max(0, Math.min(1, value));
    }
}
