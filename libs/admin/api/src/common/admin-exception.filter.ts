import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '@gatehouse/telemetry';
import { errorBodyOf } from './error-body';
import { toAdminError } from './to-admin-error';

/** Writes every error as `{ error: { code, message, details?, requestId } }`. */
@Catch()
export class AdminExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const error = toAdminError(exception);
    if (error.status >= 500) {
      this.logger.error(
        { err: exception, requestId: request.id, url: request.url },
        'admin API request failed',
      );
    }
    void reply
      .status(error.status)
      .headers(error.headers)
      .send(errorBodyOf(error, String(request.id)));
  }
}
