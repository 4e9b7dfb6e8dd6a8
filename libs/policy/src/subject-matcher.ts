import { compileGlob, type CompiledGlob } from './glob';
import type { PolicyIdentity } from './policy-input';

export interface SubjectMatcher {
  matches(identity: PolicyIdentity): boolean;
}

/** A rule applies to the caller when any one of its subjects does. */
export function compileSubjects(subjects: readonly string[]): SubjectMatcher {
  if (subjects.includes('*')) return { matches: () => true };
  const roles = new Set<string>();
  const people = new Set<string>();
  const emails: CompiledGlob[] = [];
  for (const subject of subjects) {
    const colon = subject.indexOf(':');
    const kind = subject.slice(0, colon);
    const value = subject.slice(colon + 1);
    if (kind === 'role') roles.add(value);
    else if (kind === 'person') people.add(value);
    else if (kind === 'email') emails.push(compileGlob(value, { caseInsensitive: true }));
    else throw new Error(`unknown subject '${subject}'`);
  }
  return {
    matches(identity) {
      if (people.has(identity.id)) return true;
      for (const role of identity.roles) if (roles.has(role)) return true;
      for (const email of emails) if (email.matches(identity.email)) return true;
      return false;
    },
  };
}
