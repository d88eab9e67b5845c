/**
 * What every dataset reader returns (datasets.ts, face-pack.ts): a list of labelled 48×48 gray faces,
 * read on demand, and the count of what was skipped by reason. Its own module, so that the readers
 * import it and not each other.
 */
export interface DatasetItem {
  file: string;
  label: number;
  votes: number[];
  /** The 48×48 gray face. */
  read(): Promise<Uint8Array>;
}

export interface Dataset {
  items: DatasetItem[];
  skipped: Record<string, number>;
}
