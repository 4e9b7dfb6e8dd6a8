import {
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { connectClient } from './support/mcp-client';
import { startGatewayHarness, type GatewayHarness } from './support/gateway-harness';

describe('upstream GET streams are resumed with their Last-Event-ID', () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGatewayHarness({ replicas: 1 });
  });
  afterAll(async () => {
    await h.close();
  });

  it('delivers a notification the upstream sent while its GET stream was down', async () => {
    const { client } = await connectClient(h.gateways[0]!.url, h.admin.token);
    let listed = false;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      listed = true;
    });
    const updated = new Promise<string>((resolve) =>
      client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) =>
        resolve(n.params.uri),
      ),
    );
    const uri = 'fixture://alpha/readme';
    await client.listResources(); // teaches the gateway which upstream owns the URI
    await client.subscribeResource({ uri });
    // A first notification proves the gateway listens on alpha's GET stream (opened
    // asynchronously after initialize) and gives the gateway an upstream event id.
    while (!listed) {
      h.upstreams.alpha.notifyToolListChanged();
      await new Promise((r) => setTimeout(r, 200));
    }
    // The upstream closes its GET stream and, before the gateway can reopen it, sends
    // resources/updated: only a reopen with Last-Event-ID gets it replayed.
    h.upstreams.alpha.dropGetStreams();
    await h.upstreams.alpha.emitResourceUpdated(uri);
    expect(await updated).toBe(uri);
    await client.close();
  });
});
