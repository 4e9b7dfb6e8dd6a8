export * from './fixtures';
export * from './db';
export * from './idp';
