package io.meshflow.memory;

import io.meshflow.ValidationException;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Keyword embeddings with no model: each text becomes a TF-IDF weighted bag of its words, hashed into
 * {@link #dimension()} buckets. Texts that share (rare) words score high; paraphrases with no shared word score 0, so
 * this is the fallback when no semantic model (module {@code meshflow-embeddings-minilm}) is installed.
 *
 * <p>Words are lower-cased, accents removed, common English stop words dropped and a plural {@code s} stripped. The
 * inverse document frequencies are learnt from every text embedded so far (each text counts as one document), so
 * one instance should serve one corpus. Thread-safe.
 */
public final class TfIdfEmbeddings implements EmbeddingProvider {
    /** The default number of hash buckets. */
    public static final int DEFAULT_DIMENSION = 1024;

    private static final Set<String> STOP_WORDS = Set.of(
            "a", "an", "and", "are", "as", "at", "be", "been", "but", "by", "do", "does", "for", "from", "had", "has",
            "have", "he", "her", "his", "how", "i", "if", "in", "into", "is", "it", "its", "me", "my", "no", "not",
            "of", "on", "or", "our", "she", "so", "than", "that", "the", "their", "them", "then", "there", "these",
            "they", "this", "to", "was", "we", "were", "what", "when", "where", "which", "who", "why", "will", "with",
            "would", "you", "your");

    private static final java.util.regex.Pattern WORD = java.util.regex.Pattern.compile("[\\p{L}\\p{N}]+");

    private final int dimension;
    private final Map<String, Integer> documentFrequency = new HashMap<>();
    private long documents;

    /** Creates embeddings with {@value #DEFAULT_DIMENSION} buckets. */
    public TfIdfEmbeddings() {
        this(DEFAULT_DIMENSION);
    }

    /**
     * Creates embeddings with the given number of buckets.
     *
     * @throws ValidationException when {@code dimension} is below 16
     */
    public TfIdfEmbeddings(int dimension) {
        if (dimension < 16) {
            throw new ValidationException("TF-IDF dimension must be at least 16, got " + dimension);
        }
        this.dimension = dimension;
    }

    /**
     * Embeds texts; each is first counted in the document frequencies.
     *
     * @throws ValidationException when a text has no words
     */
    @Override
    public List<float[]> embed(List<String> texts) {
        List<Map<String, Integer>> counts = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            Map<String, Integer> tf = termCounts(texts.get(i));
            if (tf.isEmpty()) {
                throw new ValidationException("text " + (i + 1) + " of " + texts.size() + " has no words to embed: '"
                        + abbreviate(texts.get(i)) + "'");
            }
            counts.add(tf);
        }
        List<float[]> vectors = new ArrayList<>(texts.size());
        synchronized (documentFrequency) {
            for (Map<String, Integer> tf : counts) {
                documents++;
                tf.keySet().forEach(term -> documentFrequency.merge(term, 1, Integer::sum));
            }
            for (Map<String, Integer> tf : counts) {
                float[] vector = new float[dimension];
                tf.forEach((term, n) -> {
                    int df = documentFrequency.getOrDefault(term, 0);
                    double idf = Math.log((1.0 + documents) / (1.0 + df)) + 1.0;
                    vector[Math.floorMod(term.hashCode(), dimension)] += (float) ((1 + Math.log(n)) * idf);
                });
                vectors.add(Vectors.normalize(vector));
            }
        }
        return vectors;
    }

    @Override
    public int dimension() {
        return dimension;
    }

    /** Returns {@code tfidf-<dimension>}. */
    @Override
    public String modelName() {
        return "tfidf-" + dimension;
    }

    /** The words of a text as this provider sees them (lower case, no stop words, singular), in order. */
    public static List<String> terms(String text) {
        String plain = Normalizer.normalize(text, Normalizer.Form.NFD)
                .replaceAll("\\p{M}+", "")
                .toLowerCase(Locale.ROOT);
        List<String> terms = new ArrayList<>();
        java.util.regex.Matcher words = WORD.matcher(plain);
        while (words.find()) {
            String word = words.group();
            if (STOP_WORDS.contains(word)) {
                continue;
            }
            if (word.length() > 3 && word.endsWith("s") && !word.endsWith("ss")) {
                word = word.substring(0, word.length() - 1);
            }
            terms.add(word);
        }
        return terms;
    }

    private static Map<String, Integer> termCounts(String text) {
        Map<String, Integer> tf = new HashMap<>();
        for (String term : terms(text)) {
            tf.merge(term, 1, Integer::sum);
        }
        return tf;
    }

    static String abbreviate(String text) {
        String oneLine = text.replaceAll("\\s+", " ").strip();
        return oneLine.length() <= 60 ? oneLine : oneLine.substring(0, 57) + "...";
    }
}
