/** Reliability tests report what they tried; scripts/reliability.mjs sums it into one line. */
export type ReliabilityCounts = Partial<
  Record<'faults' | 'fuzzed' | 'soaked' | 'requests' | 'foreignRequests' | 'hostile' | 'concurrent' | 'busy', number>
>;

export function record(counts: ReliabilityCounts): void {
  console.log(`RELIABILITY ${JSON.stringify(counts)}`);
}
