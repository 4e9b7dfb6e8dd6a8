import Fastify from 'fastify';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { consoleAssetsDir, registerConsole } from './register-console';

describe('registerConsole', () => {
  const app = Fastify();
  beforeAll(async () => {
    registerConsole(app);
    await app.ready();
  });
  afterAll(() => app.close());

  it('serves the page with a policy that allows only its own scripts, styles and API calls', async () => {
    for (const url of ['/console', '/console/']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(response.headers['content-security-policy']).toContain("script-src 'self';");
      expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.body).toContain('<script type="module" src="/console/assets/console.js">');
    }
  });

  it('serves its two assets with their types, and nothing else from the folder', async () => {
    const js = await app.inject({ method: 'GET', url: '/console/assets/console.js' });
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.body).toBe(readFileSync(join(consoleAssetsDir(), 'console.js'), 'utf8'));
    const css = await app.inject({ method: 'GET', url: '/console/assets/console.css' });
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    for (const url of [
      '/console/assets/index.html',
      '/console/assets/../src/index.ts',
      '/console/x',
    ])
      expect((await app.inject({ method: 'GET', url })).statusCode).toBe(404);
  });

  it('keeps the token out of storage and cookies: the script never touches them', () => {
    const source = readFileSync(join(consoleAssetsDir(), 'console.js'), 'utf8');
    const script = source.replace(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm, ''); // code, not comments
    expect(script).not.toMatch(/localStorage|sessionStorage|document\.cookie|innerHTML/);
    expect(script).toContain("credentials: 'omit'");
  });
});
