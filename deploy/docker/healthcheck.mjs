// Container HEALTHCHECK: GET /healthz of the app running in this container. The image runs one
// app per container but does not know which, so it tries PORT (or HEALTHCHECK_PORT) if set, else
// the gateway, admin-api and audit-service ports in turn; the first 200 wins. Exit 0 healthy, 1 not.
const host = process.env.HEALTHCHECK_HOST ?? '127.0.0.1';
const explicit = process.env.HEALTHCHECK_PORT ?? process.env.PORT;
const ports = explicit
  ? [explicit]
  : [
      process.env.GATEWAY_PORT ?? '8080',
      process.env.ADMIN_API_PORT ?? '8081',
      process.env.AUDIT_SERVICE_PORT ?? '8082',
    ];

async function healthy(port) {
  try {
    const response = await fetch(`http://${host}:${port}/healthz`, {
      signal: AbortSignal.timeout(2000),
    });
    return response.status === 200;
  } catch {
    return false;
  }
}

for (const port of ports) {
  if (await healthy(port)) process.exit(0);
}
console.error(`healthcheck: no /healthz answered 200 on ${host}:${ports.join(',')}`);
process.exit(1);
