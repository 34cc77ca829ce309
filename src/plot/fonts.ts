/**
 * The fonts every figure and the PDF use: DejaVu TTFs shipped by the `dejavu-fonts-ttf` npm package, loaded by
 * path so text renders identically on a machine with no system fonts (a fresh CI box) and on a desktop.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as fontkit from 'fontkit';

const require = createRequire(import.meta.url);
const ttfDir = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');

/** Family named in the figure specs and the HTML/PDF text; must match the TTF's own family name. */
export const SANS_FAMILY = 'DejaVu Sans';
export const MONO_FAMILY = 'DejaVu Sans Mono';
export const SERIF_FAMILY = 'DejaVu Serif';

export interface FontFace {
  family: typeof SANS_FAMILY | typeof MONO_FAMILY | typeof SERIF_FAMILY;
  bold: boolean;
  italic: boolean;
}

const files: Record<string, string> = {
  'DejaVu Sans|0|0': 'DejaVuSans.ttf',
  'DejaVu Sans|1|0': 'DejaVuSans-Bold.ttf',
  'DejaVu Sans|0|1': 'DejaVuSans-Oblique.ttf',
  'DejaVu Sans|1|1': 'DejaVuSans-BoldOblique.ttf',
  'DejaVu Sans Mono|0|0': 'DejaVuSansMono.ttf',
  'DejaVu Sans Mono|1|0': 'DejaVuSansMono-Bold.ttf',
  'DejaVu Sans Mono|0|1': 'DejaVuSansMono-Oblique.ttf',
  'DejaVu Sans Mono|1|1': 'DejaVuSansMono-BoldOblique.ttf',
  'DejaVu Serif|0|0': 'DejaVuSerif.ttf',
  'DejaVu Serif|1|0': 'DejaVuSerif-Bold.ttf',
  'DejaVu Serif|0|1': 'DejaVuSerif-Italic.ttf',
  'DejaVu Serif|1|1': 'DejaVuSerif-BoldItalic.ttf',
};

/** Absolute path of the TTF for a face. */
export function fontPath(face: FontFace): string {
  return join(ttfDir, files[`${face.family}|${+face.bold}|${+face.italic}`]!);
}

/** Every TTF the figures may use (resvg loads exactly these, never system fonts). */
export function figureFontFiles(): string[] {
  return Object.values(files).map((f) => join(ttfDir, f));
}

const opened = new Map<string, fontkit.Font>();
function openFont(face: FontFace): fontkit.Font {
  const path = fontPath(face);
  let font = opened.get(path);
  if (!font) {
    const f = fontkit.openSync(path);
    if (!('layout' in f)) throw new Error(`openFont: ${path} is a font collection, expected a single TTF`);
    font = f;
    opened.set(path, font);
  }
  return font;
}

const widthCache = new Map<string, number>();

/** Advance width of `text` set in `face` at `size` (same unit as size): Σ glyph advances · size / unitsPerEm. */
export function textWidth(text: string, size: number, face: FontFace): number {
  const key = `${face.family}|${+face.bold}|${+face.italic}|${text}`;
  let em = widthCache.get(key);
  if (em === undefined) {
    const font = openFont(face);
    em = font.layout(text).advanceWidth / font.unitsPerEm;
    widthCache.set(key, em);
  }
  return em * size;
}

/** Maps a CSS font-family list (as Vega writes it) to the nearest shipped family. */
export function familyFor(cssFamily: string | undefined): FontFace['family'] {
  const f = (cssFamily ?? '').toLowerCase();
  if (f.includes('mono') || f.includes('courier') || f.includes('monospace')) return MONO_FAMILY;
  if (/(^|[ ,'"])serif/.test(f) || f.includes('times') || f.includes('dejavu serif')) return SERIF_FAMILY;
  return SANS_FAMILY;
}
