/**
 * A person's browser without a screen, for OAuth flows across several hosts: follows
 * redirects, keeps cookies per origin, and submits the forms it is shown with the answers the
 * test gives (by the name of a field in the form). Every page it saw is kept.
 */
export class HeadlessBrowser {
  private readonly jars = new Map<string, Map<string, string>>();
  readonly pages: { url: string; status: number; html: string }[] = [];

  constructor(private readonly send: typeof fetch = fetch) {}

  /**
   * Goes to `start` and on until a URL starting with `until`; a page with a form is submitted
   * with the first entry of `answers` whose field the form has.
   */
  async run(start: URL, until: string, answers: Record<string, string>): Promise<URL> {
    let url = new URL(start);
    let method = 'GET';
    let body: string | undefined;
    for (let hop = 0; hop < 30; hop++) {
      if (url.href.startsWith(until)) return url;
      const response = await this.send(url, {
        method,
        redirect: 'manual',
        headers: {
          cookie: this.cookiesFor(url),
          ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        ...(body ? { body } : {}),
      });
      this.keepCookies(url, response);
      const location = response.headers.get('location');
      if (location) {
        url = new URL(location, url);
        method = 'GET';
        body = undefined;
        continue;
      }
      const html = await response.text();
      this.pages.push({ url: url.href, status: response.status, html });
      const form = /<form method="post" action="([^"]+)">/.exec(html);
      const field = Object.keys(answers).find((name) => html.includes(`name="${name}"`));
      if (!form?.[1] || !field || response.status >= 400) {
        throw new Error(`the browser stopped at ${url.href}: ${response.status} ${html}`);
      }
      url = new URL(form[1].replace(/&amp;/g, '&'), url);
      method = 'POST';
      body = new URLSearchParams({ [field]: answers[field] ?? '' }).toString();
    }
    throw new Error(`the browser did not reach ${until}`);
  }

  private cookiesFor(url: URL): string {
    return [...(this.jars.get(url.origin) ?? [])].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private keepCookies(url: URL, response: Response): void {
    let jar = this.jars.get(url.origin);
    if (!jar) this.jars.set(url.origin, (jar = new Map()));
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = cookie.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const expired = attributes.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (expired) jar.delete(name);
      else jar.set(name, pair.slice(at + 1));
    }
  }
}
