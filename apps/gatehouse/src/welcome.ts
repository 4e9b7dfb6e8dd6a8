import type { BootstrapResult, RuntimeMode } from '@gatehouse/app-kit';
import type { StartupApplyResult } from './startup-apply';

export interface WelcomeInfo {
  mode: RuntimeMode;
  gatewayUrl: string;
  adminUrl?: string;
  dataDir: string;
  bootstrap: BootstrapResult;
  /** ./gatehouse.yaml, when it was there and applied. */
  applied?: StartupApplyResult;
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
      `  Console:         ${info.adminUrl}/console`,
      `  CLI:             npx gatehouse login --url ${info.adminUrl} --token <token>`,
    );
  }
  if (info.applied) {
    lines.push(
      '',
      `  Applied ${info.applied.path} (${info.applied.applied} change${info.applied.applied === 1 ? '' : 's'}):`,
      ...info.applied.plan
        .trimEnd()
        .split('\n')
        .map((line) => `    ${line}`),
    );
  }
  if (info.bootstrap.secret) {
    lines.push(
      '',
      '  Platform-admin token (shown once, stored only as a hash; keep it now):',
      `    ${info.bootstrap.secret}`,
      '',
      '  Try it:',
      `    npx gatehouse login --url ${info.adminUrl ?? ''} --token ${info.bootstrap.secret}`,
      '    npx gatehouse upstreams list',
    );
  } else if (info.bootstrap.created) {
    lines.push('', '  Platform admin created with the token from GATEHOUSE_BOOTSTRAP_ADMIN_TOKEN.');
  }
  lines.push('');
  process.stdout.write(`${lines.join('\n')}\n`);
}
