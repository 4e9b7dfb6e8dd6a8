import type { Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { LogController, type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  PROMETHEUS_CONTENT_TYPE,
  renderPrometheusMetrics,
  type Logger,
} from '@gatehouse/telemetry';
import { checkReadiness, type ReadinessCheck } from './health';
import { PinoNestLogger } from './nest-logger';
import { clientErrorHandler, type ClientErrorBody } from './client-errors';
import { trackConnections } from './connection-drain';

export interface HttpAppOptions {
  name: string;
  host: string;
  port: number;
  logger: Logger;
  checks: Record<string, ReadinessCheck>;
  /** Checks whose failure leaves the app `degraded` (200) rather than not ready (503). */
  degradedChecks?: readonly string[];
  bodyLimit?: number;
  /**
   * How long a client may take to send a whole request (HTTP_REQUEST_TIMEOUT_MS; default
   * 30 s): a slow-loris connection gets 408 and is closed. Responses are not limited by it.
   */
  requestTimeoutMs?: number;
  /** Peers whose X-Forwarded-For is believed (TRUST_PROXY); default none. */
  trustProxy?: boolean | number | string[];
  /**
   * Answers Fastify's own routing errors (invalid percent-escape, a path segment longer than
   * `maxParamLength`), which no route or error handler sees, in the app's error format.
   */
  frameworkErrors?: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void;
  /** The body of 408/431/400 answers to what Node's HTTP parser refused (client-errors.ts). */
  clientErrorBody?: ClientErrorBody;
  /** Longest path parameter the router matches (Fastify's default 100); longer ones get 414. */
  maxParamLength?: number;
  /** Adds routes or plugins before the app starts listening (OpenAPI, raw MCP routes, ...). */
  configure?: (app: NestFastifyApplication) => Promise<void> | void;
}

export interface HttpAppHandle {
  name: string;
  app: NestFastifyApplication;
  /** Base URL the app listens on, e.g. http://127.0.0.1:8080 */
  url: string;
  /** Stops accepting connections and waits for in-flight requests to finish. */
  close(): Promise<void>;
}

/**
 * Starts one Nest app on Fastify with JSON logs, `/healthz` (process alive) and `/readyz`
 * (every dependency answering; 503 naming the failing one, and while draining) and `/metrics`
 * (this process's OpenTelemetry metrics in the Prometheus text format).
 */
export async function startHttpApp(module: Type, options: HttpAppOptions): Promise<HttpAppHandle> {
  // Fastify turns Node's request timeout off (0), which let a client trickling a body keep its
  // connection forever. Node checks the timers every connectionsCheckingInterval (30 s by
  // default); a shorter interval keeps the cut close to the configured time.
  const requestTimeout = options.requestTimeoutMs ?? 30_000;
  const adapter = new FastifyAdapter({
    requestTimeout,
    http: {
      requestTimeout,
      headersTimeout: Math.min(60_000, requestTimeout),
      connectionsCheckingInterval: Math.min(5_000, Math.max(100, Math.floor(requestTimeout / 4))),
    },
    loggerInstance: options.logger.child({ app: options.name }),
    // Per-request lines would dominate the logs of a busy gateway; apps log what matters.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    trustProxy: options.trustProxy ?? false,
    return503OnClosing: true,
    ...(options.maxParamLength
      ? { routerOptions: { maxParamLength: options.maxParamLength } }
      : {}),
    ...(options.clientErrorBody
      ? { clientErrorHandler: clientErrorHandler(options.clientErrorBody) }
      : {}),
    ...(options.frameworkErrors
      ? {
          frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) =>
            options.frameworkErrors?.(error, request, reply),
        }
      : {}),
  });
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, {
    logger: new PinoNestLogger(options.logger.child({ app: options.name })),
    abortOnError: false,
  });
  let draining = false;
  const fastify = app.getHttpAdapter().getInstance();
  fastify.get('/healthz', async () => ({ status: 'ok', app: options.name }));
  fastify.get('/readyz', async (_request, reply) => {
    const report = await checkReadiness(options.checks, draining, 2000, options.degradedChecks);
    const serving = report.status === 'ready' || report.status === 'degraded';
    return reply.code(serving ? 200 : 503).send(report);
  });
  fastify.get('/metrics', async (_request, reply) =>
    reply.type(PROMETHEUS_CONTENT_TYPE).send(await renderPrometheusMetrics()),
  );
  const connections = trackConnections(fastify.server);
  await options.configure?.(app);
  await app.listen(options.port, options.host);
  const address = fastify.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  options.logger.info({ app: options.name, url: `http://${host}:${port}` }, 'listening');
  return {
    name: options.name,
    app,
    url: `http://${host}:${port}`,
    close: async () => {
      draining = true;
      connections.drain();
      await app.close();
    },
  };
}
