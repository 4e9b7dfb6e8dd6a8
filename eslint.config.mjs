import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    ignores: [
      '**/node_modules',
      '**/dist',
      'tmp/**',
      '.gatehouse/**',
      '**/.nx',
      '**/generated/**',
      'coverage',
      'helm',
      '**/*.js',
      '**/*.mjs',
    ],
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            // type:testing is allowed everywhere for test files; no-restricted-imports below keeps
            // it out of production code.
            {
              sourceTag: 'type:app',
              onlyDependOnLibsWithTags: ['type:feature', 'type:data-access', 'type:util'],
            },
            {
              sourceTag: 'type:feature',
              onlyDependOnLibsWithTags: [
                'type:feature',
                'type:data-access',
                'type:util',
                'type:testing',
              ],
            },
            {
              sourceTag: 'type:data-access',
              onlyDependOnLibsWithTags: ['type:data-access', 'type:util', 'type:testing'],
            },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util', 'type:testing'] },
            {
              sourceTag: 'type:testing',
              onlyDependOnLibsWithTags: ['type:testing', 'type:data-access', 'type:util'],
            },
            {
              sourceTag: 'type:e2e',
              onlyDependOnLibsWithTags: [
                'type:feature',
                'type:data-access',
                'type:util',
                'type:testing',
              ],
            },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            {
              sourceTag: 'scope:gateway',
              onlyDependOnLibsWithTags: ['scope:gateway', 'scope:shared'],
            },
            { sourceTag: 'scope:admin', onlyDependOnLibsWithTags: ['scope:admin', 'scope:shared'] },
            { sourceTag: 'scope:audit', onlyDependOnLibsWithTags: ['scope:audit', 'scope:shared'] },
          ],
        },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: '@prisma/client', message: 'Only libs/data-access imports the Prisma client.' },
            {
              name: 'ioredis',
              message:
                'Only session-store, bus, data-access, audit-stream and the Redis client factory in libs/config import ioredis.',
            },
            {
              name: '@gatehouse/testing',
              message: 'Test helpers are for tests (*.spec.ts, *.int-spec.ts, e2e) only.',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests may use non-null assertions on values they have just asserted.
    files: [
      '**/*.spec.ts',
      '**/*.int-spec.ts',
      '**/*.e2e-spec.ts',
      '**/*.test-support.ts',
      'apps/gateway-e2e/**/*.ts',
    ],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', 'no-restricted-imports': 'off' },
  },
  {
    files: [
      'libs/data-access/**/*.ts',
      'libs/audit/stream/**/*.ts',
      'libs/session-store/**/*.ts',
      'libs/bus/**/*.ts',
      'libs/config/src/redis-client.ts', // the one Redis client factory (topologies)
      'libs/testing/**/*.ts',
      'apps/**/*.e2e-spec.ts',
      'apps/**/*.int-spec.ts',
      'bench/**/*.ts',
      'tools/**/*.ts',
    ],
    rules: { 'no-restricted-imports': 'off' },
  },
  prettier,
];
