/** The walpb.Record types of etcd's WAL. */
export const RecordType = {
  Metadata: 1,
  Entry: 2,
  State: 3,
  Crc: 4,
  Snapshot: 5,
} as const;
export type RecordType = (typeof RecordType)[keyof typeof RecordType];

const names: Record<RecordType, string> = { 1: 'metadata', 2: 'entry', 3: 'state', 4: 'crc', 5: 'snapshot' };

export function isRecordType(t: number): t is RecordType {
  return t >= 1 && t <= 5 && Number.isInteger(t);
}

export function recordTypeName(t: RecordType): string {
  return names[t];
}
