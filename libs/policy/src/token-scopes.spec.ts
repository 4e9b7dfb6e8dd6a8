import { scopesPermit } from './token-scopes';

describe('scopesPermit', () => {
  it.each([
    [[], 'github', 'create_issue', false],
    [['upstream:github'], 'github', 'create_issue', false],
    [['mcp:call'], 'github', 'create_issue', true],
    [['mcp:call', 'admin:*'], 'github', 'create_issue', true],
    [['mcp:call', 'upstream:github'], 'github', 'create_issue', true],
    [['mcp:call', 'upstream:github', 'upstream:jira'], 'jira', 'create_issue', true],
    [['mcp:call', 'upstream:github'], 'gitlab', 'create_issue', false],
    [['mcp:call', 'upstream:git*'], 'github', 'create_issue', false],
    [['mcp:call', 'tool:github__create_issue'], 'github', 'create_issue', true],
    [['mcp:call', 'tool:github__create_issue'], 'github', 'delete_repo', false],
    [['mcp:call', 'tool:github__list_*'], 'github', 'list_repos', true],
    [['mcp:call', 'tool:github__list_*'], 'gitlab', 'list_repos', false],
    [['mcp:call', 'tool:*__search'], 'jira', 'search', true],
    [['mcp:call', 'tool:github__?et_issue'], 'github', 'get_issue', true],
    [['mcp:call', 'upstream:github', 'tool:jira__search'], 'github', 'create_issue', false],
    [['mcp:call', 'upstream:github', 'tool:jira__search'], 'jira', 'search', false],
    [['mcp:call', 'upstream:github', 'tool:github__*'], 'github', 'create_issue', true],
  ])('scopes %j permit %s/%s: %s', (scopes, upstream, tool, permitted) => {
    expect(scopesPermit(scopes, upstream, tool)).toBe(permitted);
  });
});
