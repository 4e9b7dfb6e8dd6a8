import { UpstreamAuthMode, type Upstream } from '@gatehouse/data-access';
import { AdminError } from '../common/admin-error';
import type { UpstreamAuthModeDto } from './upstream.dto';

const TO_STORED: Record<UpstreamAuthModeDto, UpstreamAuthMode> = {
  none: UpstreamAuthMode.none,
  shared: UpstreamAuthMode.shared,
  'per-person-secret': UpstreamAuthMode.per_person_secret,
  oauth: UpstreamAuthMode.oauth,
};

export function storedAuthMode(mode: UpstreamAuthModeDto): UpstreamAuthMode {
  return TO_STORED[mode];
}

export function apiAuthMode(mode: UpstreamAuthMode): UpstreamAuthModeDto {
  return mode === UpstreamAuthMode.per_person_secret ? 'per-person-secret' : mode;
}

/**
 * The rules between an upstream's auth mode and its shared credentials, checked on the state an
 * upsert or update would leave: shared credentials belong to `shared` only (another mode with a
 * stored shared credential would silently keep sending it), and `oauth` is not available yet.
 */
export function checkAuthMode(mode: UpstreamAuthModeDto, hasSharedCredentials: boolean): void {
  if (mode === 'oauth') {
    throw new AdminError(
      'UPSTREAM_AUTH_MODE_UNSUPPORTED',
      'authMode "oauth" is not available yet: use "per-person-secret" (each person stores their own token) or "shared".',
      { field: 'authMode' },
    );
  }
  if (mode !== 'shared' && hasSharedCredentials) {
    throw new AdminError(
      'VALIDATION_FAILED',
      `credentials are used only with authMode "shared"; send "credentials": null to remove them before switching to "${mode}".`,
      { field: 'credentials' },
    );
  }
}

export function hasSharedCredentials(upstream: Pick<Upstream, 'credentials'>): boolean {
  return upstream.credentials !== null;
}
