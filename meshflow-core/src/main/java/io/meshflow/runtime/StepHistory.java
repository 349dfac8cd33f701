package io.meshflow.runtime;

import io.meshflow.ledger.StepRecord;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;
import java.util.RandomAccess;

/**
 * The steps a run has recorded, in order: appended to by the run's threads, read as snapshots by the guardian (on
 * every step and tool call), the pause handling and the run's end.
 *
 * <p>A snapshot costs O(1): it shares the backing array and sees only the elements written before it was taken. The
 * guardian used to get a copy of the whole list on every step, which made a step's cost grow with the run (a
 * 1,000-iteration loop copied half a million records). Appends only ever write past every existing snapshot's end,
 * and an append that needs room copies into a new array, so a snapshot never changes.
 */
final class StepHistory {
    private StepRecord[] records = new StepRecord[16];
    private int size;

    /** Appends one step. */
    synchronized void add(StepRecord record) {
        if (size == records.length) {
            records = Arrays.copyOf(records, size * 2);
        }
        records[size++] = record;
    }

    /** The steps recorded so far: an unmodifiable list that later appends leave as it is. */
    synchronized List<StepRecord> snapshot() {
        return new Snapshot(records, size);
    }

    /** The first {@code size} elements of an array that nobody writes below {@code size} any more. */
    private static final class Snapshot extends AbstractList<StepRecord> implements RandomAccess {
        private final StepRecord[] records;
        private final int size;

        Snapshot(StepRecord[] records, int size) {
            this.records = records;
            this.size = size;
        }

        @Override
        public StepRecord get(int index) {
            if (index < 0 || index >= size) {
                throw new IndexOutOfBoundsException("index " + index + ", size " + size);
            }
            return records[index];
        }

        @Override
        public int size() {
            return size;
        }
    }
}
