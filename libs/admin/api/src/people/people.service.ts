import { Inject, Injectable } from '@nestjs/common';
import type { Runtime } from '@gatehouse/app-kit';
import type { Person, Tenant } from '@gatehouse/data-access';
import { ADMIN_RUNTIME } from '../admin-deps';
import { recordAdminChange } from '../audit/record-admin-change';
import type { Caller } from '../auth/admin-request';
import { AdminError, notFound } from '../common/admin-error';
import { publishConfigSnapshotStale, publishTokenInvalidation } from '../common/bus-events';
import { isUuid } from '../common/ids';
import type { PageOf } from '../common/page-query';
import type { CreatePersonDto, ListPeopleQuery, UpdatePersonDto } from './person.dto';
import { personView, type PersonView } from './person.view';

@Injectable()
export class PeopleService {
  constructor(@Inject(ADMIN_RUNTIME) private readonly runtime: Runtime) {}

  async create(caller: Caller, tenant: Tenant, input: CreatePersonDto): Promise<PersonView> {
    assertMayGrant(caller, input.roles);
    const person = personView(await this.runtime.repos.people.create(tenant.id, input));
    await publishConfigSnapshotStale(this.runtime, tenant.id);
    await this.audit(caller, tenant, 'create', person.id, null, person);
    return person;
  }

  async list(tenant: Tenant, query: ListPeopleQuery): Promise<PageOf<PersonView>> {
    const { limit, cursor, ...filter } = query;
    const page = await this.runtime.repos.people.listFiltered(tenant.id, filter, { limit, cursor });
    return { items: page.items.map(personView), nextCursor: page.nextCursor };
  }

  async get(tenant: Tenant, personId: string): Promise<PersonView> {
    return personView(await this.find(tenant, personId));
  }

  async update(
    caller: Caller,
    tenant: Tenant,
    personId: string,
    input: UpdatePersonDto,
  ): Promise<PersonView> {
    const before = await this.find(tenant, personId);
    assertMayManage(caller, before);
    if (input.roles) assertMayGrant(caller, input.roles, before.roles);
    const updated = await this.runtime.repos.people.update(tenant.id, personId, input);
    if (!updated) throw notFound('person');
    // Cached identities carry roles and status: drop them on every replica.
    await publishTokenInvalidation(this.runtime, { personId });
    const after = personView(updated);
    await this.audit(caller, tenant, 'update', personId, personView(before), after);
    return after;
  }

  /** Disables the person: their tokens stop working at once, on every replica. */
  async disable(caller: Caller, tenant: Tenant, personId: string): Promise<PersonView> {
    const before = await this.find(tenant, personId);
    assertMayManage(caller, before);
    const updated = await this.runtime.repos.people.disable(tenant.id, personId);
    if (!updated) throw notFound('person');
    await publishTokenInvalidation(this.runtime, { personId });
    const after = personView(updated);
    await this.audit(caller, tenant, 'disable', personId, personView(before), after);
    return after;
  }

  async find(tenant: Tenant, personId: string): Promise<Person> {
    const person = isUuid(personId)
      ? await this.runtime.repos.people.findById(tenant.id, personId)
      : null;
    if (!person) throw notFound('person');
    return person;
  }

  private audit(
    caller: Caller,
    tenant: Tenant,
    verb: string,
    personId: string,
    before: PersonView | null,
    after: PersonView,
  ): Promise<void> {
    return recordAdminChange(this.runtime, caller, {
      tenantId: tenant.id,
      method: `admin.people.${verb}`,
      target: { type: 'person', id: personId },
      before,
      after,
    });
  }
}

/** Only platform admins hand out (or take away) the platform-admin role. */
function assertMayGrant(caller: Caller, roles: readonly string[], current: readonly string[] = []) {
  const touchesPlatform = roles.includes('platform-admin') !== current.includes('platform-admin');
  if (touchesPlatform && !caller.identity.roles.includes('platform-admin')) {
    throw new AdminError('FORBIDDEN', 'Only platform admins may grant or remove platform-admin.');
  }
}

/** A tenant admin cannot change or disable a platform admin who happens to live in their tenant. */
function assertMayManage(caller: Caller, target: Person) {
  if (
    target.roles.includes('platform-admin') &&
    !caller.identity.roles.includes('platform-admin')
  ) {
    throw new AdminError('FORBIDDEN', 'Only platform admins may change a platform admin.');
  }
}
