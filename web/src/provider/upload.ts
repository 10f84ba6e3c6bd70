/**
 * Sending an event file as the event-file API wants it (docs/provider-api.md): its size and SHA-256 declared when
 * the upload opens, then its bytes in chunks at the offset the platform stands at (a refused offset resumes from
 * the platform's receivedBytes), then the completion, which checks size and digest and reads the last line.
 */
import { api, newIdempotencyKey, type ApiResult } from '../shared/api.js';

export type EventFileFormat = 'ndjson' | 'csv';

export interface EventFile {
  fileId: string;
  fileName: string;
  format: EventFileFormat;
  sizeBytes?: number;
  state: 'receiving' | 'completed' | 'digest_mismatch';
  receivedBytes: number;
  linesRead: number;
  linesApplied: number;
  linesDuplicate: number;
  linesRejected: number;
  createdAt: string;
  closedAt?: string;
}

/** Small enough that a progress bar moves on an ordinary file, far under the API's 4 MiB per chunk. */
const uploadChunkBytes = 256 * 1024;

/** How many times a refused offset may be resumed before the upload gives up. */
const offsetResumesMax = 3;

/** The format the file's name suggests (`.csv`: CSV; anything else: NDJSON). */
export function formatOfFileName(fileName: string): EventFileFormat {
  return /\.csv$/i.test(fileName) ? 'csv' : 'ndjson';
}

async function sha256Hex(file: Blob): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Uploads the file, reporting the bytes the platform has after each chunk; the answer is the completed file. */
export async function uploadEventFile(file: File, format: EventFileFormat, onProgress: (receivedBytes: number) => void): Promise<ApiResult<EventFile>> {
  const opened = await api<EventFile>('/v1/provider/event-files', {
    method: 'POST',
    json: { fileName: file.name, format, sizeBytes: file.size, sha256: await sha256Hex(file) },
    idempotencyKey: newIdempotencyKey(),
  });
  if (!opened.ok) return opened;
  const path = `/v1/provider/event-files/${encodeURIComponent(opened.value.fileId)}`;
  let offsetBytes = opened.value.receivedBytes;
  let resumes = 0;
  onProgress(offsetBytes);
  while (offsetBytes < file.size) {
    const chunk = await api<EventFile>(`${path}/content?offset=${offsetBytes}`, { method: 'PUT', bytes: file.slice(offsetBytes, offsetBytes + uploadChunkBytes) });
    if (chunk.ok) offsetBytes = chunk.value.receivedBytes;
    else if (chunk.failure.code === 'upload_offset_mismatch' && resumes < offsetResumesMax) {
      resumes += 1;
      const state = await api<EventFile>(path);
      if (!state.ok) return state;
      offsetBytes = state.value.receivedBytes;
    } else return chunk;
    onProgress(offsetBytes);
  }
  return api<EventFile>(`${path}/complete`, { method: 'POST' });
}

