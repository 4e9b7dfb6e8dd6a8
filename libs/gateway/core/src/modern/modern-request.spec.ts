import type { McpHttpRequest } from '../http-types';
import { classifyModernPost, mayBeModern } from './modern-request';

const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'spec', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

function request(body: unknown, headers: Record<string, string> = {}): McpHttpRequest {
  return {
    headers,
    rawBody: JSON.stringify(body),
    clientAddress: '127.0.0.1',
    signal: new AbortController().signal,
  };
}

const call = (name: string, meta: Record<string, unknown> = ENVELOPE) => ({
  jsonrpc: '2.0',
  id: 7,
  method: 'tools/call',
  params: { name, arguments: {}, _meta: meta },
});
const modernHeaders = (name?: string) => ({
  'mcp-protocol-version': '2026-07-28',
  'mcp-method': 'tools/call',
  ...(name === undefined ? {} : { 'mcp-name': name }),
});

function classify(body: unknown, headers: Record<string, string> = {}) {
  return classifyModernPost(request(body, headers), body);
}

describe('classifyModernPost', () => {
  it('leaves 2025 traffic (initialize, envelope-less requests) to the session path', () => {
    const init = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 'a', version: '1' },
      },
    };
    expect(mayBeModern(request(init))).toBe(false);
    expect(classify(init).kind).toBe('legacy');
    expect(classify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }).kind).toBe('legacy');
  });

  it('accepts a well-formed modern request and reads its envelope', () => {
    const result = classify(call('alpha__echo'), modernHeaders('alpha__echo'));
    expect(result).toMatchObject({
      kind: 'request',
      envelope: { protocolVersion: '2026-07-28', clientInfo: { name: 'spec', version: '1' } },
    });
  });

  it('decodes a Base64-sentinel Mcp-Name before comparing it to the body', () => {
    const encoded = `=?base64?${Buffer.from('alpha__echo').toString('base64')}?=`;
    expect(classify(call('alpha__echo'), modernHeaders(encoded)).kind).toBe('request');
  });

  it.each([
    [
      'a missing envelope key',
      call('x', { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' }),
      modernHeaders('x'),
      400,
      -32602,
    ],
    [
      'an unsupported version',
      call('x', { ...ENVELOPE, 'io.modelcontextprotocol/protocolVersion': '2030-01-01' }),
      { ...modernHeaders('x'), 'mcp-protocol-version': '2030-01-01' },
      400,
      -32022,
    ],
    ['a disagreeing Mcp-Name', call('x'), modernHeaders('y'), 400, -32020],
    ['a missing Mcp-Name', call('x'), modernHeaders(), 400, -32020],
    [
      'a disagreeing Mcp-Method',
      call('x'),
      { ...modernHeaders('x'), 'mcp-method': 'tools/list' },
      400,
      -32020,
    ],
    [
      'a disagreeing MCP-Protocol-Version',
      call('x'),
      { ...modernHeaders('x'), 'mcp-protocol-version': '2025-11-25' },
      400,
      -32020,
    ],
    [
      'a removed method',
      { jsonrpc: '2.0', id: 3, method: 'ping', params: { _meta: ENVELOPE } },
      { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'ping' },
      404,
      -32601,
    ],
  ])('rejects %s', (_case, body, headers, status, code) => {
    const result = classify(body, headers as Record<string, string>);
    expect(result).toMatchObject({ kind: 'reject', status, body: { error: { code } } });
  });

  it('names the supported and requested versions in -32022', () => {
    const result = classify(
      call('x', { ...ENVELOPE, 'io.modelcontextprotocol/protocolVersion': '2030-01-01' }),
      { ...modernHeaders('x'), 'mcp-protocol-version': '2030-01-01' },
    );
    expect(result).toMatchObject({
      body: {
        id: 7,
        error: {
          data: {
            requested: '2030-01-01',
            supported: expect.arrayContaining(['2026-07-28', '2025-11-25']),
          },
        },
      },
    });
  });
});
