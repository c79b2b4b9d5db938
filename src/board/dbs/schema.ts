// The data tier's schema as Kysely sees it: the original's table `contents`, unchanged in shape.
import type { Generated } from 'kysely';

export interface ContentsTable {
  id: Generated<number>;
  /** `YYYY-MM-DD HH:MM:SS`; NULL only in rows written by the original app. */
  timestamp: string | null;
  text: string | null;
}

export interface BoardSchema {
  contents: ContentsTable;
}
