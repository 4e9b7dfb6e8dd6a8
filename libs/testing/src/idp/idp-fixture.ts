import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface IdpFixtureOptions {
  /** Open dynamic client registration (RFC 7591); default true. */
  registration?: boolean;
  accessTokenTtlSeconds?: number;
  /** Confidential clients registered in advance, e.g. Gatehouse's own as a relying party. */
  clients?: { client_id: string; client_secret: string; redirect_uris: string[] }[];
}

export interface IdpFixture {
  /** The issuer, e.g. http://127.0.0.1:40123. */
  url: string;
  /**
   * The person's browser, headless: follows an authorization URL through the IdP's login and
   * consent (signing in as `email`) and returns the URL it finally redirects to (the client's
   * redirect URI with `code` and `state`).
   */
  signIn(authorizationUrl: URL, email: string, redirectPrefix: string): Promise<URL>;
  /** Signs arbitrary claims with the IdP's own key (header fields override alg and kid). */
  sign(payload: Record<string, unknown>, header?: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

/**
 * Starts an OpenID provider (oidc-provider 9) in a child process: ESM-only, it runs with tsx
 * outside jest's module system, on Node 20 as on 24.
 */
export async function startIdpFixture(options: IdpFixtureOptions = {}): Promise<IdpFixture> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(__dirname, 'idp-fixture.main.ts')],
    {
      env: { ...process.env, NODE_OPTIONS: '', IDP_FIXTURE: JSON.stringify(options) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const url = await firstLine(child);
  return {
    url,
    signIn: (authorizationUrl, email, redirectPrefix) =>
      followSignIn(authorizationUrl, email, redirectPrefix),
    sign: async (payload, header = {}) => {
      const response = await fetch(`${url}/__test/sign`, {
        method: 'POST',
        body: JSON.stringify({ payload, header }),
      });
      return ((await response.json()) as { jwt: string }).jwt;
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.once('line', (line) => resolve((JSON.parse(line) as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`IdP fixture exited (${code}): ${stderr}`)));
  });
}

/** A cookie jar small enough for one sign-in at one host (paths ignored). */
async function followSignIn(start: URL, email: string, redirectPrefix: string): Promise<URL> {
  const jar = new Map<string, string>();
  let url = new URL(start);
  url.searchParams.set('login_hint', email);
  for (let hop = 0; hop < 20; hop++) {
    if (url.href.startsWith(redirectPrefix)) return url;
    const response = await fetch(url, {
      redirect: 'manual',
      headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = cookie.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const expired = attributes.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (expired) jar.delete(name);
      else jar.set(name, pair.slice(at + 1));
    }
    const location = response.headers.get('location');
    if (!location) {
      throw new Error(
        `sign-in stopped at ${url.href}: ${response.status} ${await response.text()}`,
      );
    }
    url = new URL(location, url);
  }
  throw new Error('sign-in did not reach the redirect URI');
}
