import { parseJsonRpcBody } from './json-rpc-body';
import { jsonRpcError } from './json-rpc-error';

const request = { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} };
const notification = { jsonrpc: '2.0', method: 'notifications/initialized' };
const response = { jsonrpc: '2.0', id: 'a', result: { content: [] } };
const errorResponse = { jsonrpc: '2.0', id: 7, error: { code: -1, message: 'no' } };

describe('parseJsonRpcBody: valid single messages', () => {
  it.each([
    ['request', request],
    ['request without params', { jsonrpc: '2.0', id: 'x', method: 'ping' }],
    ['notification', notification],
    ['response', response],
    ['error', errorResponse],
    ['error with null id', { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'bad' } }],
  ])('classifies a %s', (type, message) => {
    const body = parseJsonRpcBody(message);
    expect(body.kind).toBe('single');
    const expectedType = type.split(' ')[0];
    expect(body.kind === 'single' && body.messages[0].type).toBe(expectedType);
  });
});

describe('parseJsonRpcBody: invalid single messages', () => {
  it.each([
    ['a string', 'hello', null, /must be an object, got string/],
    ['null', null, null, /must be an object, got null/],
    ['a number', 3, null, /got number/],
    ['a wrong version', { ...request, jsonrpc: '1.0' }, 1, /"jsonrpc" must be exactly "2.0"/],
    ['a missing version', { id: 1, method: 'ping' }, 1, /"jsonrpc"/],
    ['a fractional id', { ...request, id: 1.5 }, null, /"id" must be a string or an integer/],
    ['a null id on a request', { ...request, id: null }, null, /"id"/],
    ['a numeric method', { jsonrpc: '2.0', id: 2, method: 5 }, 2, /"method" must be a string/],
    ['array params', { ...request, params: [1, 2] }, 1, /"params" must be an object/],
    ['an extra member', { ...request, extra: true }, 1, /unexpected member "extra"/],
    [
      'result and error',
      { ...response, error: { code: 1, message: 'x' } },
      'a',
      /both "result" and "error"/,
    ],
    ['a result without id', { jsonrpc: '2.0', result: {} }, null, /"id" is required/],
    ['a non-object result', { jsonrpc: '2.0', id: 3, result: 5 }, 3, /"result" must be an object/],
    ['a malformed error', { jsonrpc: '2.0', id: 4, error: { code: 'x' } }, 4, /integer "code"/],
    ['an empty object', { jsonrpc: '2.0' }, null, /expected "method"/],
  ])('rejects %s with -32600 naming the problem', (_label, value, id, message) => {
    const body = parseJsonRpcBody(value);
    expect(body.kind).toBe('invalid');
    if (body.kind !== 'invalid') return;
    expect(body.error.error.code).toBe(-32600);
    expect(body.error.id).toEqual(id);
    expect(body.error.error.message).toMatch(/^Invalid Request: /);
    expect(body.error.error.message).toMatch(message);
  });
});

describe('parseJsonRpcBody: batches', () => {
  it('classifies each element and marks only the bad ones invalid', () => {
    const body = parseJsonRpcBody([request, notification, { jsonrpc: '2.0', id: 9 }, 'x']);
    expect(body.kind).toBe('batch');
    if (body.kind !== 'batch') return;
    expect(body.messages.map((m) => m.type)).toEqual([
      'request',
      'notification',
      'invalid',
      'invalid',
    ]);
    const invalid = body.messages[2];
    expect(invalid?.type === 'invalid' && invalid.error.id).toBe(9);
  });

  it('rejects an empty batch as a whole', () => {
    const body = parseJsonRpcBody([]);
    expect(body).toEqual({
      kind: 'invalid',
      error: jsonRpcError(null, -32600, 'Invalid Request: the batch is empty'),
    });
  });

  it('rejects a batch larger than the limit', () => {
    const body = parseJsonRpcBody([request, request, request], { maxBatchSize: 2 });
    expect(body.kind === 'invalid' && body.error.error.message).toMatch(/3 messages, more than 2/);
  });
});

describe('jsonRpcError', () => {
  it('leaves data out unless given', () => {
    expect(jsonRpcError(1, -32601, 'Method not found')).toEqual({
      jsonrpc: '2.0',
      id: 1,
      error: { code: -32601, message: 'Method not found' },
    });
    expect(jsonRpcError(null, -32602, 'bad', { field: 'x' }).error.data).toEqual({ field: 'x' });
  });
});
