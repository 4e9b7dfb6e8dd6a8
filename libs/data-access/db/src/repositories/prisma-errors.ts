import { DataAccessError } from '../errors';
import { Prisma } from '../generated/prisma/client';

/** Runs a single-row write; a missing row (P2025) becomes null, a unique clash (P2002) CONFLICT. */
export async function orNull<T>(write: Promise<T>): Promise<T | null> {
  try {
    return await write;
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2025') {
      return null;
    }
    throw asConflict(error);
  }
}

/** Translates a unique-constraint violation into a CONFLICT DataAccessError. */
export function asConflict(error: unknown): unknown {
  if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
    return new DataAccessError(
      'CONFLICT',
      'A row with the same unique value already exists (for example the same slug or email).',
      { target: error.meta?.['target'] ?? error.meta?.['driverAdapterError'] },
      { cause: error },
    );
  }
  return error;
}

export async function orConflict<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    throw asConflict(error);
  }
}
