// How answers the real server does not easily give are read: bodies that are not MeshFlow's error JSON (a proxy's
// page), other statuses, Retry-After as an HTTP date, and what the client sends. A fake fetch stands in for the wire.
import { describe, expect, it } from 'vitest';
import { ApiError, MeshFlowClient, RateLimitError, StreamError } from '../src/index.js';

function answering(response: () => Response, seen: Request[] = []): typeof fetch {
  return async (input, init) => {
    seen.push(new Request(input, init));
    return response();
  };
}

describe('errors from other answers', () => {
  it('nonJsonErrorBody_keepsTheTextAsMessageAndCodeFromTheStatus', async () => {
    const c = new MeshFlowClient('http://proxy.test', 'k-123456789', {
      fetch: answering(() => new Response('<html>Bad Gateway</html>', { status: 502, statusText: 'Bad Gateway' })),
    });

    const error = await c.getRun('r1').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 502, code: 'http_502', serverMessage: '<html>Bad Gateway</html>' });
    expect((error as ApiError).requestId).toBeNull();
  });

  it('retryAfterAsHttpDate_isSecondsFromNow', async () => {
    const later = new Date(Date.now() + 120_000).toUTCString();
    const c = new MeshFlowClient('http://proxy.test', 'k-123456789', {
      fetch: answering(
        () =>
          new Response(JSON.stringify({ error: 'too_many_runs', message: 'slow down', request_id: 'abc' }), {
            status: 429,
            headers: { 'Retry-After': later },
          }),
      ),
    });

    const error = (await c.start('x').catch((e: unknown) => e)) as RateLimitError;

    expect(error).toBeInstanceOf(RateLimitError);
    expect(error.retryAfterSeconds).toBeGreaterThan(100);
    expect(error.retryAfterSeconds).toBeLessThanOrEqual(120);
    expect(error.requestId).toBe('abc');
  });

  it('streamOfSomethingElse_isAStreamError', async () => {
    const c = new MeshFlowClient('http://proxy.test', 'k-123456789', {
      fetch: answering(() => new Response('<html>login page</html>\n', { status: 200 })),
    });

    const read = async () => {
      for await (const event of c.stream('x')) void event;
    };

    await expect(read()).rejects.toBeInstanceOf(StreamError);
  });

  it('requests_carryTheKeyTenantAndQueryAndEncodeIds', async () => {
    const seen: Request[] = [];
    const c = new MeshFlowClient('http://server.test/prefix/', ' k-123456789 ', {
      tenant: 'acme',
      headers: { 'X-Request-Id': 'req-1' },
      fetch: answering(() => new Response('{"runs":[],"limit":5,"offset":0,"next_offset":null}'), seen),
    });

    await c.listRuns({ status: 'COMPLETED', limit: 5, startedFrom: new Date('2026-01-31T12:00:00Z') });
    await c.getRun('a/b');

    const [list, run] = seen;
    expect(list?.url).toBe(
      'http://server.test/prefix/runs?status=completed&started_from=2026-01-31T12%3A00%3A00.000Z&limit=5',
    );
    expect(list?.headers.get('Authorization')).toBe('Bearer k-123456789');
    expect(list?.headers.get('X-Tenant-ID')).toBe('acme');
    expect(list?.headers.get('X-Request-Id')).toBe('req-1');
    expect(run?.url).toBe('http://server.test/prefix/runs/a%2Fb');
    await expect(c.getRun('')).rejects.toThrow(/run id is required/);
    await expect(c.run({ task: '' })).rejects.toThrow(/give a task, a workflow or a definition/);
  });
});
