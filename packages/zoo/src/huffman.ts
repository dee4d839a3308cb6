/**
 * The Huffman tree of hierarchical softmax (word2vec.c's CreateBinaryTree): frequent words get
 * short paths. For each word, the inner nodes from the root down (ids 0 … words − 2) and the code
 * bit taken at each; word2vec trains node n to predict 1 − code.
 */
export interface HuffmanPaths {
  /** Inner-node ids along each word's path, root first. */
  readonly nodes: readonly Int32Array[];
  /** The code bit at each of those nodes. */
  readonly codes: readonly Uint8Array[];
  /** Number of inner nodes (words − 1, at least 1). */
  readonly innerNodes: number;
  /** The longest path. */
  readonly depth: number;
}

/** Paths for words with these counts (index = word id; ids with count 0 get an empty path). */
export function huffmanPaths(counts: readonly number[]): HuffmanPaths {
  const words = counts.map((c, id) => ({ c, id })).filter((w) => w.c > 0);
  const empty = () => ({ nodes: counts.map(() => new Int32Array(0)), codes: counts.map(() => new Uint8Array(0)) });
  if (words.length < 2) {
    // One word: a single inner node it is always on (so the model still has a score to train).
    const { nodes, codes } = empty();
    for (const w of words) {
      nodes[w.id] = Int32Array.of(0);
      codes[w.id] = Uint8Array.of(0);
    }
    return { nodes, codes, innerNodes: 1, depth: 1 };
  }
  // Leaves are 0 … n − 1 (sorted by count, descending, as word2vec sorts its vocabulary), inner
  // nodes n … 2n − 2; the two smallest unmerged nodes merge next, the second getting code 1.
  words.sort((a, b) => b.c - a.c || a.id - b.id);
  const n = words.length;
  const count = new Float64Array(2 * n - 1);
  words.forEach((w, i) => (count[i] = w.c));
  const parent = new Int32Array(2 * n - 1);
  const bit = new Uint8Array(2 * n - 1);
  let leaf = n - 1;
  let inner = n;
  let nextInner = n;
  // Unmerged leaves are 0 … leaf (smallest last); unmerged inner nodes nextInner … inner − 1 (made in increasing count).
  const smallest = (): number => {
    if (leaf >= 0 && (nextInner >= inner || count[leaf] < count[nextInner])) return leaf--;
    return nextInner++;
  };
  for (let k = 0; k < n - 1; k++) {
    const a = smallest();
    const b = smallest();
    count[inner] = count[a] + count[b];
    parent[a] = inner;
    parent[b] = inner;
    bit[b] = 1;
    inner++;
  }
  const root = 2 * n - 2;
  const { nodes, codes } = empty();
  let depth = 0;
  words.forEach((w, i) => {
    const path: number[] = [];
    const bits: number[] = [];
    for (let node = i; node !== root; node = parent[node]) {
      path.push(parent[node] - n);
      bits.push(bit[node]);
    }
    nodes[w.id] = Int32Array.from(path.reverse());
    codes[w.id] = Uint8Array.from(bits.reverse());
    depth = Math.max(depth, path.length);
  });
  return { nodes, codes, innerNodes: n - 1, depth };
}
