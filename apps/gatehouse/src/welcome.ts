import type { BootstrapResult, RuntimeMode } from '@gatehouse/app-kit';

export interface WelcomeInfo {
  mode: RuntimeMode;
  gatewayUrl: string;
  adminUrl?: string;
  dataDir: string;
  bootstrap: BootstrapResult;
}

/** What a person needs right after `npm start`, on stdout (the JSON logs go there too). */
export function printWelcome(info: WelcomeInfo): void {
  const lines = [
    '',
    `Gatehouse is running (${info.mode === 'embedded' ? `embedded: in-memory sessions, PGlite in ${info.dataDir}` : 'Redis + Postgres'})`,
    `  MCP endpoint:    ${info.gatewayUrl}/mcp`,
  ];
  if (info.adminUrl) {
    lines.push(
      `  Admin API:       ${info.adminUrl}/api/v1`,
      `  Admin API docs:  ${info.adminUrl}/api/docs`,
    );
  }
  if (info.bootstrap.secret) {
    lines.push(
      '',
      '  Platform-admin token (shown once, stored only as a hash; keep it now):',
      `    ${info.bootstrap.secret}`,
      '',
      '  Try it:',
      `    curl -H "Authorization: Bearer ${info.bootstrap.secret}" ${info.adminUrl ?? info.gatewayUrl}/api/v1/tenants`,
    );
  } else if (info.bootstrap.created) {
    lines.push('', '  Platform admin created with the token from GATEHOUSE_BOOTSTRAP_ADMIN_TOKEN.');
  }
  lines.push('');
  process.stdout.write(`${lines.join('\n')}\n`);
}
