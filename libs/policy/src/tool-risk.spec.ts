import { deriveToolRisk, type ToolRiskInput } from './tool-risk';

describe('deriveToolRisk', () => {
  const cases: Array<[string, ToolRiskInput, ReturnType<typeof deriveToolRisk>]> = [
    [
      'treats a tool without annotations as destructive and open-world',
      { annotationsTrusted: true },
      { level: 'destructive', openWorld: true, source: 'default' },
    ],
    [
      'ignores annotations of an untrusted upstream',
      { annotationsTrusted: false, annotations: { readOnlyHint: true, openWorldHint: false } },
      { level: 'destructive', openWorld: true, source: 'default' },
    ],
    [
      'reads readOnlyHint from a trusted upstream',
      { annotationsTrusted: true, annotations: { readOnlyHint: true } },
      { level: 'read_only', openWorld: true, source: 'annotations' },
    ],
    [
      'takes destructiveHint false as a write',
      { annotationsTrusted: true, annotations: { destructiveHint: false, openWorldHint: false } },
      { level: 'write', openWorld: false, source: 'annotations' },
    ],
    [
      'keeps a write with idempotentHint a write',
      { annotationsTrusted: true, annotations: { destructiveHint: false, idempotentHint: true } },
      { level: 'write', openWorld: true, source: 'annotations' },
    ],
    [
      'keeps destructiveHint true destructive',
      { annotationsTrusted: true, annotations: { readOnlyHint: false, destructiveHint: true } },
      { level: 'destructive', openWorld: true, source: 'annotations' },
    ],
    [
      'counts empty trusted annotations as destructive',
      { annotationsTrusted: true, annotations: {} },
      { level: 'destructive', openWorld: true, source: 'annotations' },
    ],
    [
      'lets an admin override win over annotations',
      { annotationsTrusted: true, annotations: { readOnlyHint: true }, override: 'destructive' },
      { level: 'destructive', openWorld: true, source: 'override' },
    ],
    [
      'lets an admin override an untrusted upstream',
      { annotationsTrusted: false, override: 'read_only' },
      { level: 'read_only', openWorld: true, source: 'override' },
    ],
    [
      'keeps a trusted openWorldHint under an override',
      { annotationsTrusted: true, annotations: { openWorldHint: false }, override: 'write' },
      { level: 'write', openWorld: false, source: 'override' },
    ],
  ];

  it.each(cases)('%s', (_name, input, expected) => {
    expect(deriveToolRisk(input)).toEqual(expected);
  });
});
