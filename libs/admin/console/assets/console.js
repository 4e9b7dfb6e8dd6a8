// Gatehouse console: a small client of the public admin API (/api/v1). The token lives only in
// this module's memory: never in localStorage, sessionStorage or a cookie, so a reload signs out
// and no request is ever sent with ambient credentials (nothing for CSRF to ride on). Every value
// from the API is put into the page with textContent, never parsed as HTML.

const session = { token: null, tenant: 'default', email: null };
let stopLiveView = () => {};

class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    const issues = ((error.details && error.details.issues) || [])
      .map(
        (i) =>
          `${i.path ? i.path + ': ' : ''}${i.message}${i.position ? ` (line ${i.position.line}, column ${i.position.column})` : ''}`,
      )
      .join('\n');
    super(`${error.message || `HTTP ${status}`}${issues ? '\n' + issues : ''}`);
    this.status = status;
    this.code = error.code;
  }
}

async function api(method, path, body) {
  const headers = { authorization: `Bearer ${session.token}`, accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'omit',
  });
  const text = await response.text();
  const json = text ? JSON.parse(text) : undefined;
  if (!response.ok) throw new ApiError(response.status, json);
  return json;
}
const tenantPath = (path) => `/tenants/${encodeURIComponent(session.tenant)}${path}`;

/** h('td', { class: 'x' }, 'text', child): elements from data, text always as text. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}
const text = (v) =>
  v === null || v === undefined ? '–' : typeof v === 'object' ? JSON.stringify(v) : String(v);
const main = () => document.getElementById('main');
const status = (message) => (document.getElementById('status').textContent = message);

/** Person id → email, for lists that name people by id (empty if the caller may not list people). */
async function peopleById() {
  const people = await api('GET', tenantPath('/people?limit=200')).catch(() => ({ items: [] }));
  return new Map(people.items.map((p) => [p.id, p.email]));
}

function table(columns, rows, actions) {
  return h(
    'table',
    {},
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        columns.map(([title]) => h('th', { scope: 'col' }, title)),
        actions ? h('th', {}, 'Actions') : null,
      ),
    ),
    h(
      'tbody',
      {},
      rows.length === 0
        ? h(
            'tr',
            {},
            h(
              'td',
              { colspan: columns.length + (actions ? 1 : 0), class: 'muted' },
              'Nothing here yet.',
            ),
          )
        : rows.map((row) =>
            h(
              'tr',
              {},
              columns.map(([, get]) => h('td', {}, text(get(row)))),
              actions ? h('td', {}, actions(row)) : null,
            ),
          ),
    ),
  );
}

/** A labelled form; submit runs `onSubmit(values)` and shows an API error under the form. */
function form(name, fields, submitLabel, onSubmit) {
  const error = h('p', { class: 'error', role: 'alert' });
  const el = h(
    'form',
    { 'aria-label': name },
    fields.map(([label, field, type = 'text', extra = {}]) =>
      h(
        'label',
        {},
        label,
        type === 'select'
          ? h(
              'select',
              { name: field },
              extra.options.map((o) => h('option', { value: o }, o)),
            )
          : type === 'textarea'
            ? h('textarea', { name: field, rows: 2, cols: 40, ...extra })
            : h('input', { name: field, type, ...extra }),
      ),
    ),
    h('button', { type: 'submit' }, submitLabel),
  );
  el.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    const values = Object.fromEntries(new FormData(el).entries());
    try {
      await onSubmit(values, el);
    } catch (e) {
      error.textContent = e.message;
    }
  });
  return [el, error];
}

function view(title, ...content) {
  main().replaceChildren(h('h1', {}, title), ...content);
  main().focus();
}

// ---- Sign in ------------------------------------------------------------------------------
function signIn(message) {
  document.getElementById('nav').hidden = true;
  document.getElementById('who').textContent = '';
  const [el, error] = form(
    'Sign in',
    [
      [
        'Admin token (gth_…)',
        'token',
        'password',
        { required: true, autocomplete: 'off', size: 60 },
      ],
      ['Tenant (slug or id)', 'tenant', 'text', { value: session.tenant, required: true }],
    ],
    'Sign in',
    async ({ token, tenant }) => {
      session.token = token.trim();
      session.tenant = tenant.trim();
      try {
        await api('GET', tenantPath('/upstreams?limit=1'));
      } catch (e) {
        session.token = null;
        throw e;
      }
      document.getElementById('nav').hidden = false;
      document.getElementById('who').textContent = `tenant ${session.tenant}`;
      location.hash = '#/upstreams';
      render();
    },
  );
  view(
    'Sign in',
    message ? h('p', { class: 'error' }, message) : null,
    h(
      'p',
      { class: 'muted' },
      'The token is kept in this tab’s memory only; reloading the page signs you out.',
    ),
    el,
    error,
  );
}

