// Layering of the workspace, checked by `pnpm run check:layers` in the test command.
//
// Each package may import only the packages listed for it, so the package graph has no cycle by construction.
// simulators sit beside protocols and below it: they are the independent implementation the protocol clients are
// tested against, so protocols' tests may drive them but the simulators never reuse the clients.
const importsAllowed = {
  errors: [],
  'test-support': [],
  simulators: ['errors'],
  protocols: ['errors'],
  agent: ['errors', 'protocols'],
  dashboard: ['errors', 'protocols', 'agent'],
  // Reads the agent through its AgentApi, as the dashboard does, and publishes to the hub.
  uplink: ['errors', 'agent'],
  // The hub runs apart from any gateway: it shares the uplink's contract (@hazmon/uplink/contract) and the web API's
  // discipline (@hazmon/dashboard/http-kit), never the agent.
  hub: ['errors', 'uplink', 'dashboard'],
  // The top-level command package, when it comes.
  gateway: ['errors', 'protocols', 'agent', 'dashboard', 'uplink'],
};
const packages = Object.keys(importsAllowed);
// Test code may also import the simulators (to talk to) and test-support; these are devDependencies, never shipped.
const testOnlyPackages = ['simulators', 'test-support'];
const testCode = '(\\.test\\.ts$|/test/|/fixtures/)';

const under = (names) => `^(${names.join('|')})/`;

const layerRules = packages.map((name) => ({
  name: `layer-${name}`,
  comment: `${name} may import only ${importsAllowed[name].join(', ') || 'no other workspace package'}`,
  severity: 'error',
  from: { path: `^${name}/`, pathNot: testCode },
  to: { path: under(packages.filter((other) => other !== name && !importsAllowed[name].includes(other))) },
}));

const testLayerRules = packages.map((name) => ({
  name: `layer-${name}-tests`,
  comment: `tests of ${name} may import only ${[...importsAllowed[name], ...testOnlyPackages].join(', ')}`,
  severity: 'error',
  from: { path: `^${name}/.*${testCode}` },
  to: { path: under(packages.filter((other) => other !== name && !importsAllowed[name].includes(other) && !testOnlyPackages.includes(other))) },
}));

export default {
  forbidden: [
    ...layerRules,
    ...testLayerRules,
    {
      name: 'no-package-imports-top-level',
      comment: 'tests/, bench/ and scripts/ use the packages; no package reaches back into them',
      severity: 'error',
      from: { path: under(packages) },
      to: { path: '^(tests|bench|scripts)/' },
    },
    {
      name: 'hub-uses-uplink-contract-only',
      comment: 'the hub shares the subjects and payloads (uplink/src/contract.ts), not the uplink that reads an agent',
      severity: 'error',
      from: { path: '^hub/' },
      to: { path: '^uplink/', pathNot: '^uplink/src/contract\\.ts$' },
    },
    {
      name: 'hub-uses-dashboard-http-kit-only',
      comment: 'the hub shares the error shape and query params (dashboard/src/http-kit.ts), never the routes that read an agent',
      severity: 'error',
      from: { path: '^hub/', pathNot: '^hub/ui/' },
      to: { path: '^dashboard/', pathNot: '^dashboard/src/http-kit\\.ts$' },
    },
    {
      name: 'hub-page-uses-dashboard-ui-pieces-only',
      comment: "the bureau's page (hub/ui) reuses the dashboard UI's shared pieces (its package's ./ui/* exports and the build's budget), never a gateway page, the live store or the server",
      severity: 'error',
      from: { path: '^hub/ui/' },
      to: {
        path: '^dashboard/',
        pathNot:
          '^dashboard/ui/(first-page-budget\\.ts|src/(format\\.ts|styles\\.css|api/types\\.ts|i18n/index\\.ts|shell/(marks\\.tsx|Time\\.tsx|LanguageSelect\\.tsx|contrast\\.ts|event-kind\\.ts)))$',
      },
    },
    {
      name: 'no-new-file-cycle',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-unresolvable-import',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|coverage|\\.tmp|\\.git)/' },
    // Type-only imports count: a type from a higher layer ties the lower one to it all the same.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'node', 'default'] },
  },
};
