/**
 * @module fuzz-frames — the hostile frames of `npm run fuzz` (pure: no I/O, reproducible from a seed).
 *
 * Each frame is one WebSocket message as a client could send it — text or binary — drawn from a category:
 * valid Engine.IO / Socket.IO frames of the voice protocol mutated at random, lying attachment counts,
 * broken JSON, unknown packet types, deep nesting, garbage, and (rarely, they are costly) frames over the
 * server's `maxHttpBufferSize`. The same frames feed the server (over raw WebSockets) and the client's
 * decoder (through its transport interface).
 */

export type FuzzFrame = string | Uint8Array;

export type FuzzCategory =
  | 'mutated'
  | 'lying-attachments'
  | 'broken-json'
  | 'unknown-type'
  | 'deep-nesting'
  | 'text-garbage'
  | 'binary-garbage'
  | 'oversize';

/** How often each category is drawn (weights; oversize frames are 1 MB+ each, so rare). */
export const CATEGORY_WEIGHTS: Readonly<Record<FuzzCategory, number>> = {
  mutated: 50,
  'lying-attachments': 10,
  'broken-json': 10,
  'unknown-type': 8,
  'deep-nesting': 4,
  'text-garbage': 9,
  'binary-garbage': 8.9,
  oversize: 0.1,
};

/** A deterministic random source (mulberry32): the same seed gives the same frames. */
export interface Rng {
  /** [0, 1) */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  pick<T>(items: readonly T[]): T;
}

/**
 * @example
 * const rng = createRng(42);
 * rng.int(10); // 0…9, the same every run
 */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (items) => items[Math.floor(next() * items.length)] as (typeof items)[number],
  };
}

const NS = '/realtime-voice';

/** Valid frames of the voice protocol (and Engine.IO), the seeds of the mutations. */
export const VALID_FRAMES: readonly FuzzFrame[] = [
  '2',
  '3',
  '2probe',
  '6',
  '40',
  `40${NS},`,
  `40${NS},{"token":"x"}`,
  `41${NS},`,
  `42${NS},["stop"]`,
  `42${NS},7["stop"]`,
  `42${NS},["audio","not binary"]`,
  `42${NS},["unknown",1,2,3]`,
  `42${NS},3["start",{"sampleRate":16000,"language":"en-US"}]`,
  `43${NS},1[{"ok":true}]`,
  `451-${NS},["audio",{"_placeholder":true,"num":0}]`,
  `451-${NS},9["audio",{"_placeholder":true,"num":0}]`,
  `452-${NS},["audio",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`,
  `461-${NS},4[{"_placeholder":true,"num":0}]`,
  '42["message","hi"]',
  new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7]),
];

/** A copy of `frame` with one to four random edits (flip, insert, delete, duplicate, truncate). */
export function mutate(frame: FuzzFrame, rng: Rng): FuzzFrame {
  const bytes: (string | number)[] = typeof frame === 'string' ? Array.from(frame) : Array.from(frame);
  const edits = 1 + rng.int(4);
  const randomUnit = (): string | number =>
    typeof frame === 'string' ? rng.pick(INTERESTING_CHARS) : rng.int(256);
  for (let i = 0; i < edits; i++) {
    const at = rng.int(bytes.length + 1);
    switch (rng.int(5)) {
      case 0:
        if (bytes.length > 0) bytes[Math.min(at, bytes.length - 1)] = randomUnit();
        break;
      case 1:
        bytes.splice(at, 0, randomUnit());
        break;
      case 2:
        bytes.splice(at, 1 + rng.int(4));
        break;
      case 3:
        bytes.splice(at, 0, ...bytes.slice(at, at + 1 + rng.int(16)));
        break;
      default:
        bytes.length = Math.min(bytes.length, at);
    }
  }
  return typeof frame === 'string' ? (bytes as string[]).join('') : Uint8Array.from(bytes as number[]);
}

/** Characters that matter to the parsers (digits, separators, JSON syntax) and a few that do not. */
const INTERESTING_CHARS: readonly string[] = [
  ...'0123456789-,/[]{}":_',
  'a',
  ' ',
  '\u0000',
  '\uffff',
  'é',
  '🎤',
];

const BIG_COUNTS = ['1000000', '451000000', '4294967296', '99999999999999999999', '-1', '1e9', 'NaN'];

/** Draws one frame of `category` (or of a weighted random category). */
export function fuzzFrame(rng: Rng, category: FuzzCategory = pickCategory(rng)): FuzzFrame {
  switch (category) {
    case 'mutated':
      return mutate(rng.pick(VALID_FRAMES), rng);
    case 'lying-attachments': {
      const count = rng.next() < 0.5 ? rng.pick(BIG_COUNTS) : String(rng.int(40));
      const type = rng.next() < 0.8 ? '5' : '6';
      const nsp = rng.next() < 0.5 ? `${NS},` : '';
      return `4${type}${count}-${nsp}${rng.int(3) === 0 ? rng.int(100) : ''}["x",{"_placeholder":true,"num":${rng.int(12)}}]`;
    }
    case 'broken-json': {
      const bodies = [
        '[',
        '["start",',
        '{"a":',
        '["audio",{"_placeholder":tru',
        '[1,2,,]',
        'null',
        '"s"',
        '[]',
      ];
      return `42${rng.next() < 0.5 ? `${NS},` : ''}${rng.pick(bodies)}`;
    }
    case 'unknown-type':
      return `${rng.int(10)}${rng.int(10)}${rng.next() < 0.5 ? `${NS},` : ''}["x"]`;
    case 'deep-nesting': {
      const depth = 100 + rng.int(4000);
      const binary = rng.next() < 0.5;
      const inner = binary ? '{"_placeholder":true,"num":0}' : '1';
      return `4${binary ? '51-' : '2'}${NS},["audio",${'['.repeat(depth)}${inner}${']'.repeat(depth)}]`;
    }
    case 'text-garbage':
      return Array.from({ length: 1 + rng.int(64) }, () => rng.pick(INTERESTING_CHARS)).join('');
    case 'binary-garbage':
      return Uint8Array.from({ length: rng.int(2048) }, () => rng.int(256));
    case 'oversize':
      return rng.next() < 0.5
        ? `42${NS},["audio","${'a'.repeat(1_100_000)}"]`
        : new Uint8Array(1_100_000).fill(rng.int(256));
  }
}

function pickCategory(rng: Rng): FuzzCategory {
  const entries = Object.entries(CATEGORY_WEIGHTS) as [FuzzCategory, number][];
  const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
  let roll = rng.next() * total;
  for (const [category, weight] of entries) {
    roll -= weight;
    if (roll < 0) return category;
  }
  return 'mutated';
}

/** A short printable preview of a frame for crash reports. */
export function describeFrame(frame: FuzzFrame, max = 120): string {
  if (typeof frame === 'string') {
    const text = JSON.stringify(frame.length > max ? `${frame.slice(0, max)}…` : frame);
    return `text(${frame.length}) ${text}`;
  }
  const head = Array.from(frame.subarray(0, Math.min(frame.length, 24)), (b) =>
    b.toString(16).padStart(2, '0'),
  );
  return `binary(${frame.length}) ${head.join('')}${frame.length > 24 ? '…' : ''}`;
}