// ---- People and tokens --------------------------------------------------------------------
async function people() {
  const list = await api('GET', tenantPath('/people?limit=200'));
  const tokensArea = h('section', { 'aria-label': 'Tokens' });
  const showTokens = async (person) => {
    const tokens = await api('GET', tenantPath(`/people/${person.id}/tokens?limit=200`));
    const secretBox = h('div', { 'aria-live': 'polite' });
    const [el, error] = form(
      `New token for ${person.email}`,
      [
        ['Name', 'name', 'text', { required: true }],
        ['Scopes (space-separated)', 'scopes', 'text', { value: 'mcp:call', size: 30 }],
      ],
      'Create token',
      async ({ name, scopes }) => {
        const created = await api('POST', tenantPath(`/people/${person.id}/tokens`), {
          name,
          scopes: scopes.split(/\s+/).filter(Boolean),
        });
        const copy = h(
          'button',
          {
            type: 'button',
            onclick: () => navigator.clipboard && navigator.clipboard.writeText(created.secret),
          },
          'Copy',
        );
        secretBox.replaceChildren(
          h('p', {}, 'Copy the secret now: it is shown only this once.'),
          h('p', { class: 'secret', 'data-testid': 'token-secret' }, created.secret),
          copy,
        );
      },
    );
    tokensArea.replaceChildren(
      h('h2', {}, `Tokens of ${person.email}`),
      table(
        [
          ['Name', (t) => t.name],
          ['Prefix', (t) => t.prefix],
          ['Scopes', (t) => t.scopes.join(' ')],
          ['Last used', (t) => t.lastUsedAt],
          ['Revoked', (t) => t.revokedAt],
        ],
        tokens.items,
        (t) =>
          t.revokedAt
            ? null
            : [
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'secondary',
                    onclick: async () => {
                      const rotated = await api('POST', tenantPath(`/tokens/${t.id}/rotate`), {});
                      await showTokens(person);
                      tokensArea.append(
                        h('p', {}, 'New secret (shown once):'),
                        h('p', { class: 'secret' }, rotated.secret),
                      );
                    },
                  },
                  'Rotate',
                ),
                ' ',
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'danger',
                    onclick: async () => {
                      await api('DELETE', tenantPath(`/tokens/${t.id}`));
                      await showTokens(person);
                    },
                  },
                  'Revoke',
                ),
              ],
      ),
      el,
      error,
      secretBox,
    );
  };
  const [el, error] = form(
    'Add a person',
    [
      ['Email', 'email', 'email', { required: true }],
      ['Name', 'name', 'text', { required: true }],
      ['Role', 'role', 'select', { options: ['member', 'approver', 'admin'] }],
    ],
    'Add person',
    async ({ email, name, role }) => {
      await api('POST', tenantPath('/people'), { email, name, roles: [role] });
      await people();
    },
  );
  view(
    'People & tokens',
    table(
      [
        ['Email', (p) => p.email],
        ['Name', (p) => p.name],
        ['Roles', (p) => p.roles.join(', ')],
        ['Status', (p) => p.status],
      ],
      list.items,
      (p) =>
        h('button', { type: 'button', class: 'secondary', onclick: () => showTokens(p) }, 'Tokens'),
    ),
    h('h2', {}, 'Add a person'),
    el,
    error,
    tokensArea,
  );
}

