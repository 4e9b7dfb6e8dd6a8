import { initializeBody, rawMcp, rawSession } from './support/raw-mcp';
import { startGatewayHarness, type GatewayHarness } from './support/gateway-harness';

describe('Streamable HTTP rules and error statuses', () => {
  let h: GatewayHarness;
  let url: string;
  beforeAll(async () => {
    h = await startGatewayHarness({
      replicas: 1,
      env: { MCP_MAX_BODY_BYTES: '20000', ALLOWED_ORIGINS: 'https://ok.example' },
    });
    url = h.gateways[0]!.url;
  });
  afterAll(async () => {
    await h.close();
  });

  describe('initialize', () => {
    it.each([
      ['2025-11-25', '2025-11-25'],
      ['2025-06-18', '2025-06-18'],
      ['2025-03-26', '2025-03-26'],
      ['1999-01-01', '2025-11-25'],
    ])(
      'negotiates %s → %s and returns a ≥128-bit visible-ASCII session id',
      async (asked, answered) => {
        const res = await rawMcp(url, initializeBody(asked), { token: h.admin.token });
        expect(res.status).toBe(200);
        expect(
          (res.json as unknown as { result: { protocolVersion: string } }).result.protocolVersion,
        ).toBe(answered);
        const session = res.headers.get('mcp-session-id')!;
        expect(session).toMatch(/^[\x21-\x7E]+$/);
        expect(Buffer.from(session, 'base64url').length).toBeGreaterThanOrEqual(16);
      },
    );

    it('refuses initialize inside a batch', async () => {
      const res = await rawMcp(url, [initializeBody()], { token: h.admin.token });
      expect(res.status).toBe(400);
      expect(res.json.error?.code).toBe(-32600);
    });
  });

  describe('HTTP statuses', () => {
    it('401 without a token, with WWW-Authenticate naming the resource metadata', async () => {
      const res = await rawMcp(url, initializeBody(), { token: null });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(
        /^Bearer resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource"/,
      );
      const metadata = await (await fetch(`${url}/.well-known/oauth-protected-resource`)).json();
      expect(metadata).toMatchObject({
        resource: expect.stringMatching(/\/mcp$/),
        bearer_methods_supported: ['header'],
      });
    });

    it('401 with invalid_token for an unknown token', async () => {
      const res = await rawMcp(url, initializeBody(), { token: 'gth_notarealtoken' });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
    });

    it('403 for a token without the mcp:call scope', async () => {
      const caller = await h.addCaller(['admin'], ['admin:*']);
      const res = await rawMcp(url, initializeBody(), { token: caller.token });
      expect(res.status).toBe(403);
      expect(res.json.error?.data?.code).toBe('forbidden');
    });

    it('403 for a disallowed Origin, 200 for an allowed one', async () => {
      expect(
        (
          await rawMcp(url, initializeBody(), {
            token: h.admin.token,
            origin: 'https://evil.example',
          })
        ).status,
      ).toBe(403);
      expect(
        (
          await rawMcp(url, initializeBody(), {
            token: h.admin.token,
            origin: 'https://ok.example',
          })
        ).status,
      ).toBe(200);
    });

    it('406 when Accept lacks text/event-stream or application/json', async () => {
      expect(
        (await rawMcp(url, initializeBody(), { token: h.admin.token, accept: 'application/json' }))
          .status,
      ).toBe(406);
      expect(
        (await rawMcp(url, initializeBody(), { token: h.admin.token, accept: 'text/event-stream' }))
          .status,
      ).toBe(406);
    });

    it('415 for a non-JSON content type', async () => {
      expect(
        (await rawMcp(url, 'x', { token: h.admin.token, contentType: 'text/plain' })).status,
      ).toBe(415);
    });

    it('415 naming the problem for a Content-Type that cannot be parsed, not a 5xx', async () => {
      for (const contentType of [';;;', 'a/b/c']) {
        const res = await rawMcp(url, initializeBody(), { token: h.admin.token, contentType });
        expect(res.status).toBe(415);
        expect(res.json.error?.data?.code).toBe('unsupported_media_type');
        expect(res.json.error?.message).toMatch(/Content-Type header is malformed/);
      }
    });

    it('413 for a body over the limit', async () => {
      const res = await rawMcp(
        url,
        { ...initializeBody(), padding: 'x'.repeat(30_000) },
        { token: h.admin.token },
      );
      expect(res.status).toBe(413);
      expect(res.json.error?.data?.code).toBe('payload_too_large');
    });

    it('400 with -32700 for malformed JSON and -32600 for an invalid JSON-RPC message', async () => {
      const parse = await rawMcp(url, '{"jsonrpc": "2.0", ', { token: h.admin.token });
      expect(parse.status).toBe(400);
      expect(parse.json.error?.code).toBe(-32700);
      const invalid = await rawMcp(
        url,
        { jsonrpc: '1.0', id: 1, method: 'ping' },
        { token: h.admin.token },
      );
      expect(invalid.status).toBe(400);
      expect(invalid.json.error?.code).toBe(-32600);
      expect(invalid.json.error?.message).toMatch(/jsonrpc/);
    });

    it('400 when a later request has no session id', async () => {
      const res = await rawMcp(
        url,
        { jsonrpc: '2.0', id: 2, method: 'tools/list' },
        { token: h.admin.token },
      );
      expect(res.status).toBe(400);
      expect(res.json.error?.data?.code).toBe('session_required');
    });

    it('404 for an unknown session, and for a real session presented by another person', async () => {
      expect(
        (
          await rawMcp(
            url,
            { jsonrpc: '2.0', id: 2, method: 'ping' },
            { token: h.admin.token, session: 'no-such-session' },
          )
        ).status,
      ).toBe(404);
      const { session, version } = await rawSession(url, h.admin.token);
      const stolen = await rawMcp(
        url,
        { jsonrpc: '2.0', id: 3, method: 'tools/list' },
        { token: h.member.token, session, version },
      );
      expect(stolen.status).toBe(404);
      const own = await rawMcp(
        url,
        { jsonrpc: '2.0', id: 4, method: 'ping' },
        { token: h.admin.token, session, version },
      );
      expect(own.status).toBe(200);
    });

    it('400 for an unsupported MCP-Protocol-Version header; an absent one is accepted', async () => {
      const { session } = await rawSession(url, h.admin.token);
      const bad = await rawMcp(
        url,
        { jsonrpc: '2.0', id: 2, method: 'ping' },
        { token: h.admin.token, session, version: '2020-01-01' },
      );
      expect(bad.status).toBe(400);
      expect(bad.json.error?.data?.code).toBe('invalid_protocol_version');
      const absent = await rawMcp(
        url,
        { jsonrpc: '2.0', id: 3, method: 'ping' },
        { token: h.admin.token, session },
      );
      expect(absent.status).toBe(200);
    });

    it('202 for notifications and client responses', async () => {
      const { session, version } = await rawSession(url, h.admin.token);
      const res = await rawMcp(
        url,
        { jsonrpc: '2.0', method: 'notifications/roots/list_changed' },
        { token: h.admin.token, session, version },
      );
      expect(res.status).toBe(202);
      const response = await rawMcp(
        url,
        { jsonrpc: '2.0', id: 'gh-s-unknown', result: {} },
        { token: h.admin.token, session, version },
      );
      expect(response.status).toBe(202);
    });

    it('GET needs Accept: text/event-stream (406) and then opens the session stream', async () => {
      const { session, version } = await rawSession(url, h.admin.token);
      const refused = await rawMcp(url, undefined, {
        token: h.admin.token,
        session,
        version,
        method: 'GET',
        accept: 'application/json',
      });
      expect(refused.status).toBe(406);
      const abort = new AbortController();
      const res = await fetch(`${url}/mcp`, {
        headers: {
          authorization: `Bearer ${h.admin.token}`,
          accept: 'text/event-stream',
          'mcp-session-id': session,
          'mcp-protocol-version': version,
        },
        signal: abort.signal,
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/event-stream');
      abort.abort();
    });

    it('400 for a Last-Event-ID the gateway did not issue', async () => {
      const { session, version } = await rawSession(url, h.admin.token);
      const res = await fetch(`${url}/mcp`, {
        headers: {
          authorization: `Bearer ${h.admin.token}`,
          accept: 'text/event-stream',
          'mcp-session-id': session,
          'mcp-protocol-version': version,
          'last-event-id': 'bogus',
        },
      });
      expect(res.status).toBe(400);
    });

    it('404 for a pass-through upstream the caller cannot reach', async () => {
      const res = await rawMcp(url, initializeBody(), { token: h.admin.token, path: '/mcp/nope' });
      expect(res.status).toBe(404);
    });
  });

  describe('JSON-RPC errors inside a session', () => {
    it('-32601 for an unknown method', async () => {
      const { session, version } = await rawSession(url, h.admin.token);
      const res = await rawMcp(
        url,
        { jsonrpc: '2.0', id: 9, method: 'no/such/method' },
        { token: h.admin.token, session, version },
      );
      expect(res.status).toBe(200);
      expect(res.json.error?.code).toBe(-32601);
    });

    it('refuses requests before notifications/initialized but answers ping', async () => {
      const init = await rawMcp(url, initializeBody(), { token: h.admin.token });
      const session = init.headers.get('mcp-session-id')!;
      const list = await rawMcp(
        url,
        { jsonrpc: '2.0', id: 2, method: 'tools/list' },
        { token: h.admin.token, session, version: '2025-11-25' },
      );
      expect(list.json.error?.code).toBe(-32600);
      const ping = await rawMcp(
        url,
        { jsonrpc: '2.0', id: 3, method: 'ping' },
        { token: h.admin.token, session, version: '2025-11-25' },
      );
      expect(ping.json.result).toEqual({});
    });

    it('-32602 for a cursor the gateway did not issue', async () => {
      const { session, version } = await rawSession(url, h.admin.token);
      const res = await rawMcp(
        url,
        { jsonrpc: '2.0', id: 2, method: 'tools/list', params: { cursor: 'garbage!' } },
        { token: h.admin.token, session, version },
      );
      expect(res.json.error?.code).toBe(-32602);
    });

    it('rejects batches in 2025-06-18 sessions and answers them in 2025-03-26 sessions', async () => {
      const modern = await rawSession(url, h.admin.token, '2025-06-18');
      const batch = [
        { jsonrpc: '2.0', id: 1, method: 'ping' },
        { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      ];
      const refused = await rawMcp(url, batch, {
        token: h.admin.token,
        session: modern.session,
        version: modern.version,
      });
      expect(refused.status).toBe(400);
      expect(refused.json.error?.data?.code).toBe('batch_not_allowed');
      const old = await rawSession(url, h.admin.token, '2025-03-26');
      const answered = await rawMcp(url, [...batch, { jsonrpc: '2.0', id: 3 }], {
        token: h.admin.token,
        session: old.session,
        version: old.version,
      });
      expect(answered.status).toBe(200);
      const ids = (answered.json as unknown as { id: number | null }[]).map((m) => m.id).sort();
      expect(ids).toEqual([1, 2, 3]);
    });
  });
});
