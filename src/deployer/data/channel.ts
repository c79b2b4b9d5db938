// How backup and restore reach the database: a shell script run as root inside the running dbs
// container (MariaDB's own tools there, root by the unix socket, so no password is read, typed or
// passed anywhere). Each target gives one: docker through the Engine's exec API, openstack through
// SSH to the dbs server (targets/openstack/ssh.ts).
import { Writable } from 'node:stream';

export interface RunOptions {
  /** A local file that becomes the script's stdin. */
  input?: string;
  /** Where the script's stdout goes (else it is collected into the result). */
  output?: Writable;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface DbsChannel {
  /** What is reached, for messages: "container board-dbs", "server alice-board-dbs (192.168.0.30)". */
  readonly where: string;
  run(script: string, o?: RunOptions): Promise<RunResult>;
}

/**
 * A script's output, kept as bytes and decoded once at the end: decoding each chunk as it comes
 * turns a character split between two chunks (a post's emoji, wherever the pipe cut it) into
 * U+FFFD replacement characters.
 */
export class TextSink extends Writable {
  private readonly chunks: Buffer[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.chunks.push(chunk);
    done();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