// ---- Upstreams ------------------------------------------------------------------------------
async function upstreams() {
  const [list, tools] = await Promise.all([
    api('GET', tenantPath('/upstreams?limit=200')),
    api('GET', tenantPath('/tools')).catch(() => ({ items: [] })),
  ]);
  const [el, error] = form(
    'Register an upstream',
    [
      ['Slug (tool prefix)', 'slug', 'text', { required: true, pattern: '[a-z0-9-]+' }],
      ['MCP URL', 'url', 'url', { required: true, size: 40 }],
      [
        'Bearer token for the upstream (optional)',
        'bearerToken',
        'password',
        { autocomplete: 'off' },
      ],
    ],
    'Register',
    async ({ slug, url, bearerToken }) => {
      await api('POST', tenantPath('/upstreams'), {
        slug,
        name: slug,
        url,
        ...(bearerToken ? { credentials: { bearerToken } } : {}),
      });
      await upstreams();
    },
  );
  view(
    'Upstreams',
    table(
      [
        ['Slug', (u) => u.slug],
        ['URL', (u) => u.url],
        ['Enabled', (u) => u.enabled],
        ['Credentials', (u) => (u.hasCredentials ? 'set' : 'none')],
      ],
      list.items,
      (u) => [
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            onclick: async () => {
              await api('PATCH', tenantPath(`/upstreams/${u.id}`), { enabled: !u.enabled });
              await upstreams();
            },
          },
          u.enabled ? 'Disable' : 'Enable',
        ),
        ' ',
        h(
          'button',
          {
            type: 'button',
            class: 'danger',
            onclick: async () => {
              if (confirm(`Delete upstream ${u.slug}?`)) {
                await api('DELETE', tenantPath(`/upstreams/${u.id}`));
                await upstreams();
              }
            },
          },
          'Delete',
        ),
      ],
    ),
    h('h2', {}, 'Register an upstream'),
    el,
    error,
    h('h2', {}, 'Tools seen'),
    table(
      [
        ['Upstream', (t) => t.upstream],
        ['Tool', (t) => t.name],
        ['Risk', (t) => (t.risk && t.risk.level) || t.risk],
        ['Pin', (t) => t.pin],
      ],
      tools.items || [],
      (t) =>
        t.pin === 'changed'
          ? h(
              'button',
              {
                type: 'button',
                title: 'The definition changed since it was pinned: accept the new one',
                onclick: async () => {
                  const path = `/tools/${t.upstreamId}/${encodeURIComponent(t.name)}/accept`;
                  await api('POST', tenantPath(path), {});
                  await upstreams();
                },
              },
              'Accept change',
            )
          : null,
    ),
  );
}

// ---- Policies and the simulator -----------------------------------------------------------
async function policies() {
  const [list, versions] = await Promise.all([
    api('GET', tenantPath('/policies')),
    api('GET', tenantPath('/policies/versions?limit=20')).catch(() => ({ items: [] })),
  ]);
  const [el, error] = form(
    'Add a rule',
    [
      ['Name', 'name', 'text', { required: true }],
      ['Effect', 'effect', 'select', { options: ['allow', 'deny', 'require_approval'] }],
      ['Subjects (space-separated)', 'subjects', 'text', { value: 'role:member' }],
      ['Upstream glob', 'upstream', 'text', { value: '*' }],
      ['Tool glob', 'tool', 'text', { value: '*' }],
      ['CEL condition (optional)', 'condition', 'textarea'],
    ],
    'Add rule',
    async (v) => {
      await api('POST', tenantPath('/policies'), {
        name: v.name,
        effect: v.effect,
        subjects: v.subjects.split(/\s+/).filter(Boolean),
        targets: { upstream: v.upstream || '*', tool: v.tool || '*' },
        ...(v.condition.trim() ? { condition: v.condition.trim() } : {}),
      });
      await policies();
    },
  );
  const result = h('p', { 'aria-live': 'polite', 'data-testid': 'simulation' });
  const [sim, simError] = form(
    'Simulate a call',
    [
      ['Person email', 'email', 'email', { required: true }],
      ['Upstream', 'upstream', 'text', { required: true }],
      ['Tool', 'tool', 'text', { required: true }],
      ['Arguments (JSON)', 'args', 'textarea', { placeholder: '{"amount": 5000}' }],
    ],
    'Simulate',
    async (v) => {
      let args = {};
      if (v.args.trim()) {
        try {
          args = JSON.parse(v.args);
        } catch {
          throw new Error('Arguments must be JSON, e.g. {"amount": 5000}');
        }
      }
      const answer = await api('POST', tenantPath('/policies/simulate'), {
        email: v.email,
        upstream: v.upstream,
        tool: v.tool,
        arguments: args,
      });
      result.textContent = `${answer.effect}: ${answer.reason}`;
    },
  );
  view(
    'Policies',
    table(
      [
        ['Name', (p) => p.name],
        ['Effect', (p) => p.effect],
        ['Subjects', (p) => p.subjects.join(' ')],
        ['Targets', (p) => `${p.targets.upstream}__${p.targets.tool}`],
        ['Condition', (p) => p.condition],
        ['Enabled', (p) => p.enabled],
      ],
      list.items,
      (p) => [
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            onclick: async () => {
              await api('PATCH', tenantPath(`/policies/${p.id}`), { enabled: !p.enabled });
              await policies();
            },
          },
          p.enabled ? 'Disable' : 'Enable',
        ),
        ' ',
        h(
          'button',
          {
            type: 'button',
            class: 'danger',
            onclick: async () => {
              if (confirm(`Delete rule ${p.name}?`)) {
                await api('DELETE', tenantPath(`/policies/${p.id}`));
                await policies();
              }
            },
          },
          'Delete',
        ),
      ],
    ),
    h('h2', {}, 'Add a rule'),
    el,
    error,
    h('h2', {}, 'Simulator: may this person call this tool with these arguments?'),
    sim,
    simError,
    result,
    h('h2', {}, 'Versions'),
    table(
      [
        ['Version', (v) => v.version],
        ['Created', (v) => v.createdAt],
        ['Rules', (v) => v.ruleCount],
      ],
      versions.items,
      (v) =>
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            onclick: async () => {
              if (confirm(`Restore the rules of version ${v.version} (as a new version)?`)) {
                await api('POST', tenantPath(`/policies/versions/${v.version}/rollback`), {});
                await policies();
              }
            },
          },
          'Roll back to this',
        ),
    ),
  );
}

