/**
 * @module sizing — live sessions per Cloud Hosting instance size, from the server bench's measured costs.
 *
 * Sessions = the smaller of what the CPU and the memory allow:
 *   - CPU: 80 % of the instance's cores (headroom for HTTP, sockets and bursts) / CPU per live session;
 *   - memory: 85 % of the instance's memory (the rest for Node's heap growth and the allocator's slack)
 *     − the idle server − one language model per lane (one lane per whole core, at least one)
 *     − … / (one decoder + the extra a live session adds).
 */

export interface SessionCosts {
  /** Server CPU per live session, % of one core. */
  readonly cpuPercentPerSession: number;
  /** RSS of the server with its engine but no models or decoders. */
  readonly baseMiB: number;
  /** One language-model copy (one per lane). */
  readonly modelPerLaneMiB: number;
  readonly decoderMiB: number;
  /** What a live session adds beyond its (already resident) decoder: buffers, socket, search growth. */
  readonly liveExtraMiB: number;
}

export interface SizingRow {
  readonly cores: number;
  readonly memoryGiB: number;
  readonly byCpu: number;
  readonly byMemory: number;
  readonly sessions: number;
}

export const INSTANCE_CORES = [0.5, 1, 2] as const;
export const INSTANCE_MEMORY_GIB = [1, 2, 4] as const;

/**
 * @example
 * sizingTable({ cpuPercentPerSession: 9, baseMiB: 90, modelPerLaneMiB: 33, decoderMiB: 46, liveExtraMiB: 2 })
 */
export function sizingTable(costs: SessionCosts): SizingRow[] {
  const rows: SizingRow[] = [];
  for (const cores of INSTANCE_CORES) {
    for (const memoryGiB of INSTANCE_MEMORY_GIB) {
      const lanes = Math.min(4, Math.max(1, Math.floor(cores)));
      const byCpu = Math.floor((cores * 100 * 0.8) / costs.cpuPercentPerSession);
      const free = memoryGiB * 1024 * 0.85 - costs.baseMiB - lanes * costs.modelPerLaneMiB;
      const byMemory = Math.max(0, Math.floor(free / (costs.decoderMiB + Math.max(0, costs.liveExtraMiB))));
      rows.push({ cores, memoryGiB, byCpu, byMemory, sessions: Math.max(0, Math.min(byCpu, byMemory)) });
    }
  }
  return rows;
}
