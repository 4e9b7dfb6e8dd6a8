/**
 * A real OpenID provider for tests (oidc-provider), run as its own process because
 * oidc-provider is ESM-only and jest's CommonJS runtime cannot load it on Node 20. It issues
 * RS256 JWT access tokens for any resource (RFC 8707), with `email` in them, and signs people
 * in headlessly: the interaction page logs in the `login_hint` and grants what was asked.
 *
 * Settings come from IDP_FIXTURE (JSON: { registration: boolean, accessTokenTtlSeconds }).
 * Prints one JSON line `{ "url": ... }` on stdout once listening.
 */
import { generateKeyPairSync, createSign } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface FixtureSettings {
  registration: boolean;
  accessTokenTtlSeconds: number;
  /** Confidential clients registered in advance (a relying party such as Gatehouse's own). */
  clients: { client_id: string; client_secret: string; redirect_uris: string[] }[];
}

interface InteractionDetails {
  uid: string;
  prompt: { name: string; details: Record<string, unknown> };
  params: Record<string, unknown>;
  session?: { accountId?: string };
  grantId?: string;
}

const settings: FixtureSettings = {
  registration: true,
  accessTokenTtlSeconds: 300,
  clients: [],
  ...(JSON.parse(process.env['IDP_FIXTURE'] ?? '{}') as Partial<FixtureSettings>),
};

const SCOPES = [
  'openid',
  'email',
  'offline_access',
  'mcp',
  'mcp:call',
  'admin:read',
  'admin:write',
];

async function main(): Promise<void> {
  const { default: Provider } = await import('oidc-provider');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signingKey = {
    ...privateKey.export({ format: 'jwk' }),
    kid: 'fixture-1',
    alg: 'RS256',
    use: 'sig',
  };

  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'preregistered',
        token_endpoint_auth_method: 'none',
        redirect_uris: ['http://127.0.0.1/callback'],
        grant_types: ['authorization_code', 'refresh_token'],
      },
      ...settings.clients.map((client) => ({
        ...client,
        grant_types: ['authorization_code'],
        response_types: ['code'] as const,
      })),
    ],
    jwks: { keys: [signingKey] },
    scopes: SCOPES,
    claims: { openid: ['sub'], email: ['email'] },
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub, email: sub }) }),
    extraTokenClaims: (_ctx, token) => ('accountId' in token ? { email: token.accountId } : {}),
    pkce: { required: () => true },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: { AccessToken: settings.accessTokenTtlSeconds },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: settings.registration },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx, _client, oneOf) => oneOf ?? undefined,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => ({
          audience: resource,
          scope: SCOPES.filter(
            (s) => s !== 'openid' && s !== 'email' && s !== 'offline_access',
          ).join(' '),
          accessTokenTTL: settings.accessTokenTtlSeconds,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
  });

  const interaction = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const details = (await provider.interactionDetails(req, res)) as unknown as InteractionDetails;
    if (details.prompt.name === 'login') {
      const hint = details.params['login_hint'];
      if (typeof hint !== 'string') {
        res.writeHead(400).end('the headless login needs login_hint');
        return;
      }
      await provider.interactionFinished(req, res, { login: { accountId: hint } });
      return;
    }
    // Consent: grant whatever was asked, for the resource asked.
    const accountId = details.session?.accountId ?? '';
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId, clientId: String(details.params['client_id']) });
    if (!grant) throw new Error('grant vanished');
    const missing = details.prompt.details;
    const scopes = missing['missingOIDCScope'];
    if (Array.isArray(scopes)) grant.addOIDCScope(scopes.join(' '));
    const resourceScopes = missing['missingResourceScopes'];
    if (resourceScopes && typeof resourceScopes === 'object') {
      for (const [resource, list] of Object.entries(resourceScopes as Record<string, string[]>)) {
        grant.addResourceScope(resource, list.join(' '));
      }
    }
    const grantId = await grant.save();
    await provider.interactionFinished(
      req,
      res,
      { consent: { grantId } },
      { mergeWithLastSubmission: true },
    );
  };

  // Test hook: sign arbitrary claims with the provider's own key (for refusal tests).
  const sign = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let body = '';
    for await (const chunk of req) body += String(chunk);
    const { header, payload } = JSON.parse(body) as { header: object; payload: object };
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const input = `${encode({ alg: 'RS256', kid: 'fixture-1', ...header })}.${encode(payload)}`;
    const signature = createSign('RSA-SHA256').update(input).sign(privateKey).toString('base64url');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ jwt: `${input}.${signature}` }));
  };

  const callback = provider.callback();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const handle = path.startsWith('/interaction/')
      ? interaction(req, res)
      : path === '/__test/sign' && req.method === 'POST'
        ? sign(req, res)
        : Promise.resolve(callback(req, res));
    handle.catch((error: unknown) => {
      process.stderr.write(`idp fixture: ${String(error)}\n`);
      if (!res.headersSent) res.writeHead(500).end(String(error));
    });
  });
  process.stdout.write(`${JSON.stringify({ url: issuer })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`idp fixture failed: ${String(error)}\n`);
  process.exit(1);
});