// ---- Approvals inbox (live) ---------------------------------------------------------------
async function approvals() {
  const body = h('div', {});
  const error = h('p', { class: 'error', role: 'alert' });
  const people = await peopleById();
  const refresh = async () => {
    const pending = await api('GET', tenantPath('/approvals?status=pending&limit=200'));
    document.getElementById('pending-count').textContent = pending.items.length
      ? `(${pending.items.length})`
      : '';
    const decide = (a, verb) => async () => {
      error.textContent = '';
      try {
        await api('POST', tenantPath(`/approvals/${a.id}/${verb}`), {});
        await refresh();
      } catch (e) {
        error.textContent = e.message;
      }
    };
    body.replaceChildren(
      table(
        [
          ['Requested', (a) => a.requestedAt],
          ['Person', (a) => people.get(a.personId) || a.personId],
          ['Tool', (a) => `${a.upstream}__${a.tool}`],
          ['Arguments', (a) => a.arguments],
          ['Rules', (a) => a.matchedRules.join(', ')],
          ['Expires', (a) => a.expiresAt],
        ],
        pending.items,
        (a) => [
          h('button', { type: 'button', onclick: decide(a, 'approve') }, 'Approve'),
          ' ',
          h('button', { type: 'button', class: 'danger', onclick: decide(a, 'deny') }, 'Deny'),
        ],
      ),
    );
  };
  view(
    'Approvals',
    h(
      'p',
      { class: 'muted' },
      'Calls held for a human decision; this list refreshes every 2 seconds.',
    ),
    error,
    body,
  );
  await refresh();
  const timer = setInterval(() => refresh().catch((e) => (error.textContent = e.message)), 2000);
  stopLiveView = () => clearInterval(timer);
}

// ---- Audit ------------------------------------------------------------------------------------
async function audit(filters = {}) {
  const query = new URLSearchParams({
    limit: '100',
    ...Object.fromEntries(Object.entries(filters).filter(([, v]) => v)),
  });
  const [events, people, stats] = await Promise.all([
    api('GET', tenantPath(`/audit?${query}`)),
    peopleById(),
    api('GET', tenantPath('/audit/stats')).catch(() => null),
  ]);
  const [el, error] = form(
    'Filter the audit trail',
    [
      ['Tool contains', 'tool', 'text', { value: filters.tool || '' }],
      ['Upstream', 'upstream', 'text', { value: filters.upstream || '' }],
      ['Decision', 'decision', 'select', { options: ['', 'allow', 'deny', 'require_approval'] }],
      [
        'From (ISO time)',
        'from',
        'text',
        { value: filters.from || '', placeholder: '2026-12-01T00:00:00Z' },
      ],
    ],
    'Filter',
    async (v) => audit(v),
  );
  view(
    'Audit',
    el,
    error,
    h(
      'p',
      {},
      h(
        'a',
        {
          href: `/api/v1${tenantPath(`/audit/export?format=csv`)}`,
          onclick: async (e) => {
            e.preventDefault();
            const response = await fetch(e.currentTarget.href, {
              headers: { authorization: `Bearer ${session.token}` },
            });
            const url = URL.createObjectURL(await response.blob());
            h('a', { href: url, download: 'audit.csv' }).click();
          },
        },
        'Export CSV',
      ),
    ),
    table(
      [
        ['Time', (e) => e.time],
        ['Kind', (e) => e.kind],
        ['Method', (e) => e.method],
        ['Upstream', (e) => e.upstream],
        ['Tool', (e) => e.tool],
        ['Decision', (e) => e.decision],
        ['Outcome', (e) => e.outcome],
        ['Latency ms', (e) => e.latencyMs],
        ['Person', (e) => people.get(e.personId) || e.personId],
      ],
      events.items,
    ),
    stats ? statsSection(stats) : null,
  );
}

