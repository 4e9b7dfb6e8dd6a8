/**
 * A version number from a path, as the 32-bit integer column can hold it; anything else names no
 * version (the caller answers 404), so an out-of-range number never reaches Postgres.
 */
export function versionNumber(raw: string): number | undefined {
  const number = Number(raw);
  return /^[1-9][0-9]{0,9}$/.test(raw) && number <= 2_147_483_647 ? number : undefined;
}
