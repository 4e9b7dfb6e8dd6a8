import { classifyJsonRpcMessage } from '@gatehouse/mcp-protocol';
import type {
  JSONRPCMessage,
  JSONRPCResponse,
  RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import type { Deadline } from './deadline';
import { SseEventTooLargeError, readSseEvents } from './sse-events';
import { upstreamErrors } from './upstream-error';
import {
  discardBody,
  errorForStatus,
  mediaType,
  readCappedText,
  toReadError,
  toUpstreamError,
  type UpstreamResponse,
} from './upstream-http';
import type { UpstreamTarget } from './upstream-types';

export interface ResponseReaderArgs {
  target: UpstreamTarget;
  requestId: RequestId;
  maxBytes: number;
  deadline: Deadline;
  timeoutMs: number;
  /** `eventId`: the upstream's SSE event id of the message, when it gave one. */
  onMessage: ((message: JSONRPCMessage, eventId?: string) => void | Promise<void>) | undefined;
  /** Reopens a cut SSE stream with GET + Last-Event-ID (spec: resumability). */
  resume: (lastEventId: string) => Promise<UpstreamResponse>;
  maxResumeAttempts: number;
}

/** Marks an error thrown by the caller's onMessage so it is not mistaken for a network failure. */
class CallbackFailure {
  constructor(readonly error: unknown) {}
}

/**
 * Reads a 200 answer to a POSTed request, JSON or SSE, passing every other message to
 * onMessage as it arrives and returning the response whose id matches the request.
 */
export async function readResponse(
  args: ResponseReaderArgs,
  response: UpstreamResponse,
): Promise<JSONRPCResponse> {
  const type = mediaType(response);
  if (type === 'application/json') return readJsonResponse(args, response);
  if (type === 'text/event-stream') return readSseResponse(args, response);
  discardBody(response);
  throw upstreamErrors.protocol(
    args.target.slug,
    `unexpected Content-Type "${type}" for a request`,
  );
}

async function readJsonResponse(args: ResponseReaderArgs, response: UpstreamResponse) {
  let text: string;
  try {
    text = await readCappedText(args.target, response, args.maxBytes);
  } catch (error) {
    throw toReadError(args.target, error, args.deadline, args.timeoutMs);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw upstreamErrors.protocol(args.target.slug, 'the JSON response body is not valid JSON');
  }
  let final: JSONRPCResponse | undefined;
  for (const value of Array.isArray(body) ? body : [body]) {
    const message = parseMessage(args, value);
    const response = asFinalResponse(args.requestId, message);
    if (response !== undefined) final = response;
    else await args.onMessage?.(message);
  }
  if (final === undefined) {
    throw upstreamErrors.protocol(
      args.target.slug,
      `the JSON body holds no response to request ${String(args.requestId)}`,
    );
  }
  return final;
}

async function readSseResponse(
  args: ResponseReaderArgs,
  first: UpstreamResponse,
): Promise<JSONRPCResponse> {
  let response = first;
  let lastEventId: string | undefined;
  let final: JSONRPCResponse | undefined;
  for (let attempt = 0; ; attempt += 1) {
    let failure: unknown;
    try {
      await readSseEvents(response.body, args.maxBytes, async (event) => {
        if (event.id !== undefined && event.id !== '') lastEventId = event.id;
        // Priming events (empty data) only hand out an id; other event types are not JSON-RPC.
        if (event.data === '' || (event.event !== undefined && event.event !== 'message')) {
          return false;
        }
        const message = parseMessage(args, parseJson(args, event.data));
        final = asFinalResponse(args.requestId, message);
        if (final !== undefined) return true;
        try {
          await args.onMessage?.(message, event.id === '' ? undefined : event.id);
        } catch (error) {
          throw new CallbackFailure(error);
        }
        return false;
      });
    } catch (error) {
      if (error instanceof CallbackFailure) throw error.error;
      if (error instanceof SseEventTooLargeError) {
        throw upstreamErrors.tooLarge(args.target.slug, args.maxBytes);
      }
      failure = error;
    }
    if (final !== undefined) {
      discardBody(response);
      return final;
    }
    if (args.deadline.signal.aborted) {
      throw toUpstreamError(args.target, failure, args.deadline, args.timeoutMs);
    }
    if (lastEventId === undefined || attempt >= args.maxResumeAttempts) {
      if (failure !== undefined)
        throw toReadError(args.target, failure, args.deadline, args.timeoutMs);
      throw upstreamErrors.protocol(
        args.target.slug,
        `the SSE stream ended before the response to request ${String(args.requestId)}`,
      );
    }
    response = await args.resume(lastEventId);
    if (response.status < 200 || response.status >= 300) {
      throw await errorForStatus(args.target, response, true);
    }
    if (mediaType(response) !== 'text/event-stream') {
      discardBody(response);
      throw upstreamErrors.protocol(args.target.slug, 'resuming the stream did not return SSE');
    }
  }
}

function parseJson(args: ResponseReaderArgs, data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    throw upstreamErrors.protocol(args.target.slug, 'an SSE event holds invalid JSON');
  }
}

export function parseMessage(args: { target: UpstreamTarget }, value: unknown): JSONRPCMessage {
  const classified = classifyJsonRpcMessage(value);
  if (classified.type === 'invalid') {
    throw upstreamErrors.protocol(args.target.slug, classified.error.error.message);
  }
  return classified.message;
}

function asFinalResponse(
  requestId: RequestId,
  message: JSONRPCMessage,
): JSONRPCResponse | undefined {
  if ('result' in message && message.id === requestId) return message;
  if ('error' in message) {
    // An error without id on this request's own stream can only be about this request.
    if (message.id === undefined) return { ...message, id: requestId };
    if (message.id === requestId) return message;
  }
  return undefined;
}