/** The last 24 hours per tool: calls (a bar), denials, approvals, errors, p50 and p95 latency. */
function statsSection(stats) {
  const most = Math.max(1, ...stats.tools.map((t) => t.calls));
  const { totals } = stats;
  return h(
    'section',
    { 'aria-label': 'Statistics' },
    h('h2', {}, 'Last 24 hours'),
    h(
      'p',
      {},
      `${totals.calls} calls, ${totals.denials} denied, ${totals.approvals} held for approval, ${totals.errors} errors`,
    ),
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Tool', 'Calls', '', 'Denied', 'Approvals', 'Errors', 'p50 ms', 'p95 ms'].map((t) =>
            h('th', { scope: 'col' }, t),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        stats.tools.map((t) =>
          h(
            'tr',
            {},
            h('td', {}, `${t.upstream ? t.upstream + '__' : ''}${t.tool}`),
            h('td', {}, String(t.calls)),
            h(
              'td',
              {},
              h('meter', { min: 0, max: most, value: t.calls, 'aria-label': `${t.calls} calls` }),
            ),
            h('td', {}, String(t.denials)),
            h('td', {}, String(t.approvals)),
            h('td', {}, String(t.errors)),
            h('td', {}, t.p50LatencyMs === null ? '–' : String(Math.round(t.p50LatencyMs))),
            h('td', {}, t.p95LatencyMs === null ? '–' : String(Math.round(t.p95LatencyMs))),
          ),
        ),
      ),
    ),
  );
}

// ---- Tenants (platform admins) ----------------------------------------------------------
async function tenants() {
  const list = await api('GET', '/tenants?limit=200');
  const [el, error] = form(
    'Create a tenant',
    [
      ['Slug', 'slug', 'text', { required: true }],
      ['Name', 'name', 'text', { required: true }],
    ],
    'Create tenant',
    async (v) => {
      await api('POST', '/tenants', v);
      await tenants();
    },
  );
  view(
    'Tenants',
    table(
      [
        ['Slug', (t) => t.slug],
        ['Name', (t) => t.name],
        ['Status', (t) => t.status],
      ],
      list.items,
      (t) =>
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            onclick: () => {
              session.tenant = t.slug;
              document.getElementById('who').textContent = `tenant ${t.slug}`;
              location.hash = '#/upstreams';
            },
          },
          'Switch to',
        ),
    ),
    h('h2', {}, 'Create a tenant'),
    el,
    error,
  );
}

const ROUTES = {
  '#/people': people,
  '#/upstreams': upstreams,
  '#/policies': policies,
  '#/approvals': approvals,
  '#/audit': audit,
  '#/tenants': tenants,
};

async function render() {
  stopLiveView();
  stopLiveView = () => {};
  if (!session.token) return signIn();
  const route = ROUTES[location.hash] ? location.hash : '#/upstreams';
  for (const a of document.querySelectorAll('#nav a'))
    a.toggleAttribute('aria-current', a.getAttribute('href') === route);
  for (const a of document.querySelectorAll('#nav a[aria-current]'))
    a.setAttribute('aria-current', 'page');
  try {
    status('');
    await ROUTES[route]();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      session.token = null;
      return signIn('Your token was refused (expired or revoked?): sign in again.');
    }
    view('Something went wrong', h('p', { class: 'error', role: 'alert' }, e.message));
  }
}

// A failed button action (delete, rollback, ...) is shown, not lost in the console.
window.addEventListener('unhandledrejection', (event) =>
  status(`Error: ${event.reason && event.reason.message}`),
);
window.addEventListener('hashchange', render);
render();
