import { buildUpstreamHeaders } from './upstream-headers';

const target = { slug: 'a', url: 'http://x/mcp', headers: { Authorization: 'Bearer upstream' } };
const session = {
  sessionId: 's-1',
  protocolVersion: '2025-06-18',
  capabilities: {},
  serverInfo: { name: 'a', version: '1' },
};

describe('buildUpstreamHeaders', () => {
  it('sends exactly the protocol headers, the injected credential and the per-call headers', () => {
    expect(
      buildUpstreamHeaders('post', target, session, { headers: { traceparent: 't' } }),
    ).toEqual({
      accept: 'application/json, text/event-stream',
      'content-type': 'application/json',
      authorization: 'Bearer upstream',
      'mcp-session-id': 's-1',
      'mcp-protocol-version': '2025-06-18',
      traceparent: 't',
    });
  });

  it('sends no session or version header on initialize', () => {
    const headers = buildUpstreamHeaders('initialize', target, session, undefined);
    expect(headers['mcp-session-id']).toBeUndefined();
    expect(headers['mcp-protocol-version']).toBeUndefined();
  });

  it('lets the injected credential win over a per-call header and protocol headers win over both', () => {
    const headers = buildUpstreamHeaders(
      'post',
      { ...target, headers: { authorization: 'Bearer upstream', 'Mcp-Session-Id': 'forged' } },
      session,
      { headers: { Authorization: 'Bearer client', 'MCP-Protocol-Version': '1999-01-01' } },
    );
    expect(headers['authorization']).toBe('Bearer upstream');
    expect(headers['mcp-session-id']).toBe('s-1');
    expect(headers['mcp-protocol-version']).toBe('2025-06-18');
  });

  it('asks only for SSE on GET and carries Last-Event-ID when resuming', () => {
    const headers = buildUpstreamHeaders('get', target, session, undefined, { lastEventId: 'e-9' });
    expect(headers['accept']).toBe('text/event-stream');
    expect(headers['content-type']).toBeUndefined();
    expect(headers['last-event-id']).toBe('e-9');
  });
});
