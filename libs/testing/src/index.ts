export * from './fixtures';
export * from './db';
