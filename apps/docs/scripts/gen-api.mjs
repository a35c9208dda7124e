// Generates the API reference (docs/api/, git-ignored) from the packages' TSDoc comments: TypeDoc over
// each package's src/index.ts with that package's tsconfig.json (entryPointStrategy "packages"), written
// as Markdown by typedoc-plugin-markdown for VitePress. Packages without src/index.ts are skipped.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Application } from 'typedoc';

const here = dirname(fileURLToPath(import.meta.url));
const app = join(here, '..');
const repo = join(app, '..', '..');
const out = join(app, 'docs', 'api');

export const PACKAGES = ['tensor', 'autograd', 'nn', 'optim', 'datasets', 'metrics', 'webgpu'];

const present = PACKAGES.filter((p) => existsSync(join(repo, 'packages', p, 'src', 'index.ts')));
const missing = PACKAGES.filter((p) => !present.includes(p));
if (missing.length) console.warn(`gen-api: skipping ${missing.join(', ')} (no src/index.ts)`);

rmSync(out, { recursive: true, force: true });
const t0 = performance.now();
const typedoc = await Application.bootstrapWithPlugins({
  entryPointStrategy: 'packages',
  entryPoints: present.map((p) => join(repo, 'packages', p)),
  packageOptions: {
    entryPoints: ['src/index.ts'],
    tsconfig: 'tsconfig.build.json',
    // The READMEs are the docs' package pages (docs/packages/*.md include them); the reference is TSDoc only.
    readme: 'none',
    skipErrorChecking: true,
    excludePrivate: true,
    excludeInternal: true,
    disableSources: true,
    // Internal helper types named in public signatures are shown by name; do not warn about each one.
    validation: { notExported: false, invalidLink: true, notDocumented: false },
  },
  plugin: ['typedoc-plugin-markdown'],
  out,
  name: 'Torchlet API',
  readme: 'none',
  entryFileName: 'index',
  excludeScopesInPaths: true,
  // One page per package (members are its sections): a few large pages build far faster than hundreds.
  outputFileStrategy: 'modules',
  hidePageHeader: true,
  hideBreadcrumbs: false,
  useCodeBlocks: true,
  sanitizeComments: true,
  excludePrivate: true,
  excludeExternals: true,
  githubPages: false,
  disableSources: true,
  logLevel: 'Warn',
  validation: { notExported: false, invalidLink: true, notDocumented: false },
});
const project = await typedoc.convert();
if (!project) {
  console.error('gen-api: TypeDoc could not convert the packages');
  process.exit(1);
}
await typedoc.generateOutputs(project);
console.log(
  `gen-api: ${present.length} packages -> ${relative(process.cwd(), out)} in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);

// One layout for every package: api/<pkg>/index.md (TypeDoc writes api/<pkg>.md for a package without
// namespaces), so that the guides can link to /api/<pkg>/ whatever a package contains. Moving a page
// means rewriting the relative links of every page that points into it, and of the page itself.
function listPages(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listPages(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : [],
  );
}
const toPosix = (p) => p.split(sep).join('/');
const moves = new Map(
  present
    .filter((p) => existsSync(join(out, `${p}.md`)))
    .map((p) => [toPosix(join(out, `${p}.md`)), toPosix(join(out, p, 'index.md'))]),
);
if (moves.size) {
  for (const file of listPages(out).map(toPosix)) {
    const from = posix.dirname(file);
    const newFile = moves.get(file) ?? file;
    const text = readFileSync(file, 'utf8').replace(
      /\]\(([^)#\s]+\.md)(#[^)]*)?\)/g,
      (link, target, hash = '') => {
        if (/^[a-z]+:/.test(target) || target.startsWith('/')) return link;
        const abs = posix.normalize(posix.join(from, target));
        const rel = posix.relative(posix.dirname(newFile), moves.get(abs) ?? abs);
        return `](${rel}${hash})`;
      },
    );
    if (newFile !== file) {
      mkdirSync(posix.dirname(newFile), { recursive: true });
      rmSync(file);
    }
    writeFileSync(newFile, text);
  }
}

// The overview page: what the reference is and where each package's guide lives.
const rows = present.map((p) => {
  const { description } = JSON.parse(readFileSync(join(repo, 'packages', p, 'package.json'), 'utf8'));
  const page = `./${p}/index.md`;
  return `| [\`@torchlet/${p}\`](${page}) | ${description} | [guide](../packages/${p}.md) |`;
});
writeFileSync(
  join(out, 'index.md'),
  `# API reference

Generated from the packages' TSDoc comments by TypeDoc and typedoc-plugin-markdown when the site is
built (\`apps/docs/scripts/gen-api.mjs\`), so it always matches the code. Every public export of each
package's \`src/index.ts\` is listed. The package guides explain how the pieces fit together.

| package | what it is | |
| --- | --- | --- |
${rows.join('\n')}
${missing.length ? `\nNot generated in this build (the package has no \`src/index.ts\` yet): ${missing.map((p) => `\`@torchlet/${p}\``).join(', ')}.\n` : ''}`,
);
