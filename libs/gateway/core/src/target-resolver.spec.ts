import { Call } from './call';
import { CallRecorder } from './call-recorder';
import { quietLogger, startCoreKit, CollectedAudit, type CoreKit } from './core-kit.test-support';
import { InflightRegistry } from './inflight';
import { RpcError } from './rpc-error';

describe('TargetResolver', () => {
  let kit: CoreKit;
  const recorder = new CallRecorder(new CollectedAudit(), quietLogger().logger);
  const callOn = (route: 'aggregate' | 'upstream' = 'aggregate') => {
    kit.session.route =
      route === 'aggregate' ? { kind: 'aggregate' } : { kind: 'upstream', slug: 'alpha' };
    return new Call(kit.context(), kit.request('tools/call'), new InflightRegistry(), recorder);
  };
  const rejection = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: unknown) =>
        error instanceof RpcError ? { code: error.rpcCode, data: error.data } : error,
    );

  beforeAll(async () => {
    kit = await startCoreKit();
  });
  afterAll(async () => {
    await kit.close();
  });

  it('finds the upstream by the prefix of an aggregated name', async () => {
    const resolved = await kit.resolver.byName(callOn(), 'alpha__echo', 'tool');
    expect(resolved.upstream.slug).toBe('alpha');
    expect(resolved.name).toBe('echo');
  });

  it('refuses an empty name, and a name of an upstream the caller may not reach', async () => {
    expect(await rejection(kit.resolver.byName(callOn(), '', 'tool'))).toMatchObject({
      code: -32602,
    });
    expect(await rejection(kit.resolver.byName(callOn(), 'beta__echo', 'prompt'))).toMatchObject({
      code: -32602,
      data: { code: 'unknown_prompt' },
    });
  });

  it('passes a name through unchanged on a session routed to one upstream', async () => {
    const resolved = await kit.resolver.byName(callOn('upstream'), 'echo', 'tool');
    expect(resolved).toMatchObject({ upstream: { slug: 'alpha' }, name: 'echo' });
  });

  it('routes a resource URI to the upstream that listed it; refuses an unknown one', async () => {
    callOn();
    const listed = await kit.dispatcher.request(kit.context(), kit.request('resources/list'));
    const resources = (listed as unknown as { result: { resources: { uri: string }[] } }).result
      .resources;
    expect(resources.length).toBeGreaterThan(0);
    const call = callOn();
    expect((await kit.resolver.byUri(call, resources[0]!.uri)).slug).toBe('alpha');
    expect(await rejection(kit.resolver.byUri(call, ''))).toMatchObject({ code: -32602 });
  });
});
