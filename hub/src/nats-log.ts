/**
 * Publish permission violations from nats-server's log. nats-server 2.9 refuses a publish outside the user's
 * permissions with an error to that client and a log line, and sends no system event for it (server/client.go,
 * pubPermissionViolation), so the log is the only place the hub can learn of one: it follows the log files it is
 * given (on the NATS servers' hosts, or shipped beside the hub), from where it stopped.
 */
import { open, stat } from 'node:fs/promises';

export interface PublishViolation {
  /** The server's own timestamp as logged: local time of its host, without a zone (2.9 cannot log UTC). */
  readonly sourceTime: string;
  /** ip:port of the client. */
  readonly clientAddress: string;
  readonly clientId: number;
  /** The user name, or the nkey of a client that signed in by nkey. */
  readonly user: string;
  readonly subject: string;
}

const VIOLATION = /^\[\d+\] (\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d(?:\.\d+)?) \[ERR\] (\S+) - cid:(\d+) - .*?Publish Violation - (?:User|Nkey) "(.*)", Subject "(.*)"$/;

/** A violation the line reports, or null for any other line. */
export function publishViolationOf(line: string): PublishViolation | null {
  const match = VIOLATION.exec(line);
  if (match === null) return null;
  const [, sourceTime, clientAddress, clientId, user, subject] = match;
  return { sourceTime: sourceTime!, clientAddress: clientAddress!, clientId: Number(clientId), user: user!, subject: subject! };
}

/** Where a follower stands in a file: the file's identity (device and inode: a rotated log is a new file) and the byte after the last whole line read. */
export interface LogPosition {
  readonly fileId: string;
  readonly position: number;
}

export interface LogChunk {
  /** Whole lines read, each with the byte it starts at. */
  readonly lines: readonly { readonly at: number; readonly text: string }[];
  readonly next: LogPosition;
}

/** Up to this much of a log per read. */
const READ_LIMIT = 1024 * 1024;

/**
 * The whole lines after `from` (from the start of a new file when the file was rotated or truncated); null when the
 * file is missing.
 */
export async function readLogLines(path: string, from: LogPosition | null): Promise<LogChunk | null> {
  const info = await stat(path).catch(() => null);
  if (info === null) return null;
  const fileId = `${info.dev}:${info.ino}`;
  const start = from !== null && from.fileId === fileId && from.position <= info.size ? from.position : 0;
  const length = Math.min(info.size - start, READ_LIMIT);
  if (length <= 0) return { lines: [], next: { fileId, position: start } };
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await file.read(buffer, 0, length, start);
    const text = buffer.subarray(0, bytesRead);
    const lines: { at: number; text: string }[] = [];
    let lineStart = 0;
    for (let index = text.indexOf(10); index !== -1; index = text.indexOf(10, lineStart)) {
      lines.push({ at: start + lineStart, text: text.subarray(lineStart, index).toString('utf8').replace(/\r$/, '') });
      lineStart = index + 1;
    }
    return { lines, next: { fileId, position: start + lineStart } };
  } finally {
    await file.close();
  }
}
