import { z } from 'zod';

export const MAX_ADMIN_PAGE = 200;

/** `?limit=&cursor=` of every list route. */
export const PageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_ADMIN_PAGE).default(50),
  cursor: z.string().min(1).max(2000).optional(),
});
export type PageQuery = z.output<typeof PageQuery>;

export interface PageOf<T> {
  items: T[];
  nextCursor: string | null;
}
