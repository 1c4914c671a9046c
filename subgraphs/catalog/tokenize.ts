// Text analysis shared by indexing and querying. Chinese has no spaces, so CJK runs become
// overlapping character bigrams (plus single characters at index time, so one-character
// queries work); everything else alphanumeric becomes lowercase words. Index and query sides
// must use exactly these functions, or tokens stop lining up.

/** English function words dropped on both sides; with AND semantics they would only exclude. */
const STOPWORDS = new Set(['a', 'an', 'and', 'are', 'as', 'at', 'by', 'for', 'from', 'in', 'is', 'of', 'on', 'or', 'the', 'to', 'with']);

/** NFKC folds full-width Latin/digits ("ＡＰＩ２０２４") onto ASCII; then case-fold. */
export function normalizeText(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

function isCjk(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) || // CJK unified ideographs
    (cp >= 0x3400 && cp <= 0x4dbf) || // extension A
    (cp >= 0x20000 && cp <= 0x3134f) || // extensions B..G
    (cp >= 0xf900 && cp <= 0xfaff) || // compatibility ideographs
    (cp >= 0x3040 && cp <= 0x30ff) || // kana
    (cp >= 0xac00 && cp <= 0xd7af) || // hangul syllables
    cp === 0x3007 // 〇
  );
}

const OTHER_ALNUM = /[\p{L}\p{N}]/u;

function isWordChar(cp: number, ch: string): boolean {
  if (cp < 0x80) return (cp >= 0x61 && cp <= 0x7a) || (cp >= 0x30 && cp <= 0x39);
  return OTHER_ALNUM.test(ch);
}

/**
 * Light English plural stripping ("records" → "record", "companies" → "company",
 * "taxes" → "tax"); leaves "business", "status", "analysis" and words with digits alone.
 */
export function stemWord(w: string): string {
  if (w.length <= 3 || !w.endsWith('s')) return w;
  if (/\d/.test(w)) return w;
  if (w.endsWith('ies') && w.length > 4) return `${w.slice(0, -3)}y`;
  if (/(?:sses|xes|ches|shes|zes)$/.test(w)) return w.slice(0, -2);
  if (/(?:ss|us|is)$/.test(w)) return w;
  return w.slice(0, -1);
}

/**
 * Splits normalised text into CJK runs (arrays of characters, surrogate pairs kept whole)
 * and words. Anything else (space, punctuation, symbols) separates.
 */
function scan(text: string, onRun: (chars: string[]) => void, onWord: (word: string) => void): void {
  let run: string[] = [];
  let wordStart = -1;
  const flushRun = (): void => {
    if (run.length > 0) {
      onRun(run);
      run = [];
    }
  };
  let i = 0;
  while (i < text.length) {
    const cp = text.codePointAt(i) as number;
    const width = cp > 0xffff ? 2 : 1;
    const ch = width === 1 ? text[i] : text.slice(i, i + 2);
    if (isCjk(cp)) {
      if (wordStart >= 0) {
        onWord(text.slice(wordStart, i));
        wordStart = -1;
      }
      run.push(ch);
    } else if (isWordChar(cp, ch)) {
      flushRun();
      if (wordStart < 0) wordStart = i;
    } else {
      flushRun();
      if (wordStart >= 0) {
        onWord(text.slice(wordStart, i));
        wordStart = -1;
      }
    }
    i += width;
  }
  flushRun();
  if (wordStart >= 0) onWord(text.slice(wordStart));
}

/**
 * Emits every index token of `text`: for CJK runs each character and each adjacent pair, for
 * words the stemmed word (stop words skipped). Returns the number of tokens emitted.
 */
export function forEachIndexToken(text: string, emit: (token: string) => void): number {
  let count = 0;
  scan(
    normalizeText(text),
    (chars) => {
      for (let i = 0; i < chars.length; i++) {
        emit(chars[i]);
        count++;
        if (i + 1 < chars.length) {
          emit(chars[i] + chars[i + 1]);
          count++;
        }
      }
    },
    (word) => {
      if (STOPWORDS.has(word)) return;
      emit(stemWord(word));
      count++;
    },
  );
  return count;
}

const BIGRAM_BASE = 0x110000;

/**
 * The same tokens as forEachIndexToken, but CJK unigrams and bigrams arrive as numbers
 * (code point, or BIGRAM_BASE + cp1 * BIGRAM_BASE + cp2) so bulk indexing allocates no string
 * per character; words arrive as strings. tokenKeyToString turns a key back into its token.
 */
export function forEachIndexTokenKey(text: string, emit: (key: number | string) => void): number {
  const norm = normalizeText(text);
  let count = 0;
  let prev = -1; // previous CJK code point of the current run, or -1
  let wordStart = -1;
  const endWord = (end: number): void => {
    const word = norm.slice(wordStart, end);
    wordStart = -1;
    if (STOPWORDS.has(word)) return;
    emit(stemWord(word));
    count++;
  };
  let i = 0;
  while (i < norm.length) {
    const cp = norm.codePointAt(i) as number;
    const width = cp > 0xffff ? 2 : 1;
    if (isCjk(cp)) {
      if (wordStart >= 0) endWord(i);
      emit(cp);
      count++;
      if (prev >= 0) {
        emit(BIGRAM_BASE + prev * BIGRAM_BASE + cp);
        count++;
      }
      prev = cp;
    } else {
      prev = -1;
      if (isWordChar(cp, width === 1 ? norm[i] : norm.slice(i, i + 2))) {
        if (wordStart < 0) wordStart = i;
      } else if (wordStart >= 0) {
        endWord(i);
      }
    }
    i += width;
  }
  if (wordStart >= 0) endWord(norm.length);
  return count;
}

export function tokenKeyToString(key: number | string): string {
  if (typeof key === 'string') return key;
  if (key < BIGRAM_BASE) return String.fromCodePoint(key);
  const k = key - BIGRAM_BASE;
  return String.fromCodePoint(Math.floor(k / BIGRAM_BASE), k % BIGRAM_BASE);
}

/** All index tokens of `text`, in order, with repeats (for tests and diagnostics). */
export function indexTokens(text: string): string[] {
  const out: string[] = [];
  forEachIndexToken(text, (t) => out.push(t));
  return out;
}

/**
 * The tokens a query requires (AND): CJK runs as bigrams (a lone character as itself), words
 * stemmed, stop words dropped. De-duplicated and sorted so equivalent queries get the same
 * canonical form (used in cursor fingerprints and for deterministic scoring).
 */
export function queryTokens(text: string): string[] {
  const out = new Set<string>();
  scan(
    normalizeText(text),
    (chars) => {
      if (chars.length === 1) out.add(chars[0]);
      for (let i = 0; i + 1 < chars.length; i++) out.add(chars[i] + chars[i + 1]);
    },
    (word) => {
      if (!STOPWORDS.has(word)) out.add(stemWord(word));
    },
  );
  return [...out].sort();
}
