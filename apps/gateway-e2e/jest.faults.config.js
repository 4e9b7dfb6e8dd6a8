// The fault suite (`npm run test:faults`): kills replicas, restarts Redis and Postgres, and
// points the gateway at hostile upstreams and clients. Not part of `npm test`; see
// docs/reliability.md. Suites run one at a time because several own machine-wide resources.
module.exports = {
  displayName: 'gateway-faults',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  testMatch: ['**/*.fault-spec.ts'],
  testTimeout: 120_000,
};
