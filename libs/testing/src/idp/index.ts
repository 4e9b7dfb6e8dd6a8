export { startIdpFixture, type IdpFixture, type IdpFixtureOptions } from './idp-fixture';
