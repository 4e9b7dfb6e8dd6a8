import { ROLES } from '@gatehouse/auth';
import { z } from 'zod';
import { PageQuery } from '../common/page-query';

const Roles = z.array(z.enum(ROLES)).min(1).max(ROLES.length);

export const CreatePersonDto = z.strictObject({
  email: z.email().max(320),
  name: z.string().trim().min(1).max(200),
  roles: Roles.default(['member']),
});
export type CreatePersonDto = z.output<typeof CreatePersonDto>;

export const UpdatePersonDto = z.strictObject({
  email: z.email().max(320).optional(),
  name: z.string().trim().min(1).max(200).optional(),
  roles: Roles.optional(),
  /** `active` re-enables; disabling is `DELETE .../people/:p`. */
  status: z.enum(['active', 'disabled']).optional(),
});
export type UpdatePersonDto = z.output<typeof UpdatePersonDto>;

export const ListPeopleQuery = PageQuery.extend({
  email: z.string().trim().min(1).max(320).optional(),
  role: z.enum(ROLES).optional(),
  status: z.enum(['active', 'disabled']).optional(),
});
export type ListPeopleQuery = z.output<typeof ListPeopleQuery>;
