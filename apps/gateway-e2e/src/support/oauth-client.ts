import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';

export const REDIRECT_URL = 'http://127.0.0.1:9/oauth/callback';

/**
 * What a desktop MCP client keeps between runs, in memory: the SDK's OAuthClientProvider with
 * nothing of its own logic. The SDK decides every step; this only stores and hands the
 * authorization URL to the test's headless browser.
 */
export class InMemoryOAuthClient implements OAuthClientProvider {
  private client: OAuthClientInformationMixed | undefined;
  private saved: OAuthTokens | undefined;
  private verifier = '';
  authorizationUrl: URL | undefined;

  get redirectUrl(): string {
    return REDIRECT_URL;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'e2e OAuth client',
      redirect_uris: [REDIRECT_URL],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }

  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.client;
  }

  saveClientInformation(info: OAuthClientInformationMixed): void {
    this.client = info;
  }

  tokens(): OAuthTokens | undefined {
    return this.saved;
  }

  saveTokens(tokens: OAuthTokens): void {
    this.saved = tokens;
  }

  redirectToAuthorization(url: URL): void {
    this.authorizationUrl = url;
  }

  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier;
  }

  codeVerifier(): string {
    return this.verifier;
  }
}

/**
 * A fetch for a gateway published at `publicUrl` behind a load balancer: requests to that host
 * go to whichever replica `target()` names now; every other host (the IdP) is left alone.
 */
export function publicHostFetch(publicUrl: string, target: () => string): typeof fetch {
  const publicHost = new URL(publicUrl).host;
  return (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.host === publicHost) {
      const replica = new URL(target());
      url.protocol = replica.protocol;
      url.host = replica.host;
    }
    return input instanceof Request ? fetch(new Request(url, input), init) : fetch(url, init);
  };
}
