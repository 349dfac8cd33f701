package io.meshflow.memory;

import io.meshflow.MeshFlowException;
import io.meshflow.ValidationException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A vector index in the heap: exact cosine top-k over unit vectors kept in one contiguous {@code float[]} (row after
 * row), scanned with a tight loop. Saves to and loads from a file on request ({@link #save}, {@link #load}).
 *
 * <p>Thread-safe: searches run concurrently, writes exclusively.
 */
public final class InMemoryVectorIndex implements VectorIndex {
    private static final int MAGIC = 0x4D46_5631; // "MFV1"
    /** Rows per parallel slice below which a search stays on the calling thread. */
    private static final int PARALLEL_ROWS = 16_384;

    private static final int PARALLELISM = Runtime.getRuntime().availableProcessors();

    private final int dimension;
    private final String name;
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private float[] data;
    private String[] ids;
    private List<Map<String, String>> metadata = new ArrayList<>();
    private final Map<String, Integer> rows = new HashMap<>();
    private int size;

    /**
     * Creates an empty index.
     *
     * @throws ValidationException when {@code dimension} is not positive
     */
    public InMemoryVectorIndex(int dimension) {
        this(dimension, "in-memory index");
    }

    /**
     * Creates an empty index whose error messages call it {@code name}.
     *
     * @throws ValidationException when {@code dimension} is not positive
     */
    public InMemoryVectorIndex(int dimension, String name) {
        if (dimension <= 0) {
            throw new ValidationException("a vector index needs a positive dimension, got " + dimension);
        }
        this.dimension = dimension;
        this.name = name;
        this.data = new float[16 * dimension];
        this.ids = new String[16];
    }

    @Override
    public void add(String id, float[] vector, Map<String, String> meta) {
        Vectors.check(vector, dimension, name);
        float[] unit = Vectors.normalize(vector.clone());
        Map<String, String> copy = Map.copyOf(meta);
        lock.writeLock().lock();
        try {
            Integer row = rows.get(id);
            int at;
            if (row != null) {
                at = row;
                metadata.set(at, copy);
            } else {
                at = size;
                if ((long) (size + 1) * dimension > data.length) {
                    int capacity = Math.max(16, ids.length * 2);
                    if ((long) capacity * dimension > Integer.MAX_VALUE - 8) {
                        throw new ValidationException(name + " is full: at most " + (Integer.MAX_VALUE - 8) / dimension
                                + " vectors of dimension " + dimension);
                    }
                    data = Arrays.copyOf(data, capacity * dimension);
                    ids = Arrays.copyOf(ids, capacity);
                }
                ids[at] = id;
                metadata.add(copy);
                rows.put(id, at);
                size++;
            }
            System.arraycopy(unit, 0, data, at * dimension, dimension);
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public List<VectorMatch> search(float[] query, int k, Map<String, String> filter) {
        if (k < 0) {
            throw new ValidationException("k must be >= 0, got " + k);
        }
        Vectors.check(query, dimension, name);
        float[] q = Vectors.normalize(query.clone());
        lock.readLock().lock();
        try {
            int n = Math.min(k, size);
            if (n == 0) {
                return List.of();
            }
            TopK best;
            int parts = Math.min(PARALLELISM, size / PARALLEL_ROWS);
            if (parts < 2) {
                best = scan(q, 0, size, n, filter);
            } else {
                // large indexes: each core scans a contiguous slice (the scan is memory-bound), then the tops merge
                int slice = (size + parts - 1) / parts;
                best = java.util.stream.IntStream.range(0, parts)
                        .parallel()
                        .mapToObj(p -> scan(q, p * slice, Math.min(size, (p + 1) * slice), n, filter))
                        .reduce(new TopK(n), TopK::merge);
            }
            float[] bestScores = best.scores;
            int[] bestRows = best.rows;
            int filled = best.filled;
            List<VectorMatch> matches = new ArrayList<>(filled);
            for (int i = 0; i < filled; i++) {
                int row = bestRows[i];
                matches.add(new VectorMatch(ids[row], bestScores[i], metadata.get(row)));
            }
            return matches;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The best rows of rows {@code from..to}: top-n kept sorted descending; a row enters only when it beats the last. */
    private TopK scan(float[] q, int from, int to, int n, Map<String, String> filter) {
        TopK top = new TopK(n);
        float[] d = data;
        int dim = dimension;
        for (int row = from, base = from * dim; row < to; row++, base += dim) {
            float s = dot(q, d, base, dim);
            if (top.filled == n && s <= top.scores[n - 1]) {
                continue;
            }
            if (!filter.isEmpty() && !matches(metadata.get(row), filter)) {
                continue;
            }
            top.offer(s, row);
        }
        return top;
    }

    /** The best {@code n} (score, row) pairs seen, sorted by descending score. */
    private static final class TopK {
        final float[] scores;
        final int[] rows;
        int filled;

        TopK(int n) {
            scores = new float[n];
            rows = new int[n];
        }

        void offer(float s, int row) {
            int n = scores.length;
            if (filled == n && s <= scores[n - 1]) {
                return;
            }
            int pos = filled < n ? filled++ : n - 1;
            while (pos > 0 && scores[pos - 1] < s) {
                scores[pos] = scores[pos - 1];
                rows[pos] = rows[pos - 1];
                pos--;
            }
            scores[pos] = s;
            rows[pos] = row;
        }

        TopK merge(TopK other) {
            TopK merged = new TopK(scores.length);
            for (int i = 0; i < filled; i++) merged.offer(scores[i], rows[i]);
            for (int i = 0; i < other.filled; i++) merged.offer(other.scores[i], other.rows[i]);
            return merged;
        }
    }

    /** The dot product of {@code q} with the row starting at {@code base}; four accumulators let the JIT pipeline. */
    private static float dot(float[] q, float[] d, int base, int dim) {
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        int i = 0;
        for (; i + 3 < dim; i += 4) {
            s0 += q[i] * d[base + i];
            s1 += q[i + 1] * d[base + i + 1];
            s2 += q[i + 2] * d[base + i + 2];
            s3 += q[i + 3] * d[base + i + 3];
        }
        for (; i < dim; i++) {
            s0 += q[i] * d[base + i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    private static boolean matches(Map<String, String> meta, Map<String, String> filter) {
        for (Map.Entry<String, String> e : filter.entrySet()) {
            if (!e.getValue().equals(meta.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean delete(String id) {
        lock.writeLock().lock();
        try {
            Integer row = rows.remove(id);
            if (row == null) {
                return false;
            }
            int last = size - 1;
            if (row != last) {
                System.arraycopy(data, last * dimension, data, row * dimension, dimension);
                ids[row] = ids[last];
                metadata.set(row, metadata.get(last));
                rows.put(ids[row], row);
            }
            ids[last] = "";
            metadata.remove(last);
            size--;
            return true;
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public int size() {
        lock.readLock().lock();
        try {
            return size;
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public int dimension() {
        return dimension;
    }

    /**
     * Writes the index to a file (through a temporary file, so a crash never leaves half a file).
     *
     * @throws MeshFlowException when the file cannot be written
     */
    public void save(Path file) {
        Path parent = file.toAbsolutePath().getParent();
        lock.readLock().lock();
        try {
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Path tmp = Files.createTempFile(parent, file.getFileName() + ".", ".tmp");
            try (OutputStream raw = Files.newOutputStream(tmp);
                    DataOutputStream out = new DataOutputStream(new BufferedOutputStream(raw, 1 << 16))) {
                out.writeInt(MAGIC);
                out.writeInt(dimension);
                out.writeInt(size);
                for (int row = 0; row < size; row++) {
                    out.writeUTF(ids[row]);
                    Map<String, String> meta = metadata.get(row);
                    out.writeInt(meta.size());
                    for (Map.Entry<String, String> e : meta.entrySet()) {
                        writeLong(out, e.getKey());
                        writeLong(out, e.getValue());
                    }
                    for (int i = 0; i < dimension; i++) {
                        out.writeFloat(data[row * dimension + i]);
                    }
                }
            }
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new MeshFlowException("cannot save " + name + " to " + file + ": " + e.getMessage(), e);
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Reads an index written by {@link #save}.
     *
     * @throws ValidationException when the file is not such an index
     * @throws MeshFlowException when it cannot be read
     */
    public static InMemoryVectorIndex load(Path file) {
        try (InputStream raw = Files.newInputStream(file);
                DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 16))) {
            if (in.readInt() != MAGIC) {
                throw new ValidationException(file + " is not a MeshFlow vector index file");
            }
            int dimension = in.readInt();
            int size = in.readInt();
            InMemoryVectorIndex index = new InMemoryVectorIndex(dimension, "index " + file.getFileName());
            float[] vector = new float[dimension];
            for (int row = 0; row < size; row++) {
                String id = in.readUTF();
                int pairs = in.readInt();
                Map<String, String> meta = new LinkedHashMap<>();
                for (int p = 0; p < pairs; p++) {
                    meta.put(readLong(in), readLong(in));
                }
                for (int i = 0; i < dimension; i++) {
                    vector[i] = in.readFloat();
                }
                index.add(id, vector, meta);
            }
            return index;
        } catch (EOFException e) {
            throw new ValidationException(file + " is truncated; it is not a complete MeshFlow vector index file");
        } catch (IOException e) {
            throw new MeshFlowException("cannot read vector index " + file + ": " + e.getMessage(), e);
        }
    }

    private static void writeLong(DataOutputStream out, String s) throws IOException {
        byte[] bytes = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static String readLong(DataInputStream in) throws IOException {
        byte[] bytes = new byte[in.readInt()];
        in.readFully(bytes);
        return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
    }
}
