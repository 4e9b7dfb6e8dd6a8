import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider' with { 'resolution-mode': 'import' };
import { z } from 'zod';
import { Federation, FederationError } from './federation';
import { consentPage, errorPage, signInPage } from './pages';
import { isGatewayResource, parseAccountId } from './provider';

const EmailForm = z.object({ email: z.string().trim().email().max(320) });
const ConsentForm = z.object({ decision: z.enum(['allow', 'deny']) });

/**
 * The interaction pages oidc-provider hands over to: sign-in (federated to the tenant's IdP,
 * found from the tenant URL or the email's domain) and consent.
 */
export class Interactions {
  constructor(
    private readonly provider: Provider,
    private readonly federation: Federation,
    private readonly publicUrl: string,
    private readonly nameOf: (accountId: string) => Promise<string | undefined>,
  ) {}

  /** Handles `/interaction/...` and the IdP callback; false when the path is not one of them. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const path = url.pathname;
    if (path === '/federation/callback' && req.method === 'GET') {
      const uid = await this.federation.interactionOf(url.searchParams.get('state') ?? '');
      if (!uid) return (html(res, 400, errorPage('This sign-in expired; start again.')), true);
      // Back under the interaction's path, where its cookie is sent.
      res.writeHead(303, { location: `/interaction/${uid}/callback${url.search}` }).end();
      return true;
    }
    const match = /^\/interaction\/([\w-]+)(?:\/(login|callback|consent))?$/.exec(path);
    if (!match) return false;
    const [, uid = '', step] = match;
    const details = await this.provider.interactionDetails(req, res);
    if (details.uid !== uid) return (html(res, 400, errorPage('Unknown sign-in.')), true);
    const client = await this.provider.Client.find(String(details.params['client_id']));
    const clientName = client?.clientName ?? String(details.params['client_id']);
    const resources = resourcesOf(details.params['resource']);
    const tenant = resources.map((r) => tenantOfResource(this.publicUrl, r)).find(Boolean);
    try {
      if (step === undefined && req.method === 'GET') {
        if (details.prompt.name === 'login') {
          const hint = details.params['login_hint'];
          if (typeof hint === 'string' && hint.includes('@')) {
            const idp = await this.federation.idpFor(hint, tenant);
            if (idp) return (redirect(res, await this.federation.start(uid, idp, hint)), true);
          }
          return (html(res, 200, signInPage(uid, clientName)), true);
        }
        const person = (await this.nameOf(details.session?.accountId ?? '')) ?? 'you';
        const scopes = String(details.params['scope'] ?? '')
          .split(' ')
          .filter(Boolean);
        const page = consentPage({
          uid,
          clientName,
          clientId: String(details.params['client_id']),
          ...(client?.clientUri ? { clientUri: client.clientUri } : {}),
          resources: resources.length > 0 ? resources : [`${this.publicUrl}/mcp`],
          scopes: scopes.length > 0 ? scopes : ['mcp:call'],
          person,
        });
        return (html(res, 200, page), true);
      }
      if (step === 'login' && req.method === 'POST' && details.prompt.name === 'login') {
        const form = EmailForm.safeParse(await readForm(req));
        if (!form.success) {
          return (
            html(res, 400, signInPage(uid, clientName, 'Enter a valid email address.')),
            true
          );
        }
        const idp = await this.federation.idpFor(form.data.email, tenant);
        if (!idp) {
          const message = 'No identity provider signs in people of that email domain here.';
          return (html(res, 400, signInPage(uid, clientName, message)), true);
        }
        return (redirect(res, await this.federation.start(uid, idp, form.data.email)), true);
      }
      if (step === 'callback' && req.method === 'GET' && details.prompt.name === 'login') {
        const error = url.searchParams.get('error');
        if (error) throw new FederationError('idp_refused', `the identity provider said ${error}`);
        const accountId = await this.federation.finish(
          uid,
          url.searchParams.get('state') ?? '',
          url.searchParams.get('code') ?? '',
        );
        await this.provider.interactionFinished(req, res, { login: { accountId } });
        return true;
      }
      if (step === 'consent' && req.method === 'POST' && details.prompt.name === 'consent') {
        const form = ConsentForm.safeParse(await readForm(req));
        if (!form.success) return (html(res, 400, errorPage('Choose Allow or Deny.')), true);
        if (form.data.decision === 'deny') {
          await this.provider.interactionFinished(req, res, {
            error: 'access_denied',
            error_description: 'the person denied access',
          });
          return true;
        }
        await this.provider.interactionFinished(
          req,
          res,
          { consent: { grantId: await this.grant(details) } },
          { mergeWithLastSubmission: true },
        );
        return true;
      }
      html(res, 405, errorPage('This step is not available now.'));
      return true;
    } catch (error) {
      if (!(error instanceof FederationError)) throw error;
      html(res, 400, errorPage(error.message));
      return true;
    }
  }

  /** The grant the person just allowed: what the prompt says is missing, nothing more. */
  private async grant(details: Awaited<ReturnType<Provider['interactionDetails']>>) {
    const { Grant } = this.provider;
    const accountId = details.session?.accountId ?? '';
    if (!parseAccountId(accountId)) throw new Error('consent without a signed-in person');
    const grant =
      (details.grantId ? await Grant.find(details.grantId) : undefined) ??
      new Grant({ accountId, clientId: String(details.params['client_id']) });
    const missing = details.prompt.details;
    const scopes = missing['missingOIDCScope'];
    if (Array.isArray(scopes)) grant.addOIDCScope(scopes.join(' '));
    const perResource = missing['missingResourceScopes'];
    if (perResource && typeof perResource === 'object') {
      for (const [resource, list] of Object.entries(perResource)) {
        if (Array.isArray(list)) grant.addResourceScope(resource, list.join(' '));
      }
    }
    return grant.save();
  }
}

function resourcesOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** The tenant a tenant URL names (`PUBLIC_URL/t/<tenant>/mcp`). */
function tenantOfResource(publicUrl: string, resource: string): string | undefined {
  if (!isGatewayResource(publicUrl, resource)) return undefined;
  return /\/t\/([^/]+)\/mcp$/.exec(resource)?.[1];
}

async function readForm(req: IncomingMessage): Promise<Record<string, string>> {
  let body = '';
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > 8192) break;
  }
  return Object.fromEntries(new URLSearchParams(body));
}

function html(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'x-frame-options': 'DENY',
    'content-security-policy':
      "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  });
  res.end(body);
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { location, 'cache-control': 'no-store' }).end();
}
