import { Module } from '@nestjs/common';

/**
 * The gateway's Nest application. Its HTTP surface is registered directly on Fastify
 * (registerMcpRoutes) so the MCP hot path skips Nest's per-request pipeline; Nest provides the
 * process lifecycle, logging and health endpoints.
 */
@Module({})
export class GatewayModule {}
