package io.meshflow.runtime;

import io.meshflow.ledger.StepRecord;
import io.meshflow.ledger.ToolCallRecord;
import io.meshflow.privacy.PhiFinding;
import io.meshflow.privacy.PhiScrubber;
import io.meshflow.privacy.PhiType;
import io.meshflow.privacy.ScrubResult;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * What the ledger stores for a run whose policy scrubs PHI: copies of its records with the free text redacted (a
 * step's input, output and tool-call arguments and results; a run's task, output and error). Everything else, and
 * the text the agents work with, is unchanged.
 *
 * <p>Names are recognised by their context ("Patient: Jane Roe", "Dr. Roe"), which a model's reply often lacks;
 * so every name found once in the run, and each of its words of three letters or more, is redacted wherever it
 * appears later in the run's texts.
 */
final class PhiRedaction {
    private static final Pattern NAME_WORD = Pattern.compile("\\p{L}[\\p{L}'\u2019-]{2,}");

    private final PhiScrubber scrubber;
    private final Set<String> knownNames = ConcurrentHashMap.newKeySet();
    private volatile @Nullable Pattern known;

    PhiRedaction(PhiScrubber scrubber) {
        this.scrubber = scrubber;
    }

    /** Scrubs one text, learning the names found in it, and redacting the names the run has shown so far. */
    private String scrub(String text) {
        ScrubResult result = scrubber.scrub(text);
        boolean learned = false;
        for (PhiFinding f : result.findings()) {
            if (f.type() == PhiType.NAME) {
                String name = text.substring(f.start(), f.end());
                learned |= knownNames.add(name);
                Matcher words = NAME_WORD.matcher(name);
                while (words.find()) {
                    learned |= knownNames.add(words.group());
                }
            }
        }
        if (learned) {
            known = knownNamesPattern();
        }
        Pattern names = known;
        return names == null
                ? result.text()
                : names.matcher(result.text()).replaceAll(Matcher.quoteReplacement(PhiType.NAME.marker()));
    }

    private Pattern knownNamesPattern() {
        List<String> names = new ArrayList<>(knownNames);
        // longest first, so that a full name is replaced before its words
        names.sort(Comparator.comparingInt(String::length).reversed());
        StringBuilder alternatives = new StringBuilder();
        for (String name : names) {
            if (!alternatives.isEmpty()) {
                alternatives.append('|');
            }
            alternatives.append(Pattern.quote(name));
        }
        return Pattern.compile("(?<![\\p{L}\\p{N}])(?:" + alternatives + ")(?![\\p{L}\\p{N}])");
    }

    StepRecord step(StepRecord r) {
        List<ToolCallRecord> calls = new ArrayList<>(r.toolCalls().size());
        for (ToolCallRecord c : r.toolCalls()) {
            calls.add(new ToolCallRecord(
                    c.callId(), c.toolName(), scrub(c.arguments()), scrub(c.result()), c.error(), c.durationMs()));
        }
        return new StepRecord(
                r.runId(),
                r.stepId(),
                r.seq(),
                r.tenantId(),
                r.nodeId(),
                r.agentId(),
                scrub(r.inputTask()),
                scrub(r.outputContent()),
                r.outputTruncated(),
                r.verdict(),
                r.uncertainty(),
                r.uncertaintySource(),
                r.tokensUsed(),
                r.costUsd(),
                r.durationMs(),
                r.startedAt(),
                r.endedAt(),
                calls);
    }

    String text(String text) {
        return scrub(text);
    }
}
