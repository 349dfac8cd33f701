// The incremental parsers, fed bytes in awkward pieces: events split across chunks, multi-byte characters split
// across chunks, CRLF and CR line endings, keep-alives, and malformed input.
import { describe, expect, it } from 'vitest';
import { lines, ndjsonEvents, sseEvents, StreamError } from '../src/index.js';

function body(...chunks: (string | Uint8Array)[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(typeof c === 'string' ? encoder.encode(c) : c);
      controller.close();
    },
  });
}

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const event = (seq: number, text: string) =>
  JSON.stringify({ type: 'TOKEN_DELTA', seq, run_id: 'r', text });

describe('lines', () => {
  it('lines_splitAcrossChunksAndMixedEndings_areWholeLines', async () => {
    expect(await all(lines(body('a', 'b\r', '\nc\rd\n', '\n', 'tail')))).toEqual(['ab', 'c', 'd', '', 'tail']);
  });

  it('lines_multiByteCharacterSplitAcrossChunks_isDecodedWhole', async () => {
    const bytes = new TextEncoder().encode('h\u00e9llo \u{1F600}\n');
    const pieces = Array.from(bytes, (b) => Uint8Array.of(b)); // one byte per chunk

    expect(await all(lines(body(...pieces)))).toEqual(['h\u00e9llo \u{1F600}']);
  });
});

describe('ndjsonEvents', () => {
  it('ndjson_eventsSplitAnywhere_areParsedInOrderAndKeepAlivesSkipped', async () => {
    const text = `${event(1, 'Hel')}\n\n${event(2, 'lo\n')}\n`;
    const chunks = [text.slice(0, 7), text.slice(7, 40), text.slice(40)];

    const events = await all(ndjsonEvents(body(...chunks)));

    expect(events.map((e) => e.seq)).toEqual([1, 2]);
    expect(events.map((e) => (e.type === 'TOKEN_DELTA' ? e.text : ''))).toEqual(['Hel', 'lo\n']);
  });

  it('ndjson_malformedLine_isAStreamErrorNamingIt', async () => {
    await expect(all(ndjsonEvents(body(`${event(1, 'x')}\n{"type": oops\n`)))).rejects.toSatisfy(
      (e) => e instanceof StreamError && e.message.includes('{"type": oops'),
    );
    await expect(all(ndjsonEvents(body('[1,2]\n')))).rejects.toThrow(/not an event/);
  });

  it('ndjson_eventsArriveBeforeTheBodyEnds', async () => {
    let push: (s: string) => void = () => undefined;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        push = (s) => controller.enqueue(new TextEncoder().encode(s));
      },
    });
    const iterator = ndjsonEvents(stream)[Symbol.asyncIterator]();

    push(`${event(1, 'first')}\n{"type":"TOKEN_DELTA","seq":2,"te`); // the second event is still on its way
    const first = await iterator.next();

    expect(first.value).toMatchObject({ seq: 1, text: 'first' });
    await iterator.return(undefined);
  });
});

describe('sseEvents', () => {
  it('sse_framesWithCommentsAndCrlf_giveTheDataAsEvents', async () => {
    const frames =
      ': run r\n\n' +
      `id: 1\nevent: TOKEN_DELTA\ndata: ${event(1, 'a')}\n\n` +
      ': keep-alive\n\n' +
      `id: 2\r\nevent: TOKEN_DELTA\r\ndata:${event(2, 'b')}\r\n\r\n` +
      `data: ${event(3, 'c')}`; // the last frame without its blank line

    const events = await all(sseEvents(body(frames.slice(0, 30), frames.slice(30, 31), frames.slice(31))));

    expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it('sse_dataOverSeveralLines_isJoinedWithNewlines', async () => {
    const events = await all(sseEvents(body('data: {"type":"RUN_END",\ndata: "seq":9}\n\n')));

    expect(events).toEqual([{ type: 'RUN_END', seq: 9 }]);
  });
});
