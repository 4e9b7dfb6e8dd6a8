import type { Person } from '@gatehouse/data-access';

export interface PersonView {
  id: string;
  tenantId: string;
  email: string;
  name: string;
  roles: string[];
  status: string;
  createdAt: string;
  updatedAt: string;
}

export function personView(person: Person): PersonView {
  return {
    id: person.id,
    tenantId: person.tenantId,
    email: person.email,
    name: person.name,
    roles: person.roles,
    status: person.status,
    createdAt: person.createdAt.toISOString(),
    updatedAt: person.updatedAt.toISOString(),
  };
}
