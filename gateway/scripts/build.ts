/** Bundles the hazmon command into one ES module for the gateway, so the service runs plain JavaScript without tsx. */
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { basename, dirname, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile, type Plugin } from 'esbuild';

/** Where the deployed unit's ExecStart expects the bundle (gateway/deploy/hazmon.service). */
export const GATEWAY_BUNDLE = fileURLToPath(new URL('../dist/hazmon.mjs', import.meta.url));
export const GATEWAY_ENTRY = fileURLToPath(new URL('../src/main.ts', import.meta.url));

/**
 * Packages left to Node's resolver at run time: native bindings cannot be bundled, and node-opcua is big and only
 * loaded (`import('node-opcua')`) when the config has OPC UA servers. Each must be a dependency of @hazmon/gateway, or
 * pnpm's strict node_modules leaves it unresolvable from a bundle under gateway/.
 */
export const BUNDLE_EXTERNALS = ['@duckdb/*', 'serialport', '@serialport/*', 'node-opcua', 'node-opcua-*'] as const;

/**
 * The bundle's CommonJS dependencies (modbus-serial, debug) `require` Node built-ins and the externals; an ES module
 * has no `require`, so the bundle makes one relative to itself.
 */
const REQUIRE_BANNER = "import { createRequire as hazmonCreateRequire } from 'node:module';\nconst require = hazmonCreateRequire(import.meta.url);";

/**
 * zod's translations of its default messages, all but English (its default, and the only one hazmon's messages use):
 * zod's index exports every locale (`z.locales`), so a bundle held 0.3 MB of them, source text V8 keeps in the heap
 * for the process's life.
 */
const englishZodMessagesOnly: Plugin = {
  name: 'zod-english-messages-only',
  setup(build) {
    build.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => ({
      contents: 'export { default as en } from "./en.js";',
      loader: 'js',
      resolveDir: dirname(args.path),
    }));
  },
};

export interface BundleOptions {
  /** The TypeScript entry; the hazmon command unless told. */
  readonly entry?: string;
  /**
   * The .mjs to write. It must sit under gateway/ (its externals resolve through gateway/node_modules): a temp dir
   * elsewhere finds no @duckdb/node-api. What the entry imports only when asked (`import()`: the uplink and its NATS
   * client, the web server) goes to chunks/ beside it.
   */
  readonly outfile: string;
}

/** Writes the bundle and returns esbuild's metafile (inputs bundled, imports left external). */
export async function bundleGateway({ entry = GATEWAY_ENTRY, outfile }: BundleOptions): Promise<Metafile> {
  mkdirSync(dirname(outfile), { recursive: true });
  const result = await build({
    entryPoints: [entry],
    outdir: dirname(outfile),
    entryNames: basename(outfile, extname(outfile)),
    outExtension: { '.js': extname(outfile) },
    // A module loaded with `import()` is a chunk of its own, read only when imported: a site without an `uplink:`
    // section no longer holds the NATS client's source (0.3 MB of V8 heap, kept for the process's life).
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    plugins: [englishZodMessagesOnly],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: [...BUNDLE_EXTERNALS],
    banner: { js: REQUIRE_BANNER },
    // Without comments and indentation the source V8 keeps for the process's life is 1.3 MB instead of 1.8, and ASCII:
    // a few non-ASCII characters in the libraries' comments made it a two-byte string (3.6 MB of heap, not 1.3).
    // Names are kept (no minifyIdentifiers), so stack traces still name each function.
    minifyWhitespace: true,
    charset: 'ascii',
    metafile: true,
    logLevel: 'warning',
  });
  return result.metafile;
}

/** The built browser UI (`pnpm run build:ui`) and where the bundle's web server looks for it (dashboard/src/ui-files.ts). */
const UI_BUILD = fileURLToPath(new URL('../../dashboard/ui/dist', import.meta.url));
const GATEWAY_UI = fileURLToPath(new URL('../dist/ui', import.meta.url));
const GATEWAY_CHUNKS = fileURLToPath(new URL('../dist/chunks', import.meta.url));

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // Chunks are named by their content: those of an earlier build would stay beside the new ones.
  rmSync(GATEWAY_CHUNKS, { recursive: true, force: true });
  await bundleGateway({ outfile: GATEWAY_BUNDLE });
  console.log(`wrote ${GATEWAY_BUNDLE}`);
  rmSync(GATEWAY_UI, { recursive: true, force: true });
  if (existsSync(UI_BUILD)) {
    cpSync(UI_BUILD, GATEWAY_UI, { recursive: true });
    console.log(`copied the browser UI to ${GATEWAY_UI}`);
  } else console.warn(`no browser UI at ${UI_BUILD}: run pnpm run build:ui first, or the web server answers / with a 503 page`);
}
