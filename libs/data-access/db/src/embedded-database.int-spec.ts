import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedDatabase } from './embedded-database';
import { TenantRepository } from './repositories/tenant.repository';

// PGlite loads its Wasm with a dynamic import: run jest with NODE_OPTIONS=--experimental-vm-modules.
describe('embedded database (PGlite)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gh-pglite-'));

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('migrates a new data directory, stores a tenant and finds it after reopening', async () => {
    const first = await openEmbeddedDatabase(dataDir);
    expect(first.migrations.applied.length).toBeGreaterThan(0);
    const created = await new TenantRepository(first.prisma).create({
      slug: 'local',
      name: 'Local',
    });
    await first.close();

    const second = await openEmbeddedDatabase(dataDir);
    try {
      expect(second.migrations.applied).toEqual([]);
      const found = await new TenantRepository(second.prisma).findByIdOrSlug('local');
      expect(found?.id).toBe(created.id);
    } finally {
      await second.close();
    }
  }, 120_000);
});
