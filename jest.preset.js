// Shared jest settings for every project. Tests are transpiled only (fast); `npm run typecheck`
// is the type gate. Path aliases come from tsconfig.base.json so tests import libs as apps do.
const path = require('node:path');
const { pathsToModuleNameMapper } = require('ts-jest');
const { compilerOptions } = require('./tsconfig.base.json');

const loadsEsmNatively =
  typeof require('node:vm').SourceTextModule?.prototype.hasAsyncGraph === 'function';

module.exports = {
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  transform: {
    '^.+\\.(ts|js|mjs)$': ['ts-jest', { tsconfig: path.join(__dirname, 'tsconfig.spec.json') }],
  },
  // ESM-only packages: on Node < 24.9 jest's CommonJS runtime needs them transpiled; from 24.9
  // (vm `hasAsyncGraph`, jest-runtime's own test) jest evaluates them as ESM itself, and a
  // transpiled copy would then run as a module without `exports`.
  transformIgnorePatterns: loadsEsmNatively
    ? ['/node_modules/']
    : [
        '/node_modules/(?!(@marcbachmann/cel-js|base-x|jose|uuid|content-disposition|@apidevtools/json-schema-ref-parser)/)',
      ],
  moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, {
    prefix: path.join(__dirname, '/'),
  }),
  testMatch: ['**/?(*.)+(spec|int-spec).ts'],
};
