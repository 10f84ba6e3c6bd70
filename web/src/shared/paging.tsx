/**
 * Lists the API answers page by page with a cursor (`?after=<nextCursor>`): forward only on the platform, so the
 * page keeps the cursors of the pages before this one, and going back takes the last one off.
 */
import { useState } from 'preact/hooks';
import { Button } from './components.js';

export interface CursorPages {
  /** The cursor of the page shown; undefined for the first. */
  after: string | undefined;
  atStart: boolean;
  back(): void;
  forward(cursor: string): void;
  reset(): void;
}

/** `onTurn` runs at every turn (to clear what belonged to the page left, such as a choice of rows). */
export function useCursorPages(onTurn?: () => void): CursorPages {
  const [cursors, setCursors] = useState<readonly string[]>([]);
  const turn = (next: readonly string[]): void => {
    setCursors(next);
    onTurn?.();
  };
  return {
    after: cursors.at(-1),
    atStart: cursors.length === 0,
    back: () => turn(cursors.slice(0, -1)),
    forward: (cursor) => turn([...cursors, cursor]),
    reset: () => turn([]),
  };
}

/** `path` with the page's cursor added to its query. */
export function pagePath(path: string, pages: CursorPages): string {
  return pages.after === undefined ? path : `${path}${path.includes('?') ? '&' : '?'}after=${encodeURIComponent(pages.after)}`;
}

/** The buttons to the page before and the page after, each shown only where there is one. */
export function PageButtons(props: { pages: CursorPages; page: { hasMore: boolean; nextCursor: string | null }; backLabel: string; forwardLabel: string; forwardTestId?: string }) {
  const { pages, page } = props;
  const nextCursor = page.nextCursor;
  if (pages.atStart && !(page.hasMore && nextCursor !== null)) return null;
  return (
    <div class="button-group">
      {!pages.atStart && (
        <Button kind="secondary" onClick={pages.back}>
          {props.backLabel}
        </Button>
      )}
      {page.hasMore && nextCursor !== null && (
        <Button kind="secondary" onClick={() => pages.forward(nextCursor)} {...(props.forwardTestId === undefined ? {} : { 'data-testid': props.forwardTestId })}>
          {props.forwardLabel}
        </Button>
      )}
    </div>
  );
}
