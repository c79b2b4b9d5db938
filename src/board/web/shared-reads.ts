// Page reads that arrive while the same read is already on its way to the app tier wait for
// that one instead of sending their own (single-flight). Nothing is kept afterwards, so no
// answer is older than the request it serves; a post made through this web tier drops reads
// started before it, so its author always sees the post after the redirect.
import type { PageView, RestClient } from './rest-client.js';

export class SharedReads {
  private readonly inflight = new Map<string, Promise<PageView>>();
  /** The rendered page per language, for each shared read (rendering once, not per request). */
  private readonly rendered = new WeakMap<PageView, Map<string, string>>();

  constructor(private readonly rest: RestClient) {}

  listPosts(limit: number, before: string | undefined, requestId: string): Promise<PageView> {
    const key = `${limit}|${before ?? ''}`;
    let read = this.inflight.get(key);
    if (!read) {
      read = this.rest.listPosts(limit, before, requestId);
      const mine = read;
      read.then(
        () => this.forget(key, mine),
        () => this.forget(key, mine),
      );
      this.inflight.set(key, read);
    }
    return read;
  }

  /** Called after a write: later reads must not join one that started before it. */
  invalidate(): void {
    this.inflight.clear();
  }

  renderOnce(page: PageView, variant: string, render: () => string): string {
    let byVariant = this.rendered.get(page);
    if (!byVariant) this.rendered.set(page, (byVariant = new Map()));
    let html = byVariant.get(variant);
    if (html === undefined) byVariant.set(variant, (html = render()));
    return html;
  }

  private forget(key: string, read: Promise<PageView>): void {
    if (this.inflight.get(key) === read) this.inflight.delete(key);
  }
}
