// demo-seed (docker compose): registers the fixture upstream as "demo" in tenant "default" with
// the bootstrap token, so that `docker compose up` ends with a gateway that has a tool to call.
// Idempotent: an existing "demo" upstream (409) counts as done.
const adminApi = process.env.ADMIN_API_URL ?? 'http://admin-api:8081';
const token = process.env.GATEHOUSE_BOOTSTRAP_ADMIN_TOKEN;
const upstreamUrl = process.env.DEMO_UPSTREAM_URL ?? 'http://fixture-upstream:9000/mcp';
if (!token) {
  console.error('demo-seed: GATEHOUSE_BOOTSTRAP_ADMIN_TOKEN is not set');
  process.exit(2);
}

const response = await fetch(`${adminApi}/api/v1/tenants/default/upstreams`, {
  method: 'POST',
  headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  body: JSON.stringify({ slug: 'demo', name: 'Demo fixture upstream', url: upstreamUrl }),
});
if (response.ok || response.status === 409) {
  console.log(`demo-seed: upstream "demo" -> ${upstreamUrl} (${response.status})`);
  console.log('demo-seed: MCP endpoint http://127.0.0.1:8080/mcp, bearer = the bootstrap token');
  process.exit(0);
}
console.error(`demo-seed: admin API answered ${response.status}: ${await response.text()}`);
process.exit(1);
