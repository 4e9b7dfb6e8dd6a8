/** The sign-in and consent pages: plain HTML forms, usable by keyboard alone, no script. */

const escape = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)} · Gatehouse</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem; }
label, input, button { display: block; font: inherit; }
input { width: 100%; padding: .5rem; margin: .25rem 0 1rem; box-sizing: border-box; }
button { padding: .5rem 1.25rem; margin: .5rem .5rem 0 0; display: inline-block; }
:focus-visible { outline: 3px solid #1a5fb4; outline-offset: 2px; }
.error { color: #a51d2d; }
</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>`;
}

/** Asks for the email address whose domain finds the tenant's identity provider. */
export function signInPage(uid: string, clientName: string, error?: string): string {
  return page(
    'Sign in',
    `<h1>Sign in to Gatehouse</h1>
<p><strong>${escape(clientName)}</strong> wants to connect to Gatehouse for you.
Enter your work email: you will sign in with your organisation.</p>
${error ? `<p class="error" role="alert" id="error">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<label for="email">Work email</label>
<input id="email" name="email" type="email" autocomplete="email" required autofocus${
      error ? ' aria-describedby="error"' : ''
    }>
<button type="submit">Continue</button>
</form>`,
  );
}

export interface ConsentView {
  uid: string;
  clientName: string;
  clientId: string;
  clientUri?: string;
  resources: string[];
  scopes: string[];
  person: string;
}

/** Names the client, what it asks for and for whom; Allow or Deny. */
export function consentPage(view: ConsentView): string {
  const client = view.clientUri
    ? `${escape(view.clientName)} (${escape(view.clientUri)})`
    : escape(view.clientName);
  return page(
    'Allow access',
    `<h1>Allow ${escape(view.clientName)}?</h1>
<p><strong>${client}</strong> (client id <code>${escape(view.clientId)}</code>) asks to use
Gatehouse as <strong>${escape(view.person)}</strong>:</p>
<ul>
${view.scopes.map((s) => `<li>${escape(s)}</li>`).join('\n')}
</ul>
<p>on ${view.resources.map((r) => `<code>${escape(r)}</code>`).join(', ')}.</p>
<form method="post" action="/interaction/${escape(view.uid)}/consent">
<button type="submit" name="decision" value="allow" autofocus>Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>`,
  );
}

export function errorPage(message: string): string {
  return page(
    'Sign-in failed',
    `<h1>Sign-in failed</h1><p class="error" role="alert">${escape(message)}</p>`,
  );
}
