import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { FixtureUpstream } from '@gatehouse/testing';

/**
 * Subscribes `client` to `uri` of `upstream`, then makes the upstream send tools/list_changed
 * until the client receives one: proof that the gateway listens on the upstream's GET stream
 * (opened asynchronously after initialize) and has an upstream event id to resume from.
 * `updated` resolves with the URI of the next resources/updated the client receives.
 */
export async function subscribeOverGetStream(
  client: Client,
  upstream: FixtureUpstream,
  uri: string,
): Promise<{ updated: Promise<string> }> {
  let listed = false;
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
    listed = true;
  });
  const updated = new Promise<string>((resolve) =>
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => resolve(n.params.uri)),
  );
  await client.listResources(); // teaches the gateway which upstream owns the URI
  await client.subscribeResource({ uri });
  while (!listed) {
    upstream.notifyToolListChanged();
    await new Promise((r) => setTimeout(r, 200));
  }
  return { updated };
}
