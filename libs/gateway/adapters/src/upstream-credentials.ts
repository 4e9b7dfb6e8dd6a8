import { z } from 'zod';

/** What an upstream's encrypted credentials decrypt to. */
export const UpstreamCredentialsSchema = z.strictObject({
  bearerToken: z.string().min(1).optional(),
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/), z.string()).optional(),
});
export type UpstreamCredentials = z.infer<typeof UpstreamCredentialsSchema>;

/** The headers a credential (shared or a person's own) puts on every request to the upstream. */
export function credentialHeaders(plaintext: string): Record<string, string> {
  const credentials = UpstreamCredentialsSchema.parse(JSON.parse(plaintext));
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(credentials.headers ?? {}))
    headers[name.toLowerCase()] = value;
  if (credentials.bearerToken) headers['authorization'] = `Bearer ${credentials.bearerToken}`;
  return headers;
}
