/**
 * The drawing code for the page: the compiled JavaScript of svg/svg.ts, svg/draw-ladder.ts and
 * svg/draw-seq.ts (the very functions `--svg` runs), joined into one script without their
 * `import`/`export` lines. Those files import only from each other, by name, so joining them in
 * dependency order is all the bundling they need; a test draws with the bundle in Chromium.
 */
import { existsSync, readFileSync } from 'node:fs';

/** Dependency order: each file uses only the ones before it. */
const FILES = ['svg', 'draw-ladder', 'draw-seq'];

let cached: string | null = null;

/**
 * The script that defines `drawLadder` and `drawSeq` on `window.tcptraceDraw`. Each file becomes a
 * function scope returning its exports (module-level names may repeat across files), and each
 * `import { a, b } from './x.js'` becomes `const { a, b } = x;`.
 */
export function drawingScript(): string {
  if (cached !== null) return cached;
  const modules = FILES.map((f) => {
    const js = readFileSync(compiled(f), 'utf8');
    const exported: string[] = [];
    const body = js
      .split('\n')
      .filter((l) => !l.startsWith('//# sourceMappingURL'))
      .map((l) => {
        const imp = /^import\s*\{([^}]*)\}\s*from\s*'\.\/([\w-]+)\.js';\s*$/.exec(l);
        if (imp) return `const {${imp[1]}} = ${ident(imp[2]!)};`;
        if (/^\s*import\s/.test(l)) throw new Error(`bundle: ${f}.js: an import the page cannot follow: ${l}`);
        const exp = /^export (?:function|const|let|class) ([\w$]+)/.exec(l);
        if (exp) exported.push(exp[1]!);
        return l.replace(/^export (?=function|const|let|class)/, '');
      })
      .join('\n');
    return `const ${ident(f)} = (function () {\n${body}\nreturn { ${exported.join(', ')} };\n})();`;
  });
  cached = `(function () {\n'use strict';\n${modules.join('\n')}\nwindow.tcptraceDraw = { drawLadder: ${ident('draw-ladder')}.drawLadder, drawSeq: ${ident('draw-seq')}.drawSeq };\n})();\n`;
  return cached;
}

/**
 * The compiled file beside this one (dist/report/svg/), or, when this module runs from its
 * TypeScript source (the tests), the build's copy in dist/.
 */
function compiled(name: string): URL {
  const beside = new URL(`../svg/${name}.js`, import.meta.url);
  return existsSync(beside) ? beside : new URL(`../../../dist/report/svg/${name}.js`, import.meta.url);
}

/** A module's name as an identifier: draw-ladder -> m_draw_ladder. */
function ident(name: string): string {
  return `m_${name.replace(/-/g, '_')}`;
}
