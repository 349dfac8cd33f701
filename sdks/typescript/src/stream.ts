import { StreamError } from './errors.js';
import type { MeshEvent } from './generated/openapi.js';

/** The wire formats of an event stream: `POST /stream` speaks both, `GET /runs/{id}/events` only SSE. */
export type StreamFormat = 'ndjson' | 'sse';

/**
 * Splits a byte stream into lines as the bytes arrive: UTF-8 is decoded across chunk boundaries, a line ends at
 * `\n`, `\r\n` or `\r`, and a last line without an ending is still given.
 */
export async function* lines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder('utf-8');
  let buffer = '';
  let done = false;
  try {
    while (true) {
      const chunk = await reader.read();
      if (chunk.done) {
        done = true;
        buffer += decoder.decode();
      } else {
        buffer += decoder.decode(chunk.value, { stream: true });
      }
      let start = 0;
      for (let i = 0; i < buffer.length; i++) {
        const c = buffer.charCodeAt(i);
        if (c === 10 || c === 13) {
          // a '\r' last in the buffer may be the first half of '\r\n': wait for the next chunk
          if (c === 13 && i === buffer.length - 1 && !done) break;
          yield buffer.slice(start, i);
          if (c === 13 && buffer.charCodeAt(i + 1) === 10) i++;
          start = i + 1;
        }
      }
      buffer = buffer.slice(start);
      if (done) {
        if (buffer.length > 0) yield buffer;
        return;
      }
    }
  } finally {
    if (!done) {
      // the consumer stopped early (break, an error, an abort): close the connection
      await reader.cancel().catch(() => undefined);
    }
    reader.releaseLock();
  }
}

/** The events of an NDJSON body: one JSON object per line; blank lines (the server's keep-alives) are skipped. */
export async function* ndjsonEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<MeshEvent> {
  for await (const line of lines(body)) {
    if (line.trim() === '') continue;
    yield parseEvent(line);
  }
}

/**
 * The events of a Server-Sent Events body: each event's `data:` lines joined by `\n` are one JSON event; comments
 * (`: keep-alive`) and events without data are skipped.
 */
export async function* sseEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<MeshEvent> {
  let data: string[] = [];
  for await (const line of lines(body)) {
    if (line === '') {
      if (data.length > 0) yield parseEvent(data.join('\n'));
      data = [];
      continue;
    }
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    // id and event repeat the JSON's seq and type; retry does not apply to a POST
  }
  if (data.length > 0) yield parseEvent(data.join('\n'));
}

function parseEvent(text: string): MeshEvent {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new StreamError(`the event stream carried malformed JSON: ${excerpt(text)}`, { cause: e });
  }
  if (typeof value !== 'object' || value === null || typeof (value as { type?: unknown }).type !== 'string') {
    throw new StreamError(`the event stream carried something that is not an event: ${excerpt(text)}`);
  }
  return value as MeshEvent;
}

function excerpt(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}
