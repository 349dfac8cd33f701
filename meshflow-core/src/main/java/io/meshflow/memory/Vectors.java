package io.meshflow.memory;

import io.meshflow.ValidationException;

/** Vector arithmetic shared by the indexes and stores: normalising and cosine similarity of float vectors. */
public final class Vectors {
    private Vectors() {}

    /** Scales a vector to unit length in place and returns it; a zero vector is returned unchanged. */
    public static float[] normalize(float[] vector) {
        double sum = 0;
        for (float v : vector) {
            sum += (double) v * v;
        }
        if (sum > 0) {
            float scale = (float) (1.0 / Math.sqrt(sum));
            for (int i = 0; i < vector.length; i++) {
                vector[i] *= scale;
            }
        }
        return vector;
    }

    /**
     * The cosine similarity of two vectors of the same length, from -1 to 1; 0 when either is a zero vector.
     *
     * @throws ValidationException when the lengths differ
     */
    public static double cosine(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new ValidationException(
                    "cannot compare a " + a.length + "-dimensional vector with a " + b.length + "-dimensional one");
        }
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }

    /**
     * Checks that a vector has the expected dimension and only finite values.
     *
     * @param what names the vector's owner in the message, such as {@code "index 'docs'"}
     * @throws ValidationException saying what is wrong
     */
    public static void check(float[] vector, int dimension, String what) {
        if (vector.length != dimension) {
            throw new ValidationException("a vector of dimension " + vector.length + " does not fit " + what
                    + ", which holds " + dimension + "-dimensional vectors; embed with the same model the index was"
                    + " built with");
        }
        for (float v : vector) {
            if (!Float.isFinite(v)) {
                throw new ValidationException(
                        "a vector for " + what + " contains " + v + "; embeddings must be finite");
            }
        }
    }
}
