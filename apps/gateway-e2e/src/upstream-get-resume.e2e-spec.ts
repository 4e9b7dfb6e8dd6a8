import { connectClient } from './support/mcp-client';
import { subscribeOverGetStream } from './support/resource-subscription';
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
    const uri = 'fixture://alpha/readme';
    // The gateway listens on alpha's GET stream and holds an upstream event id.
    const { updated } = await subscribeOverGetStream(client, h.upstreams.alpha, uri);
    // The upstream closes its GET stream and, before the gateway can reopen it, sends
    // resources/updated: only a reopen with Last-Event-ID gets it replayed.
    h.upstreams.alpha.dropGetStreams();
    await h.upstreams.alpha.emitResourceUpdated(uri);
    expect(await updated).toBe(uri);
    await client.close();
  });
});
